"""Settings of the Celery worker the integration suite starts: the test settings, with what they force overridden.

config/settings/test.py forces the locmem email backend, which a separate worker process can't share with the
test; here EMAIL_BACKEND comes from the environment (the suite points it at its SMTP server on loopback). The
gateway is the sandbox with an optional delay after the charge (slow_gateway.py), and the recharge lease can be
shortened, so the suite can kill a worker mid-charge and see another one finish the recharge quickly.
"""
from config.settings.env import env_int, env_str
from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
PAYMENT_GATEWAY = "tests.integration.slow_gateway.SlowSandboxGateway"
CREDITS_RECHARGE_LEASE_SECONDS = env_int("CREDITS_RECHARGE_LEASE_SECONDS", 600)
