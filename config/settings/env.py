"""Reading settings from the environment, failing loudly on a bad value."""
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off).")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name, default):
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
