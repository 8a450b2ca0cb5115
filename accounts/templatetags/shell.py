"""The shell's template tags: the one breadcrumb every page shows."""
from django import template

register = template.Library()


@register.inclusion_tag("partials/breadcrumb.html", takes_context=True)
def breadcrumb(context, *pairs):
    """Home › navigation group › navigation page, then `pairs` below it: label, url, label, url, …, label.

    The navigation's trail comes from the shell's context (accounts.navigation.breadcrumb_for); the last crumb
    is the page itself.
    """
    trail = [dict(crumb) for crumb in context.get("breadcrumb_trail", [])]
    rest = list(pairs)
    while rest:
        label = rest.pop(0)
        url = rest.pop(0) if rest else None
        trail.append({"label": label, "url": url})
    return {"trail": trail}
