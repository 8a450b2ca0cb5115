"""Helpers of licensing's pages: a side panel that htmx swaps in, or the whole page around it without htmx."""
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render


def panel_or_page(request, panel_template, context, *, list_context, close_url,
                  page_template="licensing/active_users.html", status=200):
    """The panel alone for an htmx request; otherwise the list page with the panel open over it.

    `close_url` is where the panel's Close goes without JavaScript (with it, the panel is just removed).
    """
    context = {**context, "close_url": close_url}
    if request.htmx and not request.htmx.boosted:
        return render(request, panel_template, context, status=status)
    return render(request, page_template, {**list_context(request), **context, "panel_template": panel_template},
                  status=status)


def error_messages(errors):
    """Flat, readable messages from a ValidationError or a form's errors (field names are in the messages)."""
    if isinstance(errors, ValidationError):
        if hasattr(errors, "error_dict"):
            return [message for messages in errors.message_dict.values() for message in messages]
        return list(errors.messages)
    messages: list = []
    for field, field_errors in errors.items():
        label = "" if field == "__all__" else f"{field.replace('_', ' ').capitalize()}: "
        messages.extend(f"{label}{error}" for error in field_errors)
    return messages


def redirect_after_save(request, url):
    """After a panel's save: htmx reloads the page behind it (HX-Redirect); without htmx, a plain redirect."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
