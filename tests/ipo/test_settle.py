"""T+1 settle's pure part (csdp/ipo/eod/t1_day.py ``settle_orders``) against the rules written one order
at a time in Python integers: each participant is frozen what its still-valid orders cost, pays for
the shares they keep and gets the rest back; an order invalidated at T+1 keeps nothing (rules.md §3,
seed 002 §2.1.2(一)); the sparse results hold exactly the allocated and the T+1-invalidated orders,
and what the files read back from them (``settlement_of``'s view) is each order's outcome."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo.engine import allocate
from csdp.ipo.eod.t1_day import settle_orders
from csdp.ipo.selectors import settlement_view
from tests.ipo.test_allocation import reference_allocation

PRICE_FEN = 1404
T1_REASONS = ("declared", "shortfall")


@st.composite
def decided_books(draw):
    """Orders after T+1's shortfall processing: some were invalid at T already, some became invalid
    at T+1, the rest are still valid; few distinct sizes and sequences, so ties are common."""
    n = draw(st.integers(1, 40))
    rows = []
    for _ in range(n):
        state = draw(st.sampled_from(["valid", "valid", "valid", "t_invalid", "declared", "shortfall"]))
        rows.append(
            {
                "account": f"{draw(st.integers(0, 5)):010d}",
                "participant": draw(st.sampled_from(["P1", "P2", "P3"])),
                "quantity": draw(st.integers(1, 6)) * 100,
                "seq": draw(st.integers(0, 4)),
                "exchange_valid": state != "t_invalid",
                "valid": state == "valid",
                "reason": {"valid": "", "t_invalid": "unit"}.get(state, state),
            }
        )
    online = draw(st.integers(1, sum(r["quantity"] for r in rows) * 2))
    return rows, online


def _frame(rows):
    return pl.DataFrame(
        rows,
        schema={
            "account": pl.Utf8,
            "participant": pl.Utf8,
            "quantity": pl.Int64,
            "seq": pl.Int64,
            "exchange_valid": pl.Boolean,
            "valid": pl.Boolean,
            "reason": pl.Utf8,
        },
    )


def _settled(rows, online):
    frame = _frame(rows)
    return settle_orders(
        frame.drop("exchange_valid"),
        frame.get_column("exchange_valid"),
        online_shares=online,
        price_fen=PRICE_FEN,
        offering_id=7,
    )


def _reference_allocation(rows, online):
    exchange_valid = [i for i, r in enumerate(rows) if r["exchange_valid"]]
    shares = reference_allocation(
        [(rows[i]["quantity"], rows[i]["seq"], rows[i]["account"]) for i in exchange_valid], online
    )
    allocated = [0] * len(rows)
    for i, a in zip(exchange_valid, shares):
        allocated[i] = a
    return allocated


@settings(max_examples=300, deadline=None)
@given(decided_books())
def test_each_participant_pays_for_what_its_still_valid_orders_keep(book):
    rows, online = book
    settled, allocated = _settled(rows, online), _reference_allocation(rows, online)
    kept = [a if r["valid"] else 0 for r, a in zip(rows, allocated)]
    expected = {}
    for r, k in zip(rows, kept):
        money = expected.setdefault(r["participant"], [0, 0, 0, 0, 0])
        money[0] += r["quantity"] * PRICE_FEN if r["valid"] else 0
        money[1] += k * PRICE_FEN
        money[2] += k
        money[3] += r["reason"] in T1_REASONS
        money[4] += r["quantity"] if r["reason"] in T1_REASONS else 0
    got = {
        row["participant"]: [
            row["frozen_fen"],
            row["deducted_fen"],
            row["allocated_shares"],
            row["invalid_orders"],
            row["invalid_shares"],
        ]
        for row in settled.by_participant.iter_rows(named=True)
    }
    assert got == expected
    assert all(
        row["unfrozen_fen"] == row["frozen_fen"] - row["deducted_fen"]
        for row in settled.by_participant.iter_rows(named=True)
    )


@settings(max_examples=300, deadline=None)
@given(decided_books())
def test_the_sparse_results_are_the_allocated_and_the_t1_invalidated_orders_and_read_back_as_such(book):
    rows, online = book
    settled, allocated = _settled(rows, online), _reference_allocation(rows, online)
    sparse = [(r["seq"], r["reason"], a) for r, a in zip(rows, allocated) if a > 0 or r["reason"] in T1_REASONS]
    assert settled.orders.columns == ["offering_id", "seq", "reason", "allocated_shares"]
    assert set(settled.orders.get_column("offering_id")) <= {7}
    assert settled.orders.select("seq", "reason", "allocated_shares").rows() == sparse
    view = settlement_view(settled.orders).rows(named=True)
    still_valid = [r["valid"] for r, a in zip(rows, allocated) if a > 0 or r["reason"] in T1_REASONS]
    assert [(v["valid_t1"], v["kept"]) for v in view] == [
        (ok, a if ok else 0) for ok, (_, _, a) in zip(still_valid, sparse)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 3), st.integers(0, 2), st.integers(0, 9)), min_size=1, max_size=50),
    st.integers(1, 30_000),
)
def test_orders_tied_in_size_and_sequence_get_the_extra_lots_by_account(orders, online):
    """The account, fetched only for the rows near the last extra lot, still decides ties exactly."""
    frame = pl.DataFrame(
        {
            "account": [f"{a:010d}" for _, _, a in orders],
            "quantity": [q * 100 for q, _, _ in orders],
            "seq": [s for _, s, _ in orders],
        },
        schema_overrides={"quantity": pl.Int64, "seq": pl.Int64},
    )
    got = allocate(frame, online_shares=online).get_column("allocated_shares").to_list()
    assert got == reference_allocation([(q * 100, s, f"{a:010d}") for q, s, a in orders], online)
