"""System checks of the product's own settings, run by `manage.py check` (deploy ones by `check --deploy`)."""
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def sandbox_gateway_check(app_configs, **kwargs):
    """The sandbox payment gateway approves test cards and charges nothing: a deployment should not run on it."""
    gateway = getattr(settings, "PAYMENT_GATEWAY", "")
    if gateway.endswith(".sandbox.SandboxGateway"):
        return [checks.Warning(
            "PAYMENT_GATEWAY is the sandbox gateway: no card is really charged.",
            hint="Set PAYMENT_GATEWAY to a real gateway (ALLOW_SANDBOX_GATEWAY=true lets production start on the "
                 "sandbox for a demonstration).", id="core.W001")]
    return []
