"""Bearer-token authentication for the API: the token names its tenant and acts for it within its scopes.

A view whose first reads depend only on the request and the tenant can have them read in the token's own statement
(one round trip instead of two): its `read_along(request)` returns a `ReadAlong`, and it finds what the joins found
in `request.read_along`. The telephony platform's call endpoints do: every call makes two requests
(billing/rating/call_reads.py).
"""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from core import sql

from ..models import ApiToken, Tenant
from ..roles import Role, roles_allow
from ..services import hash_token

# last_used_at is written at most this often per token, to keep the hot path free of writes.
_TOUCH_EVERY_SECONDS = 300


# Aliases of their own: a ReadAlong's joins have theirs.
_TOKEN = sql.Row(ApiToken, "api_token")
_TENANT = sql.Row(Tenant, "api_tenant")
_TOKEN_WIDTH = _TOKEN.width + _TENANT.width


def token_tenant() -> str:
    """The SQL expression of the token's tenant id, for the joins of a ReadAlong."""
    return f"api_tenant.{sql.column(Tenant, 'id')}"


@dataclass(frozen=True)
class ReadAlong:
    """What a view reads first, read in the token's statement: `select`, a select list, then `joins`, LEFT JOINs
    (the token's row stays when they find nothing), both SQL that may name the token's tenant as token_tenant()
    and nothing else of the request's tenant; their parameters in that order. `key` is what the view needs to
    read the rows (what they were read for); the view finds (this ReadAlong, the rows' values after the token's)
    in `request.read_along`."""

    select: str
    select_params: Sequence[Any]
    joins: str
    join_params: Sequence[Any]
    key: Any = None


def _token_sql(select: str = "", joins: str = "") -> str:
    """The live token and its tenant in one plain statement: every call of the telephony platform comes through here."""
    return (f"SELECT {_TOKEN.sql}, {_TENANT.sql}{', ' + select if select else ''} FROM {sql.table(ApiToken)} api_token "
            f"JOIN {sql.table(Tenant)} api_tenant "
            f"ON api_tenant.{sql.column(Tenant, 'id')} = api_token.{sql.column(ApiToken, 'tenant')} {joins} "
            f"WHERE api_token.{sql.column(ApiToken, 'token_hash')} = %s "
            f"AND api_token.{sql.column(ApiToken, 'revoked_at')} IS NULL")


_TOKEN_SQL = sql.Statement(_token_sql)
_ALONG_SQL: dict[tuple[str, str], str] = {}  # (select, joins) -> the statement


def _read(token_hash: str, along: ReadAlong | None) -> list[tuple[Any, ...]]:
    if along is None:
        return _TOKEN_SQL.rows([token_hash])
    key = (along.select, along.joins)
    statement = _ALONG_SQL.get(key)
    if statement is None:
        statement = _ALONG_SQL[key] = _token_sql(*key)
    return sql.rows(statement, [*along.select_params, *along.join_params, token_hash])


class ApiPrincipal:
    """The caller behind an API token: tenant-scoped, holding every capability of the app registration but allowed
    only the operations of its token's scopes (accounts/scopes.py; checked by HasCapability)."""

    is_authenticated = True
    is_anonymous = False
    roles = frozenset({Role.GLOBAL_ADMIN})

    def __init__(self, token):
        self.token = token
        self.scopes = frozenset(token.scopes or ())
        self.tenant = token.tenant
        self.tenant_id = token.tenant_id
        self.pk = None
        self.audit_label = f"API token '{token.name}'"

    @property
    def audit_user(self):
        return self.token.created_by

    def can(self, capability):
        return roles_allow(self.roles, capability)

    def __str__(self):
        return self.audit_label


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        raw = parts[1].decode("latin-1")
        along = self.read_along(request)
        found = _read(hash_token(raw), along)
        if not found:
            raise exceptions.AuthenticationFailed("The access token is invalid or has been revoked.")
        token = _TOKEN.instance(found[0][:_TOKEN.width])
        token.tenant = _TENANT.instance(found[0][_TOKEN.width:_TOKEN_WIDTH])
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("The access token has expired.")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > _TOUCH_EVERY_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request.tenant = token.tenant
        if along is not None:
            request.read_along = (along, [row[_TOKEN_WIDTH:] for row in found])
        return ApiPrincipal(token), token

    def read_along(self, request) -> ReadAlong | None:
        """What the view reads first, to read with the token: what its `read_along(request)` returns, if it has one
        (see ReadAlong); None: the token alone."""
        view = (getattr(request, "parser_context", None) or {}).get("view")
        reader = getattr(view, "read_along", None)
        return reader(request) if reader is not None else None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer tokens in the OpenAPI schema (drf-spectacular)."""

    target_class = "accounts.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token created in Org settings (cct_...)."}
