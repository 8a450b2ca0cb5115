"""JSON log lines: the request id, tenant and call id on each; no card data, password or token in any of them."""
import io
import json
import logging

import pytest

from ops.logs import REDACTED, ContextFilter, JsonFormatter, RedactFilter, redact
from tests.rating.factories import UK_MOBILE, add_credits, make_caller

CARD = "4242 4242 4242 4242"


@pytest.mark.parametrize(("text", "expected"), [
    ("card 4242 4242 4242 4242 declined", f"card {REDACTED} declined"),
    ("card 4242424242424242 declined", f"card {REDACTED} declined"),
    ("card 4000-0000-0000-0002", f"card {REDACTED}"),
    ("order 1234567890123456 shipped", "order 1234567890123456 shipped"),  # fails Luhn's check: not a card
    ("call to +447400123456 for 61 s", "call to +447400123456 for 61 s"),
    ("Authorization: Bearer cct_9c461cd2_AqUXQ5hUz4f6TPOqVUasZwirHbayf5V0q9S", f"Authorization: {REDACTED} {REDACTED}"),
    ("{'password': 'Persona-Pass-2026', 'upn': 'ada'}", f"{{'password': '{REDACTED}', 'upn': 'ada'}}"),
    ('{"cvc": "123", "expMonth": 12}', f'{{"cvc": "{REDACTED}", "expMonth": 12}}'),
    ("callee_number=+14255550100", "callee_number=+14255550100"),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_the_secret_settings_never_appear(settings):
    settings.SECRET_KEY = "a-very-secret-key-of-the-operator-0123456789abcdef"
    settings.EMAIL_HOST_PASSWORD = "smtp-pass-7781"
    assert redact(f"boom {settings.SECRET_KEY} and smtp-pass-7781") == f"boom {REDACTED} and {REDACTED}"


@pytest.fixture
def captured():
    """Every record of every logger, through the production handler's filters and JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # production's level (LOG_LEVEL)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_lines_carry_the_request_tenant_and_call_and_no_secret(captured, api_client_for, client, tenant, now,
                                                               calling_deck, billing_admin, password):
    add_credits(tenant, "10.00")
    make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", upn="ada@contoso.test", number="+14255550111")
    api = api_client_for(tenant)
    token = api._credentials["HTTP_AUTHORIZATION"].split()[1]
    start = now.isoformat().replace("+00:00", "Z")
    assert api.post("/api/v1/calls/authorize", {"callId": "log-1", "callType": "user_out",
                                                "userPrincipalName": "ada@contoso.test", "calleeNumber": UK_MOBILE,
                                                "startDateTime": start}, format="json",
                    HTTP_X_REQUEST_ID="req-from-the-platform-1").status_code == 200
    assert api.post("/api/v1/calls/log-1/complete", {"durationSeconds": 61}, format="json").status_code == 200
    # a sign-in with a wrong password, a card that is refused, and an error logged with the card in its message
    client.post("/signin/", {"username": billing_admin.upn, "password": "Wrong-" + password})
    client.force_login(billing_admin)
    client.post("/api/v1/payment-methods", {"type": "card", "number": CARD, "expMonth": 1, "expYear": 2001,
                                            "cvc": "987", "holderName": "Bill"}, content_type="application/json")
    try:
        raise ValueError(f"gateway refused {CARD.replace(' ', '')} with cvc=987")
    except ValueError:
        logging.getLogger("billing.credits.gateway").exception("charge failed for card %s", CARD)

    records = lines(captured)
    authorize = next(line for line in records if line.get("path") == "/api/v1/calls/authorize")
    assert authorize["request_id"] == "req-from-the-platform-1"
    assert authorize["tenant_id"] == str(tenant.pk) and authorize["call_id"] == "log-1"
    assert authorize["status"] == 200 and authorize["duration_ms"] >= 0
    complete = next(line for line in records if line.get("path") == "/api/v1/calls/log-1/complete")
    assert complete["call_id"] == "log-1" and complete["tenant_id"] == str(tenant.pk) and len(complete["request_id"]) == 32
    failure = next(line for line in records if line["message"].startswith("charge failed"))
    assert failure["message"] == f"charge failed for card {REDACTED}" and "ValueError" in failure["exception"]

    text = captured.getvalue()
    for secret in (CARD, CARD.replace(" ", ""), "cvc=987", token, password):
        assert secret not in text
