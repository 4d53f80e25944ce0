import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.engine import (
    REASON_CAP,
    REASON_DUPLICATE,
    REASON_MAX,
    REASON_UNIT,
    per_investor_cap,
    validate_orders,
)


def orders(*rows, investor_ids=None) -> pl.DataFrame:
    """rows: (account, quantity, seq); participant "001" throughout."""
    frame = pl.DataFrame(
        {
            "account": [row[0] for row in rows],
            "participant": ["001"] * len(rows),
            "quantity": [row[1] for row in rows],
            "seq": [row[2] for row in rows],
        },
        schema_overrides={"quantity": pl.Int64, "seq": pl.Int64},
    )
    if investor_ids is not None:
        frame = frame.with_columns(pl.Series("investor_id", investor_ids, dtype=pl.String))
    return frame


def reasons(frame: pl.DataFrame) -> list:
    return frame.get_column("reason").to_list()


def test_the_cap_of_yuelong_keji_is_989_600_shares():
    # rules.md §1 (悦龙科技 920188): 19,793,879 × 5 % = 989,693.95 → 989,600
    assert per_investor_cap(19_793_879) == 989_600


def test_the_cap_is_whole_lots_of_five_percent_of_the_initial_issue():
    assert per_investor_cap(20_000) == 1_000
    assert per_investor_cap(1_999) == 0
    assert per_investor_cap(2_000_000) == 100_000


def test_an_order_at_the_cap_is_valid_and_one_lot_above_is_invalid_as_a_whole():
    checked = validate_orders(orders(("A", 989_600, 1), ("B", 989_700, 2)), initial_online_shares=19_793_879)
    assert checked.get_column("valid").to_list() == [True, False]
    assert reasons(checked) == [None, REASON_CAP]


def test_quantities_that_are_not_positive_whole_lots_are_unit_errors():
    checked = validate_orders(
        orders(("A", 150, 1), ("B", 0, 2), ("C", -100, 3), ("D", None, 4), ("E", 100, 5)),
        initial_online_shares=10**9,
    )
    assert reasons(checked) == [REASON_UNIT] * 4 + [None]


def test_an_order_above_99_999_900_shares_is_a_max_error_even_under_a_huge_cap():
    checked = validate_orders(orders(("A", 99_999_900, 1), ("B", 100_000_000, 2)), initial_online_shares=10**11)
    assert reasons(checked) == [None, REASON_MAX]


def test_only_the_lowest_seq_of_an_account_counts_whatever_the_file_order():
    checked = validate_orders(orders(("A", 300, 9), ("A", 200, 4), ("B", 100, 5)), initial_online_shares=10**6)
    assert reasons(checked) == [REASON_DUPLICATE, None, None]


def test_later_orders_stay_duplicates_when_the_first_order_is_itself_invalid():
    checked = validate_orders(orders(("A", 150, 1), ("A", 200, 2)), initial_online_shares=10**6)
    assert reasons(checked) == [REASON_UNIT, REASON_DUPLICATE]
    assert checked.get_column("valid").to_list() == [False, False]


def test_one_investor_subscribes_once_across_accounts_when_investor_ids_are_given():
    checked = validate_orders(
        orders(
            ("A", 100, 3),
            ("B", 100, 1),
            ("C", 100, 2),
            ("D", 100, 4),
            ("E", 100, 5),
            investor_ids=["110101199003077777", "110101199003077777", None, None, "X"],
        ),
        initial_online_shares=10**6,
    )
    assert reasons(checked) == [REASON_DUPLICATE, None, None, None, None]


def test_a_duplicate_is_reported_as_such_before_its_own_quantity_errors():
    checked = validate_orders(orders(("A", 100, 1), ("A", 150, 2)), initial_online_shares=10**6)
    assert reasons(checked) == [None, REASON_DUPLICATE]


def test_it_keeps_the_input_rows_order_and_columns():
    frame = orders(("B", 100, 2), ("A", 100, 1))
    checked = validate_orders(frame, initial_online_shares=10**6)
    assert checked.select(frame.columns).equals(frame)
    assert {"valid", "reason"} <= set(checked.columns)


def test_it_refuses_a_table_without_a_seq_column():
    with pytest.raises(ValueError, match="seq"):
        validate_orders(orders(("A", 100, 1)).drop("seq"), initial_online_shares=10**6)


@st.composite
def messy_books(draw):
    size = draw(st.integers(1, 50))
    accounts = draw(st.lists(st.sampled_from("ABCDEFGH"), min_size=size, max_size=size))
    investors = draw(st.lists(st.sampled_from(["X", "Y", "Z", None]), min_size=size, max_size=size))
    quantities = draw(st.lists(st.integers(-1, 12).map(lambda lots: lots * 50), min_size=size, max_size=size))
    seqs = draw(st.lists(st.integers(0, 9), min_size=size, max_size=size))
    return orders(*zip(accounts, quantities, seqs), investor_ids=investors)


@settings(max_examples=300, deadline=None)
@given(messy_books())
def test_it_agrees_with_the_rules_applied_one_order_at_a_time(frame):
    cap = per_investor_cap(10_000)  # 500 shares
    rows = frame.rows(named=True)
    seen_accounts, seen_investors, expected = set(), set(), {}
    for index in sorted(range(len(rows)), key=lambda i: (rows[i]["seq"], i)):
        row = rows[index]
        first = row["account"] not in seen_accounts and (
            row["investor_id"] is None or row["investor_id"] not in seen_investors
        )
        seen_accounts.add(row["account"])
        if row["investor_id"] is not None:
            seen_investors.add(row["investor_id"])
        q = row["quantity"]
        expected[index] = (
            REASON_DUPLICATE if not first else REASON_UNIT if q <= 0 or q % 100 else REASON_CAP if q > cap else None
        )
    assert reasons(validate_orders(frame, initial_online_shares=10_000)) == [expected[i] for i in range(len(rows))]
