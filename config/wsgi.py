"""WSGI entry point for gunicorn or any WSGI server."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
site = get_wsgi_application()

from config.token_api import TokenApiDispatch  # noqa: E402 (needs the settings loaded above)

application = TokenApiDispatch(site)
