"""Renders one notification email (subject, HTML, plain text) from its event's templates and the caller's context."""
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.navigation import url_or_none

from .events import SPECS, Event

if TYPE_CHECKING:
    from accounts.models import Tenant


class MissingContext(ValueError):
    """The caller left out facts the event's email states; sending it without them would mislead."""


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    reason: str  # the footer's "why you receive this email"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def absolute_url(path):
    return settings.SITE_URL.rstrip("/") + path


def action_url(event, context):
    """The page the email's button opens: the caller's `url_name`, else the event's default page.

    A default page whose app is not installed yet falls back to Home; a `url_name` the caller names must exist.
    """
    if context.get("url_name"):
        return absolute_url(reverse(context["url_name"], kwargs=context.get("url_kwargs") or None))
    return absolute_url(url_or_none(SPECS[event].default_url_name) or reverse("accounts:home"))


def render_email(*, tenant: "Tenant", event: str, context: Mapping[str, Any], recipient: Recipient,
                 language: str = "en") -> RenderedEmail:
    """Raises MissingContext, template errors or NoReverseMatch; the caller turns any of them into a failed row."""
    event = Event(event)
    spec = SPECS[event]
    missing = [key for key in spec.required if context.get(key) in (None, "")]
    if missing:
        raise MissingContext(f"The {event.label} email needs {', '.join(missing)} in its context.")
    values = {
        **context,
        "tenant": tenant,
        "event": event,
        "spec": spec,
        "recipient": recipient,
        "action_url": action_url(event, context),
        "settings_url": absolute_url(reverse("notifications:settings")),
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    with translation.override(language):
        subject = render_to_string(f"notifications/email/{event.value}_subject.txt", values)
        values["subject"] = re.sub(r"\s+", " ", subject).strip()
        if not values["subject"]:
            raise ValueError(f"The subject template of {event.label} rendered empty.")
        html = render_to_string(f"notifications/email/{event.value}.html", values)
        text = render_to_string(f"notifications/email/{event.value}.txt", values)
    return RenderedEmail(subject=values["subject"][:300], html=html, text=_tidy_text(text))


def _tidy_text(text):
    """Template tags leave blank lines and trailing spaces behind; plain-text mail shows every one of them."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
