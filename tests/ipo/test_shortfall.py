import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.engine import (
    REASON_CAP,
    REASON_DECLARED,
    REASON_SHORTFALL,
    DayOrdering,
    OfferingOrders,
    ShortfallOrdering,
    invalidate_shortfall,
    invalidate_shortfall_day,
    shortfall_by_participant,
    unmatched_declarations,
)

PRICE_FEN = 1_000  # 10.00 CNY a share: 100 shares cost 100,000 fen


def book(*rows) -> pl.DataFrame:
    """rows: (participant, account, quantity, seq[, reason]) — a reason makes the order invalid."""
    reason = [row[4] if len(row) > 4 else None for row in rows]
    return pl.DataFrame(
        {
            "participant": [row[0] for row in rows],
            "account": [row[1] for row in rows],
            "quantity": [row[2] for row in rows],
            "seq": [row[3] for row in rows],
            "valid": [r is None for r in reason],
            "reason": reason,
        },
        schema_overrides={"quantity": pl.Int64, "seq": pl.Int64, "reason": pl.String},
    )


def reserves(**fen) -> pl.DataFrame:
    return pl.DataFrame({"participant": list(fen), "available_fen": list(fen.values())})


def declared(*rows) -> pl.DataFrame:
    return pl.DataFrame(
        {"participant": [r[0] for r in rows], "account": [r[1] for r in rows], "quantity": [r[2] for r in rows]},
        schema={"participant": pl.String, "account": pl.String, "quantity": pl.Int64},
    )


def reasons(frame: pl.DataFrame) -> list:
    return frame.get_column("reason").to_list()


P1_BOOK = book(("P1", "a", 100, 1), ("P1", "b", 200, 2), ("P1", "c", 300, 3), ("P1", "d", 400, 4))


def test_declared_orders_go_first_then_the_latest_orders_until_the_rest_is_covered():
    # need 1,000,000; reserve 500,000; declared b (200,000) → gap 300,000 → d (400,000) covers it
    out = invalidate_shortfall(
        P1_BOOK,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=500_000),
        declared=declared(("P1", "b", 200)),
    )
    assert reasons(out) == [None, REASON_DECLARED, None, REASON_SHORTFALL]


def test_the_walk_goes_back_by_seq_not_by_file_order_and_stops_once_covered():
    shuffled = book(("P1", "d", 400, 4), ("P1", "a", 100, 1), ("P1", "c", 300, 3), ("P1", "b", 200, 2))
    out = invalidate_shortfall(
        shuffled, price_fen=PRICE_FEN, available_fen_by_participant=reserves(P1=250_000), declared=None
    )
    # gap 750,000: d (400,000) then c (300,000) leave 50,000 short, so b goes too; a stays
    assert reasons(out) == [REASON_SHORTFALL, None, REASON_SHORTFALL, REASON_SHORTFALL]
    remaining = out.filter("valid").get_column("quantity").sum() * PRICE_FEN
    assert remaining <= 250_000


def test_a_participant_with_enough_funds_is_untouched_even_with_declarations():
    both = book(("P1", "a", 100, 1), ("P2", "b", 100, 2), ("P2", "c", 100, 3))
    out = invalidate_shortfall(
        both,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=100_000, P2=0),
        declared=declared(("P1", "a", 100)),
    )
    assert reasons(out) == [None, REASON_SHORTFALL, REASON_SHORTFALL]


def test_declarations_can_be_applied_whether_or_not_the_participant_is_short():
    out = invalidate_shortfall(
        P1_BOOK,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=10**9),
        declared=declared(("P1", "c", 300)),
        declared_only_when_short=False,
    )
    assert reasons(out) == [None, None, REASON_DECLARED, None]


def test_a_participant_without_a_reserve_row_has_nothing():
    out = invalidate_shortfall(P1_BOOK, price_fen=PRICE_FEN, available_fen_by_participant=reserves(P9=1), declared=None)
    assert not any(out.get_column("valid"))


def test_orders_already_invalid_cost_nothing_and_keep_their_reason():
    frame = book(("P1", "a", 100, 1), ("P1", "x", 9_900, 2, REASON_CAP))
    out = invalidate_shortfall(
        frame, price_fen=PRICE_FEN, available_fen_by_participant=reserves(P1=100_000), declared=None
    )
    assert reasons(out) == [None, REASON_CAP]


def test_running_it_twice_changes_nothing():
    once = invalidate_shortfall(
        P1_BOOK,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=450_000),
        declared=declared(("P1", "a", 100)),
    )
    twice = invalidate_shortfall(
        once,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=450_000),
        declared=declared(("P1", "a", 100)),
    )
    assert twice.equals(once)


def test_the_earliest_first_variant_walks_forward():
    out = invalidate_shortfall(
        P1_BOOK,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=700_000),
        declared=None,
        ordering=ShortfallOrdering.EARLIEST_FIRST,
    )
    assert reasons(out) == [REASON_SHORTFALL, REASON_SHORTFALL, None, None]


def test_the_largest_first_variant_touches_the_fewest_investors():
    out = invalidate_shortfall(
        P1_BOOK,
        price_fen=PRICE_FEN,
        available_fen_by_participant=reserves(P1=700_000),
        declared=None,
        ordering="largest_first",
    )
    assert reasons(out) == [None, None, None, REASON_SHORTFALL]


def two_offerings():
    low = OfferingOrders(code="920001", orders=book(("P1", "a", 100, 1), ("P1", "b", 100, 2)), price_fen=PRICE_FEN)
    high = OfferingOrders(code="920188", orders=book(("P1", "a", 100, 1)), price_fen=2 * PRICE_FEN)
    return [high, low]  # deliberately not in code order


def test_on_a_day_of_several_offerings_the_lowest_code_is_funded_first():
    # need 200,000 per code, reserve 250,000: 920001 is paid, 920188 takes the gap of 150,000
    out = invalidate_shortfall_day(two_offerings(), available_fen_by_participant=reserves(P1=250_000))
    assert reasons(out["920001"]) == [None, None]
    assert reasons(out["920188"]) == [REASON_SHORTFALL]


def test_the_invalidate_ascending_code_variant_starts_with_the_lowest_code():
    out = invalidate_shortfall_day(
        two_offerings(),
        available_fen_by_participant=reserves(P1=250_000),
        day_ordering=DayOrdering.INVALIDATE_ASCENDING_CODE,
    )
    # gap 150,000: b (100,000) is not enough, a goes too; 920188 is then covered
    assert reasons(out["920001"]) == [REASON_SHORTFALL, REASON_SHORTFALL]
    assert reasons(out["920188"]) == [None]


def test_two_offerings_with_the_same_code_are_refused():
    offering = two_offerings()[0]
    with pytest.raises(ValueError):
        invalidate_shortfall_day([offering, offering], available_fen_by_participant=reserves(P1=0))


def test_it_reports_the_missing_fen_and_the_declarations_naming_no_order():
    assert shortfall_by_participant(P1_BOOK, price_fen=PRICE_FEN, available_fen_by_participant=reserves(P1=1)) == {
        "P1": 999_999
    }
    stray = unmatched_declarations(P1_BOOK, declared(("P1", "a", 100), ("P1", "zz", 100), ("P2", "b", 200)))
    assert stray.get_column("account").to_list() == ["zz", "b"]


@st.composite
def participants_books(draw):
    size = draw(st.integers(1, 40))
    rows = [
        (f"P{draw(st.integers(1, 4))}", f"{i:010d}", draw(st.integers(1, 50)) * 100, draw(st.integers(0, 30)))
        for i in range(size)
    ]
    funds = {f"P{p}": draw(st.integers(0, 60 * 100 * PRICE_FEN)) for p in range(1, 5)}
    picked = draw(st.lists(st.sampled_from(rows), max_size=5, unique=True))
    return book(*rows), reserves(**funds), declared(*[(r[0], r[1], r[2]) for r in picked])


@settings(max_examples=200, deadline=None)
@given(participants_books())
def test_every_participant_ends_covered_and_no_more_orders_go_than_needed(case):
    frame, funds, declarations = case
    out = invalidate_shortfall(frame, price_fen=PRICE_FEN, available_fen_by_participant=funds, declared=declarations)
    available = dict(funds.iter_rows())
    for participant, group in out.with_columns(amount=pl.col("quantity") * PRICE_FEN).group_by("participant"):
        kept = group.filter("valid").get_column("amount").sum()
        assert kept <= available[participant[0]]
        walked = group.filter(pl.col("reason") == REASON_SHORTFALL).sort(["seq", "account"])
        if walked.height:  # the last one walked (lowest seq) was needed: without it the rest is short
            assert kept + walked.get_column("amount")[0] > available[participant[0]]
        if group.get_column("amount").sum() <= available[participant[0]]:
            assert group.get_column("valid").all()
    again = invalidate_shortfall(out, price_fen=PRICE_FEN, available_fen_by_participant=funds, declared=declarations)
    assert again.equals(out)
