"""PUT /api/v1/credits/auto-recharge with a mode, a target balance and a monthly cap; left out, they keep their values."""
import json

import pytest

from billing.credits.models import AutoRechargeSettings


def put(api, body):
    return api.put("/api/v1/credits/auto-recharge", data=json.dumps(body), content_type="application/json")


@pytest.fixture
def api(tenant, billing_admin, api_client_for):
    return api_client_for(tenant, billing_admin)


def test_top_up_mode_and_a_cap_are_saved_and_kept_when_left_out(api, card):
    found = put(api, {"enabled": True, "mode": "topUpToTarget", "triggerAmount": 200, "targetBalance": 900,
                      "monthlyCap": 2000, "paymentMethodId": str(card.pk)})
    assert found.status_code == 200
    body = found.json()
    assert (body["mode"], body["triggerAmount"], body["targetBalance"], body["monthlyCap"], body["capPausedUntil"]) == (
        "topUpToTarget", "200.00", "900.00", "2000.00", None)
    kept = put(api, {"enabled": True, "triggerAmount": 250, "paymentMethodId": str(card.pk)}).json()
    assert (kept["mode"], kept["targetBalance"], kept["monthlyCap"]) == ("topUpToTarget", "900.00", "2000.00")
    removed = put(api, {"enabled": True, "triggerAmount": 250, "monthlyCap": None, "paymentMethodId": str(card.pk)}).json()
    assert removed["monthlyCap"] is None
    assert AutoRechargeSettings.objects.get().monthly_cap is None


@pytest.mark.parametrize(("body", "field"), [
    ({"mode": "weekly"}, "mode"),
    ({"mode": "topUpToTarget", "targetBalance": 220}, "targetBalance"),
    ({"rechargeAmount": 500, "monthlyCap": 100}, "monthlyCap"),
    ({"rechargeAmount": 500, "monthlyCap": "lots"}, "monthlyCap"),
])
def test_bad_modes_targets_and_caps_are_a_400_naming_the_field(api, card, body, field):
    response = put(api, {"enabled": True, "triggerAmount": 200, "paymentMethodId": str(card.pk), **body})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(f"{field}:")
    assert not AutoRechargeSettings.objects.exists()
