"""JSON log lines (one object a line) with the request id, tenant id and call id, and nothing secret in them.

`RedactFilter` runs on every record before any formatter: card numbers (13 to 19 digits passing Luhn's check,
spaced or not), card security codes and passwords given as fields, bearer tokens and the product's API tokens,
and the values of the secret settings are replaced by [redacted] in the message, its arguments and the
traceback. OPS_LOG_FORMAT=json (the production default) or text.
"""
import json
import logging
import re
from datetime import UTC, datetime

from . import context

REDACTED = "[redacted]"
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
_FIELD = re.compile(r"""(?ix)
    (["']?(?:password|passwd|cvc|cvv|security_?code|card_?number|number|secret|token|api_?key|authorization)["']?
    \s*[:=]\s*["']?)
    ([^"'\s,&}]+)""")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_SECRET_SETTINGS = ("SECRET_KEY", "EMAIL_HOST_PASSWORD", "OPS_METRICS_TOKEN")


def _luhn(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_redacted(match):
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTED if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _field_redacted(match):
    # "number" alone is a card's only when the value looks like one; a phone number or a count stays readable
    name = match.group(1).lower()
    if "number" in name and "card" not in name:
        return match.group(0) if not _CARD.fullmatch(match.group(2)) else match.group(1) + REDACTED
    return match.group(1) + REDACTED


def _secret_values():
    from django.conf import settings

    values = [str(getattr(settings, name, "") or "") for name in _SECRET_SETTINGS]
    for database in getattr(settings, "DATABASES", {}).values():
        values.append(str(database.get("PASSWORD") or ""))
    return [value for value in values if len(value) >= 6]


def redact(text):
    if not text:
        return text
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _FIELD.sub(_field_redacted, text)
    text = _CARD.sub(_card_redacted, text)
    try:
        secrets = _secret_values()
    except Exception:  # settings not configured (a bare script): the patterns above still apply
        secrets = []
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactFilter(logging.Filter):
    """Rewrites the record's message (arguments merged) and traceback without secrets; never drops a line."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw template
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # formatted (and redacted) once: formatters print exc_text
        return True


class ContextFilter(logging.Filter):
    """Adds request_id, tenant_id and call_id to every record (None when the line is about no request)."""

    def filter(self, record):
        try:
            request = getattr(record, "request", None)
            record.request_id, record.tenant_id, record.call_id = context.snapshot(
                request if hasattr(request, "META") else None)
        except Exception:  # never lose a line for its context
            record.request_id, record.tenant_id, record.call_id = "", None, None
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "tenant_id", "call_id")
    EXTRA = ("method", "path", "status", "duration_ms", "task", "task_id")

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS + self.EXTRA:
            value = getattr(record, name, None)
            if value not in (None, ""):
                line[name] = value
        if record.exc_text or record.exc_info:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s tenant=%(tenant_id)s call=%(call_id)s] "
                         "%(message)s")


def logging_config(*, fmt, level, access=True):
    """Django's LOGGING for OPS_LOG_FORMAT (json or text): one console handler, redacted, with the context."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "ops.logs.RedactFilter"}, "context": {"()": "ops.logs.ContextFilter"}},
        "formatters": {"json": {"()": "ops.logs.JsonFormatter"}, "text": {"()": "ops.logs.TextFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["redact", "context"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
            # gunicorn's own loggers write through the same handler (config/gunicorn.py turns theirs off)
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "ops.access": {"level": "INFO" if access else "WARNING"},
        },
    }
