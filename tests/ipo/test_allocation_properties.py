"""Properties of the allocation that hold for every book (rules.md §2), checked by hypothesis."""

import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.engine import allocate, summarize
from tests.ipo.test_allocation import reference_allocation

CAP_LOTS = 200


@st.composite
def books(draw):
    lots = draw(st.lists(st.integers(1, CAP_LOTS), min_size=1, max_size=60))
    seqs = draw(st.lists(st.integers(0, 20), min_size=len(lots), max_size=len(lots)))
    accounts = [f"{n:010d}" for n in draw(st.permutations(range(len(lots))))]
    total = sum(lots) * 100
    online = draw(st.integers(1, total * 2))
    frame = pl.DataFrame(
        {"account": accounts, "quantity": [lot * 100 for lot in lots], "seq": seqs},
        schema_overrides={"quantity": pl.Int64, "seq": pl.Int64},
    )
    return frame, online


def allocated_of(frame, online):
    result = allocate(frame, online_shares=online)
    return result, result.get_column("allocated_shares").to_list(), frame.get_column("quantity").to_list()


@settings(max_examples=300, deadline=None)
@given(books())
def test_the_total_allocated_is_min_of_n_and_s(case):
    frame, online = case
    _, allocated, quantities = allocated_of(frame, online)
    assert sum(allocated) == min(online, sum(quantities))


@settings(max_examples=300, deadline=None)
@given(books())
def test_no_one_gets_more_than_ordered_and_at_most_one_allocation_is_an_odd_lot(case):
    frame, online = case
    _, allocated, quantities = allocated_of(frame, online)
    assert all(0 <= a <= q for a, q in zip(allocated, quantities))
    assert sum(1 for a in allocated if a % 100) <= 1


@settings(max_examples=300, deadline=None)
@given(books())
def test_each_investor_gets_at_most_one_lot_beyond_the_proportional_base(case):
    frame, online = case
    _, allocated, quantities = allocated_of(frame, online)
    total = sum(quantities)
    if total > online:
        for a, q in zip(allocated, quantities):
            assert 0 <= a - q * online // total // 100 * 100 <= 100


@settings(max_examples=300, deadline=None)
@given(books())
def test_when_cap_times_ratio_is_under_a_lot_ceil_n_over_100_accounts_get_shares(case):
    frame, online = case
    result, _, quantities = allocated_of(frame, online)
    if CAP_LOTS * 100 * online < 100 * sum(quantities):  # cap × r < 100 shares
        assert summarize(result, online_shares=online).allocated_accounts == math.ceil(online / 100)


@settings(max_examples=300, deadline=None)
@given(books())
def test_it_agrees_with_the_rule_walked_one_investor_at_a_time(case):
    frame, online = case
    _, allocated, _ = allocated_of(frame, online)
    rows = list(zip(frame.get_column("quantity"), frame.get_column("seq"), frame.get_column("account")))
    assert allocated == reference_allocation(rows, online)
