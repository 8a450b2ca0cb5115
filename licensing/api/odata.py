"""The OData query options Graph scripts send to /v1.0/users: $top, $select, $filter and $skiptoken paging."""
import re
from dataclasses import dataclass, field

from django.core import signing
from django.db.models import Q

from core.graph_errors import ApiError

MAX_TOP = 999
DEFAULT_TOP = 100
SUPPORTED_OPTIONS = {"$top", "$select", "$filter", "$skiptoken"}
_SKIPTOKEN_SALT = "licensing.graph.users.skiptoken"

# OData string literals are quoted with ' and a quote inside is doubled.
_STRING = r"'((?:[^']|'')*)'"
_FILTERS = [
    (re.compile(rf"^userPrincipalName\s+eq\s+{_STRING}$", re.I), lambda v: Q(upn=v.strip().lower())),
    (re.compile(rf"^usageLocation\s+eq\s+{_STRING}$", re.I), lambda v: Q(usage_location=v.strip().upper())),
    (re.compile(rf"^startswith\(\s*displayName\s*,\s*{_STRING}\s*\)$", re.I), lambda v: Q(display_name__istartswith=v)),
]


@dataclass
class UserQuery:
    top: int = DEFAULT_TOP
    select: list = field(default_factory=list)
    condition: Q = field(default_factory=Q)
    after: str | None = None


def _unsupported(message):
    return ApiError(message, code="Request_UnsupportedQuery", status_code=400)


def parse_top(raw):
    if raw is None:
        return DEFAULT_TOP
    if not re.fullmatch(r"\s*[0-9]+\s*", raw):
        raise ApiError(f"Invalid page size specified: '{raw}'. Must be between 1 and {MAX_TOP} inclusive.")
    top = int(raw)
    if not 1 <= top <= MAX_TOP:
        raise ApiError(f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive.")
    return top


def parse_select(raw, known):
    """The properties named by $select (in the order given); an unknown one is a 400 naming it."""
    if raw is None:
        return []
    names = [name.strip() for name in raw.split(",") if name.strip()]
    by_lower = {name.lower(): name for name in known}
    selected = []
    for name in names:
        if name.lower() not in by_lower:
            raise ApiError(f"Could not find a property named '{name}' on type 'microsoft.graph.user'.")
        selected.append(by_lower[name.lower()])
    if not selected:
        raise ApiError("$select needs at least one property name.")
    return list(dict.fromkeys(selected))


def _split_and(raw):
    """Splits on ' and ' outside quoted strings."""
    parts, current, quoted, i = [], [], False, 0
    while i < len(raw):
        char = raw[i]
        if char == "'":
            quoted = not quoted
        if not quoted and raw[i:i + 5].lower() == " and ":
            parts.append("".join(current))
            current, i = [], i + 5
            continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return [part.strip() for part in parts]


def parse_filter(raw):
    """A Q for `userPrincipalName eq '…'`, `usageLocation eq '…'`, `startswith(displayName,'…')`, joined by and."""
    if raw is None:
        return Q()
    condition = Q()
    for clause in _split_and(raw.strip()):
        for pattern, build in _FILTERS:
            match = pattern.match(clause)
            if match:
                condition &= build(match.group(1).replace("''", "'"))
                break
        else:
            raise _unsupported(
                f"Unsupported or invalid query filter clause specified: '{clause}'. Supported: "
                "userPrincipalName eq '…', usageLocation eq '…', startswith(displayName,'…'), joined by 'and'.")
    return condition


def skiptoken_make(last_id):
    return signing.dumps(str(last_id), salt=_SKIPTOKEN_SALT, compress=True)


def parse_skiptoken(raw):
    if raw is None:
        return None
    try:
        return signing.loads(raw, salt=_SKIPTOKEN_SALT)
    except signing.BadSignature:
        raise ApiError("The $skiptoken is not valid; follow @odata.nextLink as returned.") from None


def parse_user_query(params, known_properties):
    for name in params:
        if name.startswith("$") and name not in SUPPORTED_OPTIONS:
            raise _unsupported(f"The query option '{name}' is not supported on users (supported: "
                               f"{', '.join(sorted(SUPPORTED_OPTIONS))}).")
    return UserQuery(
        top=parse_top(params.get("$top")),
        select=parse_select(params.get("$select"), known_properties),
        condition=parse_filter(params.get("$filter")),
        after=parse_skiptoken(params.get("$skiptoken")),
    )
