"""A real HTTP receiver on loopback for webhook tests, and an independent Standard Webhooks verifier."""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from dataclasses import dataclass, field

import pytest


def verify_standard_webhook(*, secret, headers, body, now, tolerance=300):
    """Checks a request as a receiver following the Standard Webhooks specification would, written apart from the
    product's signing code: True when any `v1,` signature matches, the timestamp is recent and the id is present."""
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if not message_id or abs(now - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256)
                                .digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


@dataclass
class Receiver:
    url: str
    answers: list = field(default_factory=list)  # status codes (or "sleep") to answer with, in order; then 200
    requests: list = field(default_factory=list)  # (headers dict, body text)

    def bodies(self):
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            answer = state.answers.pop(0) if state.answers else 200
            if answer == "sleep":
                time.sleep(2.5)
                answer = 200
            self.send_response(answer)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/billing"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_webhooks(settings):
    """Webhooks may go to the loopback receiver over http, with a short time limit."""
    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    return settings
