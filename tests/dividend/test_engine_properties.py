"""The engine's properties (issue 16, Correctness), checked against the rule walked one holder at a
time with Python's exact fractions."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.dividend.engine import (
    CASH_DENOMINATOR,
    SHARE_DENOMINATOR,
    Method,
    RateError,
    Rates,
    account_entitlements,
    entitle,
    lot_entitlements,
)

quantities = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=60)
micro = st.integers(min_value=0, max_value=50 * 10**6)  # up to 50 yuan / 50 shares per 10, six decimals
small_micro = st.sampled_from([0, 1, 5 * 10**5, 10**6, 3_333_333, 123_456, 2 * 10**6])


def _holdings(qs):
    return pl.DataFrame(
        {"account": [f"{i:010d}" for i in range(len(qs))], "quantity": qs},
        schema={"account": pl.String, "quantity": pl.Int64},
    )


def _check_precise(qs, got, rate, denominator):
    exact = [Fraction(q * rate, denominator) for q in qs]
    declared = sum(q * rate for q in qs) // denominator
    assert sum(got) == declared
    floors = [e.numerator // e.denominator for e in exact]
    plus = [g - f for g, f in zip(got, floors, strict=True)]
    assert set(plus) <= {0, 1}
    fractions = [e - f for e, f in zip(exact, floors, strict=True)]
    given_one = [fr for fr, p in zip(fractions, plus, strict=True) if p]
    left_out = [fr for fr, p in zip(fractions, plus, strict=True) if not p]
    if given_one and left_out:
        assert min(given_one) >= max(left_out)
    assert all(fr > 0 for fr in given_one)


@settings(max_examples=200, deadline=None)
@given(qs=quantities, cash=micro, bonus=small_micro, transfer=small_micro, seed=st.integers(0, 2**63))
def test_precise_totals_are_exact_and_every_extra_unit_goes_to_a_largest_fraction(qs, cash, bonus, transfer, seed):
    rates = Rates(cash, bonus, transfer)
    out, totals = account_entitlements(_holdings(qs), rates, seed=seed)
    _check_precise(qs, out["cash_fen"].to_list(), cash, CASH_DENOMINATOR)
    _check_precise(qs, out["bonus_shares"].to_list(), bonus + transfer, SHARE_DENOMINATOR)
    assert totals.cash_total_fen == totals.cash_declared_fen == sum(qs) * cash // CASH_DENOMINATOR
    assert totals.bonus_total == totals.bonus_declared == sum(qs) * (bonus + transfer) // SHARE_DENOMINATOR


@settings(max_examples=100, deadline=None)
@given(qs=quantities, cash=micro, seed=st.integers(0, 2**32))
def test_truncation_gives_everyone_the_whole_part_only(qs, cash, seed):
    out, totals = account_entitlements(_holdings(qs), Rates(cash), seed=seed, method=Method.TRUNCATE)
    assert out["cash_fen"].to_list() == [q * cash // CASH_DENOMINATOR for q in qs]
    assert totals.cash_total_fen <= totals.cash_declared_fen


@settings(max_examples=60, deadline=None)
@given(qs=quantities, seed=st.integers(0, 2**63))
def test_the_same_seed_gives_the_same_result_whatever_the_row_order(qs, seed):
    rates = Rates(123_457, 3_333_333, 0)
    frame = _holdings(qs)
    first, _ = account_entitlements(frame, rates, seed=seed)
    again, _ = account_entitlements(frame.reverse(), rates, seed=seed)
    assert first.sort("account").equals(again.sort("account"))


def test_ties_are_broken_by_the_seed_and_the_seed_changes_who_wins():
    frame = _holdings([1] * 50)  # every holder 0.5 shares: 25 of 50 get one
    winners = set()
    for seed in range(5):
        out, totals = account_entitlements(frame, Rates(0, 5 * 10**6), seed=seed)
        assert totals.bonus_total == 25 and sorted(set(out["bonus_shares"])) == [0, 1]
        winners.add(tuple(out["bonus_shares"]))
    assert len(winners) == 5


def test_products_beyond_64_bits_stay_exact():
    qs = [9 * 10**12, 7 * 10**12 + 1]  # × 9 999 999 999 micro overflows Int64
    rates = Rates(9_999_999_999)
    out, totals = account_entitlements(_holdings(qs), rates, seed=1)
    assert totals.cash_total_fen == sum(qs) * 9_999_999_999 // CASH_DENOMINATOR
    _check_precise(qs, out["cash_fen"].to_list(), 9_999_999_999, CASH_DENOMINATOR)


@pytest.mark.parametrize("text", ["-1", "0.1234567", "abc", "NaN"])
def test_it_refuses_a_bad_rate(text):
    with pytest.raises(RateError):
        Rates.parse(text)


def test_a_float_rate_is_refused():
    with pytest.raises(RateError):
        Rates.parse(0.1)


lots_strategy = st.lists(
    st.tuples(
        st.integers(0, 12),
        st.sampled_from(["00", "05"]),
        st.integers(0, 10**6),
        st.integers(0, 100),
        st.integers(0, 100),
    ),
    min_size=1,
    max_size=40,
)


def _lots(rows):
    schema = {
        "account": pl.Int64,
        "share_nature": pl.String,
        "lockup_end": pl.Date,
        "quantity": pl.Int64,
        "frozen": pl.Int64,
        "pledged": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


@settings(max_examples=150, deadline=None)
@given(raw=lots_strategy, cash=micro, bonus=small_micro, seed=st.integers(0, 2**40))
def test_lot_split_keeps_account_totals_and_encumbrances_follow_the_shares(raw, cash, bonus, seed):
    seen, rows = set(), []
    for account, nature, q, f_pct, p_pct in raw:
        if (account, nature) in seen:
            continue
        seen.add((account, nature))
        frozen = q * f_pct // 200
        pledged = (q - frozen) * p_pct // 100
        rows.append((account, nature, dt.date(2027, 6, 30) if nature == "05" else None, q, frozen, pledged))
    lots = _lots(rows)
    accounts, per_lot, totals = entitle(lots, Rates(cash, bonus, 0), seed=seed)
    sums = per_lot.group_by("account").agg(pl.col("cash_fen").sum(), pl.col("bonus_shares").sum()).sort("account")
    assert sums.equals(accounts.select("account", "cash_fen", "bonus_shares").sort("account"))
    assert per_lot["cash_fen"].sum() == totals.cash_total_fen == totals.cash_declared_fen
    for row in per_lot.iter_rows(named=True):
        free = row["quantity"] - row["frozen"] - row["pledged"]
        assert 0 <= row["held_fen"] <= row["cash_fen"]
        assert row["bonus_frozen"] + row["bonus_pledged"] <= row["bonus_shares"]
        if row["frozen"] == 0:
            assert row["held_fen"] == 0 and row["bonus_frozen"] == 0
        if row["pledged"] == 0:
            assert row["bonus_pledged"] == 0
        if free == 0 and row["quantity"]:
            assert row["bonus_frozen"] + row["bonus_pledged"] == row["bonus_shares"]
        # each bucket gets floor or ceil of its exact share of the lot's account amount
        account = accounts.filter(pl.col("account") == row["account"]).row(0, named=True)
        exact = Fraction(account["cash_fen"] * row["frozen"], account["quantity"])
        assert exact - 1 < row["held_fen"] < exact + 1


def test_each_lot_keeps_its_own_row_whatever_order_the_lots_come_in():
    end = dt.date(2027, 6, 30)
    # account 2 is split over a restricted lot and a frozen free one; 1 and 3 have one lot each
    lots = _lots(
        [
            (3, "00", None, 700, 0, 0),
            (2, "05", end, 300, 0, 0),
            (1, "00", None, 100, 0, 0),
            (2, "00", None, 500, 100, 0),
        ]
    )
    accounts = pl.DataFrame(
        {"account": [1, 2, 3], "quantity": [100, 800, 700], "cash_fen": [10, 80, 70], "bonus_shares": [3, 24, 21]}
    )
    out = lot_entitlements(lots, accounts)
    assert out.select("account", "quantity").rows() == lots.select("account", "quantity").rows()
    assert out.get_column("cash_fen").to_list() == [70, 30, 10, 50]
    assert out.get_column("held_fen").to_list() == [0, 0, 0, 10]  # cash on the frozen 100 of 500


def test_a_lot_without_shares_is_kept_in_place_with_nothing():
    lots = _lots([(1, "00", None, 100, 0, 0), (2, "00", None, 0, 0, 0), (3, "00", None, 300, 0, 0)])
    accounts = pl.DataFrame({"account": [1, 3], "quantity": [100, 300], "cash_fen": [10, 30], "bonus_shares": [1, 3]})
    out = lot_entitlements(lots, accounts)
    assert out.get_column("account").to_list() == [1, 2, 3]
    assert out.get_column("cash_fen").to_list() == [10, 0, 30]
    assert out.get_column("bonus_shares").to_list() == [1, 0, 3]
