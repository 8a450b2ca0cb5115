"""The call endpoints' first reads, made in the statement that checks the bearer token.

Every call the telephony platform carries makes two requests. Authorize first reads where the call id was seen
before, the rate decks' generation, the caller and the caller's calling policy (services/first_look.py); complete
first reads the call's authorization (lock_objects.call_authorization). Both depend only on the request and its
tenant, so the views have them read in the token's own statement, with the tenant the token names (their
`read_along`: accounts.api.authentication.ReadAlong): a round trip less per request. The services use what was
read only when it was read for the call id (and caller) they clean themselves; otherwise they read it again. A
request whose body or call id cannot be read here is left to the services, which say what is wrong.
"""
import json
from typing import Any

from django.core.exceptions import SuspiciousOperation, ValidationError

from accounts.api.authentication import ReadAlong, token_tenant

from . import lock_objects
from .callinput import clean_call_id, clean_call_type
from .services.first_look import FirstLook, look_from, look_parts


def _read(request: Any) -> tuple[ReadAlong, list[Any]] | None:
    return getattr(request, "read_along", None)


def authorize_along(request: Any) -> ReadAlong | None:
    """Authorize's first look (FirstLook), to read with the token."""
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            return None
        call_id, call_type = clean_call_id(body.get("callId")), clean_call_type(body.get("callType"))
    except (ValueError, ValidationError, SuspiciousOperation):  # json's errors are ValueErrors; a body too big
        return None
    select, select_params, joins, join_params, upn = look_parts(token_tenant(), call_id, call_type,
                                                                body.get("userPrincipalName", ""))
    return ReadAlong(select, select_params, joins, join_params, key=(call_id, upn))


def authorize_look(request: Any) -> FirstLook | None:
    """The first look read with the token for this request (authorize_along), if one was read."""
    read = _read(request)
    if read is None:
        return None
    along, rows = read
    call_id, upn = along.key
    return look_from(request.user.tenant, rows, call_id, upn)


def complete_along(request: Any) -> ReadAlong | None:
    """Complete's first read, the call's authorization (the call id is the path's), to read with the token."""
    try:
        call_id = clean_call_id(request.parser_context["kwargs"].get("call_id"))
    except ValidationError:
        return None
    select, joins = lock_objects.call_authorization_parts(token_tenant())
    return ReadAlong(select, [], joins, [call_id], key=call_id)


def complete_read(request: Any) -> lock_objects.AuthorizationRead | None:
    """The call's authorization read with the token for this request (complete_along), if it was read."""
    read = _read(request)
    if read is None:
        return None
    along, rows = read
    return lock_objects.call_authorization_of(along.key, rows[0])
