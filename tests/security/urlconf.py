"""Every route of the URLconf, for the generated matrices of tests/security (roles, token scopes, tenants)."""
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PLACEHOLDERS = {"int": "987654", "uuid": str(uuid.UUID(int=987654)), "str": "no-such-thing", "slug": "no-such-step",
                "path": "no/such/file"}
# Routes written as regular expressions: their path with an argument to fill ({name}).
REGEX_PATHS = {
    "licensing:product_quantity": "/billing/products/{subscription_id}/buy/",
    "graph-get-pstn-calls": "/v1.0/communications/callRecords/getPstnCalls(fromDateTime=2026-06-01,toDateTime=2026-06-10)",
}


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    pattern: str
    view: object  # the view class (API) or function (page)
    converters: tuple  # (argument, converter type name)

    @property
    def is_api(self):
        return self.pattern.startswith(("api/v1/", "v1.0/"))

    def url(self, **values):
        """The route's path with `values` for its arguments (placeholders for the others)."""
        if self.name in REGEX_PATHS:
            return REGEX_PATHS[self.name].format(subscription_id=values.get("subscription_id", PLACEHOLDERS["int"]))
        path = self.pattern
        for argument, kind in self.converters:
            path = path.replace(f"<{kind}:{argument}>", str(values.get(argument, PLACEHOLDERS[kind])))
        return "/" + path


def _converters(pattern):
    converters = getattr(pattern, "converters", {}) or {}
    kinds = {"IntConverter": "int", "UUIDConverter": "uuid", "StringConverter": "str", "SlugConverter": "slug",
             "PathConverter": "path"}
    return tuple((name, kinds[type(converter).__name__]) for name, converter in converters.items())


def routes():
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                callback = entry.callback
                view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append(Route(name, prefix + str(entry.pattern), view, _converters(entry.pattern)))

    walk(get_resolver().url_patterns, "", None)
    return [r for r in found if not r.pattern.startswith("django-admin/")]
