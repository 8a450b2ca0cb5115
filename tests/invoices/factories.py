"""Helpers that issue invoices and build StatementData, and a month of credits and calls, through the real services."""
import io
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from pypdf import PdfReader

from billing.credits.models import LedgerEntry
from billing.credits.services import (
    credits_add_funds,
    credits_adjust,
    credits_debit,
    credits_expire_lots,
    credits_refund,
    payment_method_add_card,
)
from billing.invoices.models import Invoice
from billing.invoices.services import invoice_issue_for_purchase, statement_issue
from billing.invoices.statements import StatementData
from billing.invoices.synthetic import Caller, statement_data_from_calls, synthetic_calls
from billing.rating.lookup import rate_cache
from billing.rating.models import RateDeckVersion, TenantPhoneNumber
from billing.rating.services import call_authorize, call_complete, call_records_import
from tests.rating.factories import DE_FIXED, EG_FIXED, JP_FIXED, UK_FIXED, UK_MOBILE, US_FIXED, make_caller, service_number

FR_FIXED = "+33142685300"

CARD = {"method": "card", "label": "Visa ending 4242", "po_number": "", "paid": True}
PO = {"method": "invoice", "label": "Invoice (Enterprise Agreement)", "po_number": "PO-7781", "paid": False}
_references = itertools.count(1)


def purchase(tenant, amount="500.00", *, payment=None, reference=None, issued_at=None, description=None, actor=None):
    return invoice_issue_for_purchase(
        tenant=tenant, amount=Decimal(amount), description=description or "Communications Credits, auto-recharge",
        payment=payment or CARD, reference=reference or f"test-purchase-{next(_references)}", issued_at=issued_at,
        actor=actor)


def callers(count=6, domain="contoso.test"):
    return [Caller(f"caller{i}@{domain}", f"Caller {i:02d}") for i in range(count)]


def statement_data(month, *, calls=40, opening="1000.00", purchases=(), expiries=()):
    people = callers()
    lines = synthetic_calls(month=month, callers=people, count=calls, seed="tests")
    return statement_data_from_calls(calls=lines, callers=people, opening_balance=Decimal(opening),
                                     purchases=purchases, expiries=expiries)


def statement(tenant, month=date(2026, 3, 1), *, data=None, calls=40, actor=None):
    return statement_issue(tenant=tenant, month=month, data=data or statement_data(month, calls=calls), actor=actor,
                           issued_at=datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, 6, tzinfo=UTC))


def empty_data(balance="250.00"):
    return StatementData.empty(balance=Decimal(balance))


def pdf_pages_text(content):
    """The text of each page of a PDF, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


# A month of real activity, built through the credits and rating services with the suite's clock stopped in it.


def ensure_default_rate_deck():
    """Reloads the operator's default rate deck the migration ships when a transactional test's flush removed it."""
    if not RateDeckVersion.objects.filter(tenant=None).exists():
        import_module("billing.rating.migrations.0002_default_rate_deck").load_default_deck(apps, None)
        rate_cache.clear()


VISA = "4242424242424242"
TOLL_FREE_NUMBER = "+18005550199"
DESTINATIONS = (UK_MOBILE, UK_FIXED, DE_FIXED, FR_FIXED, JP_FIXED, EG_FIXED)
CALLERS = (("ada@contoso.test", "Ada Lovelace", "US"), ("grace@contoso.test", "Grace Hopper", "US"),
           ("alan@contoso.test", "Alan Turing", "GB"), ("katherine@contoso.test", "Katherine Johnson", "US"))


def card_on_file(tenant, actor):
    return payment_method_add_card(tenant=tenant, number=VISA, exp_month=12, exp_year=2031, cvc="123",
                                   holder_name="Bill Billing", actor=actor)


def fund(tenant, card, amount, *, key, actor, kind=LedgerEntry.Kind.PURCHASE):
    return credits_add_funds(tenant=tenant, amount=Decimal(amount), payment_method=card, idempotency_key=key,
                             actor=actor, kind=kind).purchase


def callers_with_credits(tenant):
    """Users with a Domestic Calling Plan and the Communications Credits license: their international calls
    are charged to credits, their domestic calls come from the plan's pool."""
    return [make_caller(tenant, "MCOEV", "MCOPSTN1", "MCOPSTNC", country=country, upn=upn, display_name=name)
            for upn, name, country in CALLERS]


def call_row(call_id, start, seconds, callee, upn, call_type="user_out", **extra):
    return {"call_id": call_id, "call_type": call_type, "user_principal_name": upn, "callee_number": callee,
            "start_at": start, "duration_seconds": seconds, **extra}


def import_calls(tenant, rows):
    """Rates and charges finished calls through the rating import at the clock's time; every row must pass."""
    result = call_records_import(tenant=tenant, rows=rows)
    assert result.errors == [] and result.duplicates == [], (result.errors, result.duplicates)
    return result


def random_calls(prefix, count, *, day, seed, callee=None):
    """`count` outbound calls by CALLERS on `day`, each 20 s to 40 min, to the DESTINATIONS (or `callee`)."""
    rng = random.Random(seed)
    start = datetime.combine(day, time(8), tzinfo=UTC)
    return [call_row(f"{prefix}-{index:04d}", start + timedelta(seconds=rng.randrange(9 * 3600)),
                     rng.randrange(20, 2400), callee or rng.choice(DESTINATIONS), rng.choice(CALLERS)[0])
            for index in range(count)]


@dataclass
class MonthOfActivity:
    month: date
    card: object
    purchases: dict = field(default_factory=dict)  # name -> Purchase
    recharge_invoice: object = None


def build_march_2026(tenant, clock, actor):
    """March 2026 of a real tenant, with what comes before and after it, through the real services:

    - Mar 10, 2025 and Feb 14, 2026: one-time purchases by card; February's calls.
    - March: imported calls of four users (one started on Feb 28 and imported late), two calls authorized
      and completed in real time, domestic calls paid by the plan's pool (not charged), toll-free calls
      answered on a service number, the unused rest of the 2025 purchase expiring on Mar 10, an auto-recharge
      whose invoice is issued, a refund, two operator adjustments, and a charge whose call record is missing.
    - Apr 1: a call started on Mar 31 and charged after midnight, which belongs to April.
    """
    service_number(tenant, TOLL_FREE_NUMBER, TenantPhoneNumber.Kind.TOLL_FREE)
    callers_with_credits(tenant)
    clock.at(2025, 3, 10, 9)
    card = card_on_file(tenant, actor)
    activity = MonthOfActivity(month=date(2026, 3, 1), card=card)
    activity.purchases["2025"] = fund(tenant, card, "60", key="first-funding", actor=actor)
    clock.at(2026, 2, 14, 10)
    activity.purchases["february"] = fund(tenant, card, "300", key="february-funding", actor=actor)
    clock.at(2026, 2, 20, 18)
    import_calls(tenant, random_calls("feb", 6, day=date(2026, 2, 20), seed=2))

    clock.at(2026, 3, 2, 12)
    import_calls(tenant, [*random_calls("mar-a", 24, day=date(2026, 3, 1), seed=3),
                          call_row("late-feb-28", datetime(2026, 2, 28, 23, 55, tzinfo=UTC), 600, DE_FIXED,
                                   "grace@contoso.test"),
                          *random_calls("domestic", 3, day=date(2026, 3, 1), seed=4, callee=US_FIXED)])
    clock.at(2026, 3, 4, 15)
    for call_id, callee in (("live-1", JP_FIXED), ("live-2", UK_MOBILE)):
        decision = call_authorize(tenant=tenant, call_id=call_id, call_type="user_out", callee_number=callee,
                                  start_at=clock.now(), user_principal_name="ada@contoso.test")
        assert decision.allowed, decision
    clock.at(2026, 3, 4, 15, 25)
    call_complete(tenant=tenant, call_id="live-1", duration_seconds=1250)
    call_complete(tenant=tenant, call_id="live-2", duration_seconds=95)
    clock.at(2026, 3, 10, 9, 30)
    credits_expire_lots(tenant=tenant)
    clock.at(2026, 3, 12, 8)
    recharge = fund(tenant, card, "500", key="recharge-1", actor=None, kind=LedgerEntry.Kind.RECHARGE)
    activity.purchases["recharge"] = recharge
    activity.recharge_invoice = Invoice.objects.get(tenant=tenant, reference=f"purchase:{recharge.pk}")
    clock.at(2026, 3, 15, 11)
    credits_refund(purchase=activity.purchases["february"], amount=Decimal("40.00"), idempotency_key="refund-1",
                   actor=None, reason="Unused funds returned at the customer's request")
    clock.at(2026, 3, 18, 9)
    credits_adjust(tenant=tenant, amount=Decimal("12.50"), reason="Goodwill credit for dropped calls",
                   idempotency_key="goodwill", actor=None)
    clock.at(2026, 3, 19, 9)
    credits_adjust(tenant=tenant, amount=Decimal("-5.00"), reason="Duplicated goodwill credit taken back",
                   idempotency_key="take-back", actor=None)
    clock.at(2026, 3, 20, 17)
    start = datetime(2026, 3, 20, 9, tzinfo=UTC)
    import_calls(tenant, [call_row(f"toll-free-{index}", start + timedelta(minutes=37 * index), 130 + 61 * index,
                                   TOLL_FREE_NUMBER, "", call_type="unassigned_in", caller_number=UK_MOBILE)
                          for index in range(3)])
    clock.at(2026, 3, 25, 10)
    credits_debit(tenant=tenant, amount=Decimal("1.23"), call_id="carrier-late-1", memo="Carrier correction")
    clock.at(2026, 3, 31, 23, 59)
    import_calls(tenant, [call_row("last-of-march", datetime(2026, 3, 31, 23, 40, tzinfo=UTC), 300, FR_FIXED,
                                   "katherine@contoso.test")])
    clock.at(2026, 4, 1, 0, 30)
    import_calls(tenant, [call_row("over-midnight", datetime(2026, 3, 31, 23, 58, tzinfo=UTC), 400, JP_FIXED,
                                   "alan@contoso.test")])
    clock.at(2026, 4, 1, 2)
    return activity
