"""The OData Graph scripts speak to /v1.0/users: $top, $select, $filter, $search, $orderby, $count and $skiptoken paging,
the ConsistencyLevel header of advanced queries, and the instance annotations clients put in request bodies."""
import re
from dataclasses import dataclass, field

from django.core import signing
from django.db.models import Q

from core.graph_errors import ApiError

MAX_TOP = 999
DEFAULT_TOP = 100
SUPPORTED_OPTIONS = {"$top", "$select", "$filter", "$skiptoken", "$search", "$orderby", "$count"}
_SKIPTOKEN_SALT = "licensing.graph.users.skiptoken"

# OData string literals are quoted with ' and a quote inside is doubled.
_STRING = r"'((?:[^']|'')*)'"
_FILTERS = [
    (re.compile(rf"^userPrincipalName\s+eq\s+{_STRING}$", re.I), lambda v: Q(upn=v.strip().lower())),
    (re.compile(rf"^usageLocation\s+eq\s+{_STRING}$", re.I), lambda v: Q(usage_location=v.strip().upper())),
    (re.compile(rf"^startswith\(\s*displayName\s*,\s*{_STRING}\s*\)$", re.I), lambda v: Q(display_name__istartswith=v)),
]
# A clause that is well formed but names something this service does not filter on: `prop op value` or `fn(prop, …)`.
_COMPARISON = re.compile(r"^(?P<prop>[A-Za-z_][\w/]*)\s+(?P<op>[A-Za-z]+)\s+\S")
_FUNCTION = re.compile(r"^(?:not\s+)?(?P<fn>[A-Za-z]+)\(\s*(?P<prop>[A-Za-z_][\w/]*)\s*,", re.I)

# $search="property:words": the user properties Graph tokenizes for search, and the model fields behind them.
SEARCH_PROPERTIES = {"displayname": "display_name", "givenname": "first_name", "surname": "last_name",
                     "mail": "upn", "userprincipalname": "upn"}
# Graph splits names into words on spaces and, in addresses, on these characters; a search term matches word starts.
_WORD_SEPARATORS = (" ", ".", "@", "_", "-")
_SEARCH_CLAUSE = re.compile(r'\s*"(?P<prop>[A-Za-z]+):(?P<term>[^"]*)"\s*')
_SEARCH_JOIN = re.compile(r"\s*\b(?P<op>AND|OR)\b\s*")

# $orderby: the properties Graph sorts users by (displayName, userPrincipalName), and the fields behind them.
ORDERBY_PROPERTIES = {"displayname": ("displayName", "display_name"), "userprincipalname": ("userPrincipalName", "upn")}

ADVANCED_HEADER = "eventual"
SEARCH_NEEDS_HEADER = ("Request with $search query parameter only works through MSGraph with a special request header: "
                       "'ConsistencyLevel: eventual'")
COUNT_NEEDS_HEADER = "$count is not currently supported."
SORTING_NOT_SUPPORTED = "Sorting not supported for current query."


@dataclass
class UserQuery:
    top: int = DEFAULT_TOP
    select: list = field(default_factory=list)
    condition: Q = field(default_factory=Q)
    order: tuple = ()  # (Graph property, model field, descending) or empty for the default order by id
    count: bool = False
    after: list | None = None  # [sort value, id] of the last row of the previous page


def unsupported(message):
    return ApiError(message, code="Request_UnsupportedQuery", status_code=400)


def without_annotations(value):
    """A request body without its instance annotations (`@odata.type`, `@odata.context`, `@odata.etag`, any
    `@`-prefixed name) or type annotations of properties (`name@odata.type`), at any depth: Graph ignores them."""
    if isinstance(value, dict):
        return {key: without_annotations(item) for key, item in value.items()
                if not (isinstance(key, str) and (key.startswith("@") or key.endswith("@odata.type")))}
    if isinstance(value, list):
        return [without_annotations(item) for item in value]
    return value


def is_advanced(headers):
    """Whether the request carries Graph's advanced-query header, `ConsistencyLevel: eventual`."""
    return headers.get("ConsistencyLevel", "").strip().lower() == ADVANCED_HEADER


def parse_top(raw):
    if raw is None:
        return DEFAULT_TOP
    if not re.fullmatch(r"\s*[0-9]+\s*", raw):
        raise ApiError(f"Invalid page size specified: '{raw}'. Must be between 1 and {MAX_TOP} inclusive.")
    top = int(raw)
    if not 1 <= top <= MAX_TOP:
        raise ApiError(f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive.")
    return top


def parse_count(raw):
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ApiError(f"Invalid value '{raw}' for $count: true or false is expected.")
    return value == "true"


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
    parts: list[str] = []
    current: list[str] = []
    quoted, i = False, 0
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


def _syntax_error(raw):
    """OData's words for a $filter that cannot be parsed (an unterminated string, unbalanced parentheses, no operand)."""
    quoted, opened, depth = False, 0, 0
    for position, char in enumerate(raw):
        if char == "'":
            quoted = not quoted
            opened = position if quoted else opened
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                return ApiError(f"Invalid filter clause: Syntax error at position {position} in '{raw}'.",
                                code="BadRequest")
    if quoted:
        return ApiError(f"Invalid filter clause: There is an unterminated string literal at position {opened} in "
                        f"'{raw}'.", code="BadRequest")
    if depth:
        return ApiError(f"Invalid filter clause: ')' or ',' expected at position {len(raw)} in '{raw}'.",
                        code="BadRequest")
    return None


def parse_filter(raw):
    """A Q for `userPrincipalName eq '…'`, `usageLocation eq '…'`, `startswith(displayName,'…')`, joined by and.

    A malformed expression is OData's BadRequest; a well-formed one this service does not support is Graph's
    Request_UnsupportedQuery naming the property."""
    if raw is None:
        return Q()
    text = raw.strip()
    if not text:
        raise ApiError("Invalid filter clause: the $filter expression is empty.", code="BadRequest")
    error = _syntax_error(text)
    if error:
        raise error
    condition = Q()
    for clause in _split_and(text):
        for pattern, build in _FILTERS:
            match = pattern.match(clause)
            if match:
                condition &= build(match.group(1).replace("''", "'"))
                break
        else:
            shape = _FUNCTION.match(clause) or _COMPARISON.match(clause)
            if not shape:
                raise ApiError(f"Invalid filter clause: Syntax error at position {len(text)} in '{text}'.",
                               code="BadRequest")
            raise unsupported(f"Unsupported or invalid query filter clause specified for property '{shape['prop']}' "
                              "of resource 'User'.")
    return condition


def _term_condition(model_field, term):
    """Users with a word of `model_field` starting with `term` (Graph's tokenized $search)."""
    condition = Q(**{f"{model_field}__istartswith": term})
    for separator in _WORD_SEPARATORS:
        condition |= Q(**{f"{model_field}__icontains": f"{separator}{term}"})
    return condition


def parse_search(raw):
    """A Q for `"displayName:ada"` clauses joined by AND or OR (AND binds first, as in Graph)."""
    if raw is None:
        return Q()
    text, position, terms, operators = raw.strip(), 0, [], []
    while True:
        match = _SEARCH_CLAUSE.match(text, position)
        if not match:
            raise unsupported(f"Invalid $search '{raw}': use quoted \"property:words\" clauses joined by AND or OR, "
                              "for example $search=\"displayName:ada\".")
        prop = match["prop"].lower()
        if prop not in SEARCH_PROPERTIES:
            raise unsupported(f"Unsupported property '{match['prop']}' in $search: search displayName, givenName, "
                              "surname, mail or userPrincipalName.")
        term = match["term"].strip()
        if not term:
            raise unsupported(f"Invalid $search '{raw}': the clause \"{match['prop']}:\" has no words to look for.")
        terms.append(_term_condition(SEARCH_PROPERTIES[prop], term))
        position = match.end()
        if position == len(text):
            break
        join = _SEARCH_JOIN.match(text, position)
        if not join:
            raise unsupported(f"Invalid $search '{raw}': join clauses with AND or OR.")
        operators.append(join["op"])
        position = join.end()
    groups = [terms[0]]
    for operator, term in zip(operators, terms[1:], strict=True):
        if operator == "AND":
            groups[-1] &= term
        else:
            groups.append(term)
    condition = groups[0]
    for group in groups[1:]:
        condition |= group
    return condition


def parse_orderby(raw):
    """(Graph property, model field, descending) for `displayName` or `userPrincipalName`, optionally asc or desc."""
    if raw is None:
        return ()
    parts = raw.split()
    if len(parts) not in (1, 2) or "," in raw or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise unsupported(SORTING_NOT_SUPPORTED)
    found = ORDERBY_PROPERTIES.get(parts[0].lower())
    if not found:
        raise unsupported("An unsupported property was specified.")
    return (*found, len(parts) == 2 and parts[1].lower() == "desc")


def skiptoken_make(order, last):
    """An opaque token naming the last row of a page: its sort value (when sorted) and id."""
    value = getattr(last, order[1]) if order else None
    return signing.dumps([order[0] if order else None, value, str(last.pk)], salt=_SKIPTOKEN_SALT, compress=True)


def parse_skiptoken(raw, order):
    if raw is None:
        return None
    try:
        sorted_by, value, last_id = signing.loads(raw, salt=_SKIPTOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ApiError("The $skiptoken is not valid; follow @odata.nextLink as returned.") from None
    if sorted_by != (order[0] if order else None):
        raise ApiError("The $skiptoken belongs to a query with another $orderby; follow @odata.nextLink as returned.")
    return [value, last_id]


def parse_user_query(params, headers, known_properties):
    """The options of GET /users, with Graph's rules for which of them need the advanced-query header."""
    for name in params:
        if name.startswith("$") and name not in SUPPORTED_OPTIONS:
            raise unsupported(f"The query option '{name}' is not supported on users (supported: "
                              f"{', '.join(sorted(SUPPORTED_OPTIONS))}).")
    advanced = is_advanced(headers)
    if "$search" in params and not advanced:
        raise unsupported(SEARCH_NEEDS_HEADER)
    # Without the header Graph ignores $count=true rather than refusing it.
    count = parse_count(params.get("$count")) and advanced
    order = parse_orderby(params.get("$orderby"))
    if order and "$filter" in params and not count:
        raise unsupported(SORTING_NOT_SUPPORTED)
    return UserQuery(
        top=parse_top(params.get("$top")),
        select=parse_select(params.get("$select"), known_properties),
        condition=parse_filter(params.get("$filter")) & parse_search(params.get("$search")),
        order=order,
        count=count,
        after=parse_skiptoken(params.get("$skiptoken"), order),
    )


def parse_count_query(params, headers):
    """The condition of GET /users/$count ($filter and $search); the segment needs the advanced-query header."""
    for name in params:
        if name.startswith("$") and name not in ("$filter", "$search"):
            raise unsupported(f"The query option '{name}' is not supported on users/$count (supported: $filter, "
                              "$search).")
    if not is_advanced(headers):
        raise ApiError(COUNT_NEEDS_HEADER, code="Request_BadRequest")
    return parse_filter(params.get("$filter")) & parse_search(params.get("$search"))
