"""The client's address as the trusted reverse proxies saw it (sign-in lockouts, audit).

Behind `TRUSTED_PROXY_COUNT` proxies, each appends the address it received the request from to X-Forwarded-For, so
the client's own address is the count-th entry from the right; anything further left was written by the client
and is ignored. With no trusted proxy, REMOTE_ADDR is the client.
"""
import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:  # not through every trusted proxy: the nearest peer is all we know
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def sign_in_username(request, credentials=None):
    """The account a sign-in names, written as the account is found (lower case, no blanks), for per-account
    lockouts: 'Grace@Contoso.test ' and 'grace@contoso.test' are one account."""
    if credentials and credentials.get("username") is not None:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username")
    return str(raw).strip().lower()[:320] if raw else None
