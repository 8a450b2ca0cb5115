"""Where a webhook may be sent, and the one HTTP request of an attempt.

Addresses are checked when an endpoint is saved and again before every request: the host is resolved, every address
must be public, and the request goes to the address that was checked (so a name that later resolves to a private
address, DNS rebinding, reaches nothing inside). Plain http and private addresses are allowed only where
WEBHOOK_ALLOW_LOCAL is on (local development, and tests that start a receiver on loopback).
"""
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

USER_AGENT = "CommunicationsCredits-Webhooks/1"


def _resolve(host, port):
    """Every address `host` resolves to (a function of its own so tests can stand in for DNS)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _is_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the request connects to


def url_clean(url, *, allow_local=None):
    """The URL stripped, or ValidationError({"url": ...}) saying what is wrong with it. Resolves its host."""
    target_of(url, allow_local=allow_local)
    return url.strip()


def target_of(url, *, allow_local=None):
    allow_local = settings.WEBHOOK_ALLOW_LOCAL if allow_local is None else allow_local
    if url is not None and not isinstance(url, str):
        raise ValidationError({"url": "Give the URL as text, e.g. https://hooks.contoso.com/billing."})
    text = (url or "").strip()
    if not text:
        raise ValidationError({"url": "Enter the endpoint's URL, e.g. https://hooks.contoso.com/billing."})
    if len(text) > 500:
        raise ValidationError({"url": "The URL is longer than 500 characters."})
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError({"url": f"'{text}' isn't a valid URL ({exc})."}) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError({"url": f"'{text}' isn't an https:// URL."})
    if parts.scheme != "https" and not allow_local:
        raise ValidationError({"url": "Webhook endpoints must use HTTPS (https://…)."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Leave the user name and password out of the URL; check the signature instead."})
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(parts.hostname))]
    except ValueError:
        addresses = None
    try:
        addresses = addresses or _resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise ValidationError({"url": f"The host {parts.hostname} could not be resolved."}) from None
    if not addresses:
        raise ValidationError({"url": f"The host {parts.hostname} could not be resolved."})
    if not allow_local:
        private = [a for a in addresses if not _is_public(a)]
        if private:
            raise ValidationError({"url": f"The host {parts.hostname} resolves to a private or reserved address "
                                          f"({private[0]}); webhooks go only to public internet addresses."})
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target, timeout):
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(*, url, body, headers, timeout):
    """POSTs `body` to `url` once; never raises for the network or the receiver: the Answer says what happened."""
    started = time.perf_counter()

    def answer(status_code, error):
        return Answer(status_code, error[:500], int((time.perf_counter() - started) * 1000))

    try:
        target = target_of(url)
    except ValidationError as exc:
        return answer(None, "; ".join(exc.messages))
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body.encode(), headers={
            **headers, "content-type": "application/json", "user-agent": USER_AGENT})
        response = connection.getresponse()
        response.read(64 * 1024)
    except TimeoutError:
        return answer(None, f"No answer within {timeout} seconds.")
    except (OSError, http.client.HTTPException) as exc:
        return answer(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    error = "" if 200 <= response.status < 300 else f"The endpoint answered HTTP {response.status}."
    return answer(response.status, error)
