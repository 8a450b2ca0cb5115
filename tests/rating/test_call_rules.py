"""Every charging rule of PRODUCT.md, one row each: who may call what, what pays, and the exact charge."""
from dataclasses import dataclass
from decimal import Decimal

import pytest

from billing.credits.models import LedgerEntry
from billing.credits.selectors import credits_balance
from billing.rating.models import BlockedCall, CallRecord, TenantPhoneNumber
from billing.rating.services import call_authorize, call_complete
from tests.rating.factories import (
    DE_FIXED,
    EG_FIXED,
    JP_FIXED,
    PR_FIXED,
    UK_FIXED,
    UK_MOBILE,
    UK_PREMIUM,
    UK_SHARED_COST,
    US_FIXED,
    US_PREMIUM,
    US_TOLL_FREE,
    add_credits,
    make_caller,
    service_number,
)

pytestmark = pytest.mark.django_db

USER_NUMBER = "+14255550111"
CONFERENCING_NUMBER = "+14255550199"
TOLL_FREE_NUMBER = "+18885550100"
CALLING = ("MCOEV", "MCOPSTN1", "MCOPSTNC")
INTERNATIONAL = ("MCOEV", "MCOPSTN2", "MCOPSTNC")


@dataclass
class Case:
    name: str
    licenses: tuple
    callee: str
    seconds: int = 61
    call_type: str = "user_out"
    country: str = "US"
    credits: str = "20.00"
    # expected
    blocked: str = ""
    charge: str = "0.00"
    fee: str = "0.00"
    pool_minutes: int = 0
    credit_minutes: int = 0
    capability: str = "MCOPSTNPP"
    ledger_kind: str = "call_charge"


CASES = [
    Case("mobile abroad, no pool: 61 s at $0.20/min (60/60) is $0.40 plus the $0.05 connection fee", CALLING, UK_MOBILE,
         charge="0.45", fee="0.05", credit_minutes=2),
    Case("domestic call within the calling plan's pool is included", CALLING, US_FIXED, seconds=125, pool_minutes=3,
         capability="MCOPSTN1"),
    Case("US user calling Puerto Rico is domestic (one US+PR pool)", CALLING, PR_FIXED, pool_minutes=2,
         capability="MCOPSTN1"),
    Case("international minutes of MCOPSTN2 come from its international pool", INTERNATIONAL, UK_FIXED, pool_minutes=2,
         capability="MCOPSTN2"),
    Case("domestic-only plan: international call paid by credits", CALLING, DE_FIXED, seconds=59, charge="0.03",
         credit_minutes=1),
    Case("domestic-only plan without the Communications Credits license: international call blocked",
         ("MCOEV", "MCOPSTN1"), DE_FIXED, blocked="no_credits_license"),
    Case("premium destination blocked even with credits", CALLING, US_PREMIUM, blocked="premium_destination"),
    Case("UK premium (09xx) blocked", CALLING, UK_PREMIUM, country="GB", blocked="premium_destination"),
    Case("UK shared-cost is outside the pool and payable from credits: 90 s at $0.10/min", CALLING, UK_SHARED_COST,
         seconds=90, country="GB", charge="0.20", credit_minutes=2),
    Case("UK shared-cost without the Communications Credits license is blocked", ("MCOEV", "MCOPSTN1"), UK_SHARED_COST,
         country="GB", blocked="no_credits_license"),
    Case("no Teams Phone: blocked", ("MCOPSTN1", "MCOPSTNC"), US_FIXED, blocked="no_teams_phone"),
    Case("Teams Phone without a calling plan: blocked", ("MCOEV", "MCOPSTNC"), US_FIXED, blocked="no_calling_plan"),
    Case("Pay-As-You-Go: every outbound minute from credits", ("MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC"), US_FIXED,
         charge="0.04", credit_minutes=2),
    Case("Pay-As-You-Go without the Communications Credits license: blocked", ("MCOEV", "MCOPSTN_PAYG_1"), US_FIXED,
         blocked="payg_unfunded"),
    Case("Pay-As-You-Go with nothing in the balance: blocked", ("MCOEV", "MCOPSTN_PAYG_1", "MCOPSTNC"), US_FIXED,
         credits="0", blocked="payg_unfunded"),
    Case("credits needed and the balance is zero: blocked", CALLING, UK_MOBILE, credits="0",
         blocked="insufficient_credits"),
    Case("balance below one increment ($0.59 < $0.50 + $0.10 fee): blocked", CALLING, EG_FIXED, credits="0.59",
         blocked="insufficient_credits"),
    Case("balance of exactly one increment: allowed for one minute", CALLING, EG_FIXED, seconds=60, credits="0.60",
         charge="0.60", fee="0.10", credit_minutes=1),
    Case("30/6 increments: 45 s bill 48 s at $0.10/min", CALLING, JP_FIXED, seconds=45, charge="0.08", credit_minutes=1),
    Case("unanswered (0 s) call costs nothing, connection fee included", CALLING, UK_MOBILE, seconds=0),
    Case("calling a toll-free number is free", ("MCOEV", "MCOPSTN1"), US_TOLL_FREE, capability="FREECALL"),
    Case("emergency call with no license at all: allowed and free", (), "911", call_type="emergency_out",
         capability="FREECALL", credits="0"),
    Case("incoming call to a user is free", CALLING, USER_NUMBER, call_type="user_in", seconds=600,
         capability="MCOPSTN1", credits="0"),
    Case("toll-free inbound is charged per minute to credits: 61 s at $0.03/min", (), TOLL_FREE_NUMBER,
         call_type="unassigned_in", charge="0.06", credit_minutes=2, ledger_kind="toll_free_charge"),
    Case("toll-free inbound at zero balance is not answered", (), TOLL_FREE_NUMBER, call_type="conf_in", credits="0",
         blocked="insufficient_credits"),
    Case("dial-in to the conferencing toll number is free", (), CONFERENCING_NUMBER, call_type="conf_in",
         capability="FREECALL", credits="0"),
    Case("conferencing dial-out to Zone A uses the dial-out pool", ("SPE_E5",), UK_FIXED, call_type="conf_out",
         pool_minutes=2, capability="MCOMEETADD"),
    Case("conferencing dial-out outside Zone A is paid by credits: 60 s at $0.50 + $0.10", ("SPE_E5", "MCOPSTNC"),
         EG_FIXED, seconds=60, call_type="conf_out", charge="0.60", fee="0.10", credit_minutes=1),
    Case("dial-out outside Zone A without the Communications Credits license: blocked", ("SPE_E5",), EG_FIXED,
         call_type="conf_out", blocked="no_credits_license"),
    Case("dial-out to a premium number: blocked", ("SPE_E5", "MCOPSTNC"), UK_PREMIUM, call_type="conf_out",
         blocked="premium_destination"),
    Case("dial-out by an organiser without Audio Conferencing: blocked", ("SPE_E3", "MCOPSTNC"), UK_FIXED,
         call_type="conf_out", blocked="no_audio_conferencing"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_call_rule(case, tenant, calling_deck, now):
    user = make_caller(tenant, *case.licenses, country=case.country, number=USER_NUMBER)
    service_number(tenant, CONFERENCING_NUMBER, TenantPhoneNumber.Kind.CONFERENCING)
    service_number(tenant, TOLL_FREE_NUMBER, TenantPhoneNumber.Kind.TOLL_FREE)
    if Decimal(case.credits):
        add_credits(tenant, case.credits)
    balance_before = credits_balance(tenant=tenant).balance

    decision = call_authorize(tenant=tenant, call_id="call-1", call_type=case.call_type, callee_number=case.callee,
                              start_at=now, user_principal_name=user.upn)

    if case.blocked:
        assert (decision.allowed, decision.reason, decision.max_duration_seconds) == (False, case.blocked, 0)
        blocked = BlockedCall.objects.get(tenant=tenant, call_id="call-1")
        assert blocked.reason == case.blocked
        assert not CallRecord.objects.exists()
        assert credits_balance(tenant=tenant).reserved == 0
        return
    assert decision.allowed, decision
    assert decision.max_duration_seconds >= case.seconds
    record = call_complete(tenant=tenant, call_id="call-1", duration_seconds=case.seconds)
    assert (record.charge, record.connection_charge) == (Decimal(case.charge), Decimal(case.fee))
    assert (record.pool_minutes, record.credit_minutes, record.capability) == (
        case.pool_minutes, case.credit_minutes, case.capability)
    balance = credits_balance(tenant=tenant)
    assert balance.balance == balance_before - Decimal(case.charge)
    assert balance.reserved == 0
    charges = LedgerEntry.objects.filter(kind__in=LedgerEntry.CHARGE_KINDS)
    if Decimal(case.charge):
        assert list(charges.values_list("kind", "amount", "call_id")) == [(case.ledger_kind, -Decimal(case.charge),
                                                                           "call-1")]
    else:
        assert not charges.exists()
