"""Fee computation: exact Decimal arithmetic, half-up to the fen, minimum and cap, versions by date,
and the 002 §2.2.3 exemption."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.fees.compute import fee_amount_fen, fee_compute
from csdp.fees.models import FeeBase, PayerKind
from csdp.fees.states import FeeRefused
from tests.fees import factories

ON = dt.date(2026, 3, 16)
RATES = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=6, allow_nan=False, allow_infinity=False)
FEN_PER_UNIT = {FeeBase.SHARES: Fraction(100, 1000), FeeBase.AMOUNT: Fraction(1, 1000), FeeBase.FIXED: Fraction(100)}


def _half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(list(FeeBase)),
    rate=RATES,
    base_value=st.integers(min_value=0, max_value=10**13),
    minimum_fen=st.integers(min_value=0, max_value=10**6),
    extra_cap=st.one_of(st.none(), st.integers(0, 10**9)),
)
def test_a_fee_is_never_negative_stays_within_minimum_and_cap_and_rounds_half_up_exactly(
    base, rate, base_value, minimum_fen, extra_cap
):
    cap_fen = None if extra_cap is None else minimum_fen + extra_cap
    fee = fee_amount_fen(base=base, rate=rate, base_value=base_value, minimum_fen=minimum_fen, cap_fen=cap_fen)
    assert fee >= 0
    if base_value == 0:
        assert fee == 0
        return
    exact = _half_up(Fraction(base_value) * Fraction(rate) * FEN_PER_UNIT[base])
    expected = max(exact, minimum_fen) if cap_fen is None else min(max(exact, minimum_fen), cap_fen)
    assert fee == expected
    assert minimum_fen <= fee and (cap_fen is None or fee <= cap_fen)


def test_it_charges_the_minimum_when_the_computed_fee_is_below_it():
    assert (
        fee_amount_fen(base=FeeBase.SHARES, rate=Decimal("0.2"), base_value=100, minimum_fen=500, cap_fen=None) == 500
    )


def test_it_charges_the_cap_when_the_computed_fee_is_above_it():
    fee = fee_amount_fen(base=FeeBase.SHARES, rate=Decimal("0.2"), base_value=10**12, minimum_fen=0, cap_fen=30_000_000)
    assert fee == 30_000_000


def test_a_zero_base_is_no_chargeable_event_even_with_a_minimum():
    assert fee_amount_fen(base=FeeBase.SHARES, rate=Decimal("0.2"), base_value=0, minimum_fen=500, cap_fen=None) == 0


@pytest.mark.parametrize(
    ("base", "base_value", "rate", "fen"),
    [
        (FeeBase.AMOUNT, 2500, "1", 3),  # 2.5 fen → 3 (half-even would give 2)
        (FeeBase.AMOUNT, 1500, "1", 2),  # 1.5 fen → 2
        (FeeBase.AMOUNT, 2499, "1", 2),  # 2.499 fen → 2
        (FeeBase.SHARES, 25, "0.2", 1),  # 25 × 0.2‰ = 0.005 yuan = 0.5 fen → 1
        (FeeBase.SHARES, 5, "0.9", 0),  # 0.45 fen → 0
        (FeeBase.SHARES, 20_000_000, "0.2", 400_000),  # 4,000.00 yuan
        (FeeBase.FIXED, 3, "100.005", 30_002),  # 300.015 yuan = 30001.5 fen → 30002
    ],
)
def test_it_rounds_half_up_to_the_fen_once(base, base_value, rate, fen):
    assert fee_amount_fen(base=base, rate=Decimal(rate), base_value=base_value, minimum_fen=0, cap_fen=None) == fen


def test_it_refuses_a_negative_or_fractional_base():
    for bad in (-1, 1.5, True):
        with pytest.raises(FeeRefused):
            fee_amount_fen(base=FeeBase.SHARES, rate=Decimal("1"), base_value=bad, minimum_fen=0, cap_fen=None)


@pytest.mark.django_db
def test_it_uses_the_version_in_force_on_the_day():
    factories.schedule(rate="0.2", since=dt.date(2024, 1, 1), until=dt.date(2026, 3, 15))
    factories.schedule(rate="0.3", since=dt.date(2026, 3, 16))
    assert fee_compute(item="share_registration", base_value=1_000_000, on=dt.date(2026, 3, 15)).amount_fen == 20_000
    assert fee_compute(item="share_registration", base_value=1_000_000, on=ON).amount_fen == 30_000
    with pytest.raises(FeeRefused, match="2023-12-31 没有生效的收费标准：股份登记费。"):  # named, not by its code
        fee_compute(item="share_registration", base_value=1, on=dt.date(2023, 12, 31))


@pytest.mark.django_db
def test_the_greenshoe_non_trade_transfer_carries_no_transfer_fee_and_no_stamp_tax():
    factories.example_schedule()
    for item, base_value in (("non_trade_transfer", 1_500_000), ("stamp_tax", 1_800_000_000)):
        charged = fee_compute(item=item, base_value=base_value, on=ON)
        exempt = fee_compute(item=item, base_value=base_value, on=ON, exempt="002 §2.2.3")
        assert charged.amount_fen > 0
        assert (exempt.amount_fen, exempt.exempt_reason) == (0, "002 §2.2.3")


@pytest.mark.django_db
def test_the_greenshoe_exemption_does_not_waive_a_registration_fee_nor_is_an_unknown_reason_accepted():
    factories.example_schedule()
    with pytest.raises(FeeRefused, match="不适用"):
        fee_compute(item="greenshoe_registration", base_value=1000, on=ON, exempt="002 §2.2.3")
    with pytest.raises(FeeRefused, match="不适用"):
        fee_compute(item="stamp_tax", base_value=1000, on=ON, exempt="我方认为应免收")


@pytest.mark.django_db
def test_the_quote_says_whether_the_rate_is_an_example():
    factories.schedule(payer=PayerKind.ISSUER, is_example=True)
    assert fee_compute(item="share_registration", base_value=10, on=ON).is_example is True
