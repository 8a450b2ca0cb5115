"""The optimizer's two ways of pricing a minute pool agree: the binary search over running minutes and the walk that
is the import's own loop (billing/rating/optimizer/rerate.py), on random pools."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from djmoney.money import Money
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rating.charging import charge_for, pool_minutes_for
from billing.rating.lookup import RateMatch
from billing.rating.optimizer.rerate import Call, Destination, _Line, _walk

START = datetime(2026, 6, 1, tzinfo=UTC)
RATES = [RateMatch(n, str(n), "test", "GB", "fixed", Money(Decimal(price), "USD"), Money(Decimal(fee), "USD"), first, step,
                   None)
         for n, (price, fee, first, step) in enumerate([("0.0240", "0.00", 60, 60), ("0.2000", "0.05", 60, 60),
                                                        ("0.1000", "0.00", 30, 6), ("0.0190", "0.00", 1, 1)])]
calls_strategy = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5400), st.booleans()), min_size=1, max_size=40)


def make_calls(specs):
    calls = []
    for index, (rate, seconds, counted) in enumerate(specs):
        match = RATES[rate]
        calls.append(Call(index, f"user-{index % 3}", "user_out", START + timedelta(hours=index), seconds,
                          Destination("GB", "fixed"), match, counted, pool_minutes_for(seconds),
                          charge_for(rate=match, duration_seconds=seconds).charge.amount))
    return calls


@settings(max_examples=300, deadline=None)
@given(specs=calls_strategy, capacity=st.integers(0, 3000), split=st.integers(1, 5))
def test_the_binary_search_prices_a_pool_as_the_walk_does(specs, capacity, split):
    calls = make_calls(specs)
    # The calls arrive as each person's runs, in any order: the line puts them back in start order.
    runs = [[(True, tuple(calls[start::split]))] for start in range(split)]
    line = _Line(runs)
    assert not line.general
    walked = _walk(line.entries, capacity)
    assert line.price(capacity) == walked.credits
    assert walked.blocked == 0
    assert sum(walked.by_user.values(), Decimal("0.00")) == walked.credits


def test_a_pool_with_calls_credits_may_not_pay_is_priced_by_the_walk():
    calls = make_calls([(0, 3600, True), (1, 600, True)])
    line = _Line([[(True, (calls[0],))], [(False, (calls[1],))]])
    assert line.general
    found = _walk(line.entries, 60)  # the second call overflows and is refused whole
    assert (found.credits, found.blocked) == (Decimal("0.00"), 1)
