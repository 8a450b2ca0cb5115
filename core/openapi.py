"""The OpenAPI schema as the API really answers (a drf-spectacular postprocessing hook).

Every endpoint can answer the Graph-style errors of core/graph_errors.py: 400 (bad input, named), 401 (no or a bad
token) and 403 (a role or token scope that does not allow it); one with an id in its path also 404 (an id not in the
tenant), a throttled one also 429. They are declared here once rather than on each view, so the schema cannot forget
one (tests/security/test_schema_fuzz.py fails on any undocumented answer) nor promise one the operation never gives
(tests/security/test_schema_conformance.py shows a real answer of every documented status). A view that answers 404
without an id in its path (a lookup) declares it itself.
"""
import re

ERROR_COMPONENT = "GraphError"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                             "required": ["code", "message"]}},
    "required": ["error"],
}
STANDARD_ERRORS = {
    "400": "Bad input: the message names the field or parameter at fault.",
    "401": "No bearer token, or one that is invalid, revoked or expired.",
    "403": "The admin role or the token's scopes do not allow this operation.",
}
NOT_FOUND = {"404": "Not found in your organization."}
THROTTLED = {"429": "Too many requests: retry after the Retry-After header's seconds."}
# A path segment that is a whole parameter (an id): /api/v1/webhooks/{endpoint_id}, not getPstnCalls{call}.
_ID_SEGMENT = re.compile(r"/\{[^}/]+\}(?:/|$)")
# drf-spectacular reads `$` in a route as a regex anchor and drops it; Graph's path segments keep it.
PATH_FIXES = {"/v1.0/users/count": "/v1.0/users/$count"}


def document_errors(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    throttled = {(PATH_FIXES.get(path, path), method.lower()) for path, _, method, view in generator.endpoints
                 if getattr(view.cls, "throttle_classes", ())}
    result["paths"] = {PATH_FIXES.get(path, path): item for path, item in result.get("paths", {}).items()}
    for path, item in result["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            errors = {**STANDARD_ERRORS, **(NOT_FOUND if _ID_SEGMENT.search(path) else {}),
                      **(THROTTLED if (path, method) in throttled else {})}
            for status, description in errors.items():
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": reference}}})
    return result
