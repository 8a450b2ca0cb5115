"""The OpenAPI schema as the API really answers (a drf-spectacular postprocessing hook).

Every endpoint can answer the Graph-style errors of core/graph_errors.py: 400 (bad input, named), 401 (no or a bad
token), 403 (a role or token scope that does not allow it), 404 (an id not in the tenant, or an unknown path
segment) and 429 (throttled). They are declared here once for every operation rather than on each view, so the
schema cannot forget one (tests/security/test_schema_fuzz.py fails on any undocumented answer).
"""
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
    "404": "Not found in your organization.",
    "429": "Too many requests: retry after the Retry-After header's seconds.",
}
# drf-spectacular reads `$` in a route as a regex anchor and drops it; Graph's path segments keep it.
PATH_FIXES = {"/v1.0/users/count": "/v1.0/users/$count"}


def document_errors(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    result["paths"] = {PATH_FIXES.get(path, path): item for path, item in result.get("paths", {}).items()}
    for item in result["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in STANDARD_ERRORS.items():
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": reference}}})
    return result
