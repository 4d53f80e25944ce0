from decimal import Decimal

import polars as pl
import pytest

from csdp.ipo.engine import allocate, allocation_ratio, forfeit_invalid, summarize


def book(*rows) -> pl.DataFrame:
    """rows: (account, quantity, seq[, valid])."""
    return pl.DataFrame(
        {
            "account": [row[0] for row in rows],
            "quantity": [row[1] for row in rows],
            "seq": [row[2] for row in rows],
            "valid": [row[3] if len(row) > 3 else True for row in rows],
        },
        schema_overrides={"quantity": pl.Int64, "seq": pl.Int64},
    )


def shares(frame: pl.DataFrame) -> list[int]:
    return frame.get_column("allocated_shares").to_list()


def test_the_remainder_goes_one_lot_each_and_the_very_last_lot_may_be_under_100_shares():
    # S = 3000, N = 1050: base = floor(1000 × 1050 / 300000) × 100 = 300 each, R = 150
    allocated = allocate(book(("A", 1000, 1), ("B", 1000, 2), ("C", 1000, 3)), online_shares=1050)
    assert shares(allocated) == [400, 350, 300]


def test_a_larger_order_is_served_before_an_earlier_one():
    # S = 500, N = 200: every base is 0 (200 × 200 / 50000 < 1); quantity first, then seq
    allocated = allocate(book(("A", 100, 1), ("B", 200, 9), ("C", 100, 2), ("D", 100, 3)), online_shares=200)
    assert shares(allocated) == [100, 100, 0, 0]


def test_equal_quantities_are_served_by_seq_then_by_account_number():
    allocated = allocate(
        book(("0000000007", 100, 3), ("0000000005", 100, 1), ("0000000002", 100, 1), ("0000000001", 100, 2)),
        online_shares=200,
    )
    assert shares(allocated) == [0, 100, 100, 0]


def test_when_everyone_is_below_one_lot_the_first_ceil_n_over_100_investors_get_shares():
    allocated = allocate(book(*[(f"A{i}", 100, i) for i in range(1, 6)]), online_shares=250)
    assert shares(allocated) == [100, 100, 50, 0, 0]
    assert summarize(allocated, online_shares=250).allocated_accounts == 3


def test_undersubscription_fills_every_valid_order_and_leaves_the_rest_unsubscribed():
    allocated = allocate(book(("A", 300, 1), ("B", 200, 2), ("C", 900, 3, False)), online_shares=1000)
    assert shares(allocated) == [300, 200, 0]
    summary = summarize(allocated, online_shares=1000)
    assert (summary.valid_orders, summary.valid_shares, summary.invalid_orders) == (2, 500, 1)
    assert (summary.allocated_shares, summary.unsubscribed_shares) == (500, 500)
    assert summary.ratio == Decimal(2) and not summary.oversubscribed


def test_an_exact_subscription_fills_everything_with_nothing_unsubscribed():
    allocated = allocate(book(("A", 300, 1), ("B", 200, 2)), online_shares=500)
    assert shares(allocated) == [300, 200]
    assert summarize(allocated, online_shares=500).unsubscribed_shares == 0


def test_invalid_orders_get_nothing_and_do_not_count_in_s():
    # Valid S = 400; the invalid 10,000-share order must not dilute the ratio.
    allocated = allocate(book(("A", 200, 1), ("X", 10_000, 0, False), ("B", 200, 2)), online_shares=200)
    assert shares(allocated) == [100, 0, 100]


def test_no_valid_orders_leaves_everything_unsubscribed_with_no_ratio():
    allocated = allocate(book(("A", 150, 1, False)), online_shares=1000)
    summary = summarize(allocated, online_shares=1000)
    assert shares(allocated) == [0]
    assert summary.ratio is None and summary.unsubscribed_shares == 1000


def test_the_yuelong_keji_ratio_is_published_as_0_0312799900_percent():
    ratio = allocation_ratio(19_793_879, 63_279_684_500)
    assert (ratio * 100).quantize(Decimal("1E-10")) == Decimal("0.0312799900")
    assert len(ratio.as_tuple().digits) >= 10


def test_products_beyond_int64_are_computed_exactly_in_128_bits():
    # q × N = 99,999,900 × 10^12 ≈ 10^20 > 2^63: the Int128 path must agree with Python integers.
    rows = [(f"{i:010d}", 99_999_900 - (i % 7) * 100, i) for i in range(10_050)]
    online = 10**12
    allocated = allocate(book(*rows), online_shares=online)
    assert shares(allocated) == reference_allocation([(q, s, a) for a, q, s in rows], online)


def test_negative_online_shares_are_refused():
    with pytest.raises(ValueError):
        allocate(book(("A", 100, 1)), online_shares=-1)


def test_forfeited_allocations_of_invalidated_orders_go_to_the_underwriter_column():
    allocated = allocate(book(("A", 300, 1), ("B", 200, 2)), online_shares=1000)
    after = forfeit_invalid(allocated.with_columns(pl.Series("valid", [True, False])))
    assert shares(after) == [300, 0]
    assert after.get_column("forfeited_shares").to_list() == [0, 200]


def reference_allocation(orders: list[tuple[int, int, str]], online: int) -> list[int]:
    """The rule as written, one investor at a time, in Python integers (rules.md §2)."""
    total = sum(q for q, _, _ in orders)
    if total <= online:
        return [q for q, _, _ in orders]
    base = [q * online // total // 100 * 100 for q, _, _ in orders]
    left = online - sum(base)
    for index in sorted(range(len(orders)), key=lambda i: (-orders[i][0], orders[i][1], orders[i][2])):
        extra = min(100, left)
        base[index] += extra
        left -= extra
    return base


def test_a_book_without_a_valid_column_is_taken_as_all_valid():
    allocated = allocate(book(("A", 300, 1), ("B", 100, 2)).drop("valid"), online_shares=200)
    assert shares(allocated) == [200, 0]  # base 100 and 0, R = 100 goes to the larger order


def test_an_exactly_proportional_book_has_no_remainder_to_walk():
    allocated = allocate(book(("A", 200, 2), ("B", 200, 1)), online_shares=200)
    assert shares(allocated) == [100, 100]


def test_host_sequences_too_far_apart_to_pack_take_the_multi_column_path_with_the_same_result():
    rows = [(f"{i:010d}", 100 * (1 + i % 5), (-1) ** i * (4 * 10**18 - i)) for i in range(300)]
    allocated = allocate(book(*rows), online_shares=9_950)
    assert shares(allocated) == reference_allocation([(q, s, a) for a, q, s in rows], 9_950)


def test_the_summary_of_a_book_without_a_valid_column_counts_every_row():
    summary = summarize(
        allocate(book(("A", 300, 1), ("B", 100, 2)).drop("valid"), online_shares=200), online_shares=200
    )
    assert (summary.valid_orders, summary.valid_shares, summary.invalid_orders) == (2, 400, 0)
    assert (summary.allocated_accounts, summary.allocated_shares) == (1, 200)
