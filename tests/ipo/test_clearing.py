"""T clearing's pure parts (csdp/ipo/eod/t_day.py): the size chart of the offering page counts valid
orders only, the orders at the cap apart, and leaves out the empty bands; each participant owes for
its valid orders only (002 §4.1.1)."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.eod.t_day import clearing_outcomes, participant_amounts, size_distribution

CAP = 50_000


def _outcomes(*rows):
    """rows: (quantity, valid)."""
    return pl.DataFrame(
        {"quantity_shares": [q for q, _ in rows], "valid": [v for _, v in rows]},
        schema={"quantity_shares": pl.Int64, "valid": pl.Boolean},
    )


def test_the_chart_counts_valid_orders_per_band_with_the_cap_apart_and_no_empty_band():
    outcomes = _outcomes(
        (100, True),
        (900, True),
        (1_000, True),
        (9_900, False),
        (49_900, True),
        (50_000, True),
        (50_000, True),
        (50_000, False),
        (60_000, False),
        (150, False),
    )
    assert size_distribution(outcomes, cap=CAP) == [
        {"band": "顶格申购", "orders": 2},
        {"band": "100–900", "orders": 2},
        {"band": "1千–9,900", "orders": 1},
        {"band": "1万–99,900", "orders": 1},
    ]


def test_an_order_at_a_cap_above_a_million_shares_is_counted_at_the_cap_only():
    outcomes = _outcomes((1_000_000, True), (2_000_000, True), (999_900, True))
    assert size_distribution(outcomes, cap=2_000_000) == [
        {"band": "顶格申购", "orders": 1},
        {"band": "10万–999,900", "orders": 1},
        {"band": "100万以上", "orders": 1},
    ]


def test_a_book_without_valid_orders_has_only_an_empty_cap_band():
    assert size_distribution(_outcomes((150, False)), cap=CAP) == [{"band": "顶格申购", "orders": 0}]


def test_an_empty_investor_id_counts_as_none_and_a_shared_one_makes_a_duplicate():
    orders = pl.DataFrame(
        {
            "seq": [3, 1, 2, 4],
            "account": ["0100000001", "0100000002", "0100000003", "0100000004"],
            "participant": ["P1"] * 4,
            "custody_unit": ["000001"] * 4,
            "quantity": [100, 200, 300, 400],
            "investor_id": ["", "", "110101199001010011", "110101199001010011"],
        },
        schema_overrides={"seq": pl.Int64, "quantity": pl.Int64},
    )
    outcomes = clearing_outcomes(orders, offering_id=7, initial_online_shares=1_000_000)
    assert outcomes.select("seq", "valid", "reason").rows() == [
        (3, True, ""),
        (1, True, ""),
        (2, True, ""),
        (4, False, "duplicate"),
    ]
    assert outcomes.get_column("offering_id").to_list() == [7] * 4


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["P2", "P1", "P3"]), st.integers(1, 99_999), st.booleans()), max_size=40))
def test_each_participant_owes_for_its_valid_orders_only(orders):
    outcomes = pl.DataFrame(
        {
            "participant": [p for p, _, _ in orders],
            "quantity_shares": [q * 100 for _, q, _ in orders],
            "valid": [v for _, _, v in orders],
        },
        schema={"participant": pl.Utf8, "quantity_shares": pl.Int64, "valid": pl.Boolean},
    )
    expected = {}
    for participant, lots, valid in orders:
        row = expected.setdefault(participant, [0, 0, 0])
        if valid:
            row[0] += 1
            row[1] += lots * 100
            row[2] += lots * 100 * 1404
    amounts = participant_amounts(outcomes, price_fen=1404)
    assert amounts.columns == ["participant", "orders", "subscribed_shares", "subscribed_fen"]
    assert all(dtype == pl.Int64 for dtype in amounts.dtypes[1:])
    assert {p: [o, s, f] for p, o, s, f in amounts.iter_rows()} == expected
    assert amounts.get_column("participant").to_list() == sorted(expected)
