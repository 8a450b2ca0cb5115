"""Reading settings from the environment, failing loudly on a bad value."""
import os

from django.core.exceptions import ImproperlyConfigured

# Every variable a settings module asked for, so that a misspelt one can be named at start-up (core/apps.py).
READ: set[str] = set()
# Prefixes of the product's own variables: one of these that no settings module reads is a misspelling.
PRODUCT_PREFIXES = ("CREDITS_", "RATING_", "INVOICE_", "REPORTS_", "GRAPH_", "WEBHOOK_", "SPEND_", "OPS_")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    READ.add(name)
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name, default):
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off).")


def env_int(name, default, *, minimum=None):
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_int_list(name, default, *, minimum=None):
    """A comma-separated list of whole numbers, e.g. CREDITS_RECHARGE_RETRY_DELAYS=3600,21600,86400."""
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    try:
        values = [int(item.strip()) for item in raw.split(",") if item.strip()]
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a comma-separated list of whole numbers.") from None
    if not values or (minimum is not None and min(values) < minimum):
        raise ImproperlyConfigured(f"{name}={raw!r} must list whole numbers of at least {minimum}.")
    return values


def env_list(name, default):
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name, default):
    """(requests, seconds) from a limit '<requests>/<seconds>' such as '1000/60'."""
    raw = env_str(name, default)
    units, _, seconds = raw.partition("/")
    if not (units.strip().isdigit() and seconds.strip().isdigit() and int(units) > 0 and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a limit '<requests>/<seconds>' such as '1000/60'.")
    return int(units), int(seconds)


def unknown_product_variables(environ=None):
    """Variables with a product prefix that no settings module reads: misspellings, named at start-up."""
    environ = os.environ if environ is None else environ
    return sorted(name for name in environ if name.startswith(PRODUCT_PREFIXES) and name not in READ)
