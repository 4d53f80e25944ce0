"""``order_outcomes`` (csdp/ipo/selectors.py): what became of every order, read by the participant files,
registration, refunds and the §5.2 unfreeze — T EOD's verdicts with the sparse T+1 results laid over
them, checked against the same rules written one order at a time."""

from types import SimpleNamespace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.ipo import selectors

PRICE_FEN = 1404
OFFERING = SimpleNamespace(pk=9_001, price_fen=PRICE_FEN)  # only its key and price are read


@st.composite
def settled_books(draw):
    """Orders with T EOD's verdict, in file order (not always seq order), and the sparse T+1 results:
    an allocated order or one invalidated at T+1 has a row; an order invalid at T never has one."""
    seqs = draw(st.lists(st.integers(1, 10_000), min_size=0, max_size=40, unique=True))
    orders, results = [], []
    for seq in seqs:
        state = draw(st.sampled_from(["valid", "allocated", "t_invalid", "declared", "shortfall"]))
        quantity = draw(st.integers(1, 50)) * 100
        orders.append(
            {
                "seq": seq,
                "account": f"{seq:010d}",
                "participant": draw(st.sampled_from(["P1", "P2"])),
                "custody_unit": "100001",
                "quantity": quantity,
                "valid_t": state != "t_invalid",
                "reason_t": "unit" if state == "t_invalid" else "",
            }
        )
        if state in ("allocated", "declared", "shortfall"):
            reason = "" if state == "allocated" else state
            allocated = draw(st.integers(1 if state == "allocated" else 0, quantity // 100)) * 100
            results.append({"seq": seq, "reason": reason, "allocated_shares": allocated})
    return orders, draw(st.permutations(results))  # read back from the database in no particular order


def _expected(order, result):
    """One order's outcome from the rules: a T+1 result decides validity when there is one (invalid
    exactly when it names a reason, and then it keeps nothing); the money follows from the shares."""
    valid = result["reason"] == "" if result else order["valid_t"]
    reason = result["reason"] if result and result["reason"] else order["reason_t"]
    allocated = result["allocated_shares"] if result else 0
    kept = allocated if result and valid else 0
    frozen = order["quantity"] * PRICE_FEN if valid else 0
    return {
        "seq": order["seq"],
        "account": order["account"],
        "participant": order["participant"],
        "custody_unit": order["custody_unit"],
        "quantity": order["quantity"],
        "valid": valid,
        "reason": reason,
        "allocated": allocated,
        "kept": kept,
        "frozen_fen": frozen,
        "deducted_fen": kept * PRICE_FEN,
        "unfrozen_fen": frozen - kept * PRICE_FEN,
    }


def _remember(orders, results):
    """The frames a run keeps between its steps, in a run's scope (as after the steps' commits)."""
    t_frame = pl.DataFrame(orders, schema=selectors.ORDER_VIEW_SCHEMA)
    stored = pl.DataFrame(results, schema={"seq": pl.Int64, "reason": pl.Utf8, "allocated_shares": pl.Int64})
    store = selectors._RUN.get()
    store[("t", OFFERING.pk)] = t_frame
    store[("settlement", OFFERING.pk)] = selectors.settlement_view(stored)
    return t_frame


@pytest.fixture(autouse=True)
def _run_scope():
    with selectors.eod_frames():
        yield


@settings(max_examples=300, deadline=None)
@given(settled_books())
def test_every_order_shows_its_t1_result_where_it_has_one_and_its_t_verdict_otherwise(book):
    orders, results = book
    kept_in_memory = _remember(orders, results)
    before = kept_in_memory.clone()
    by_seq = {r["seq"]: r for r in results}
    expected = [_expected(o, by_seq.get(o["seq"])) for o in sorted(orders, key=lambda o: o["seq"])]
    assert selectors.order_outcomes(OFFERING).rows(named=True) == expected
    # Read again (the T+1 files step, then registration): the same rows; T's kept verdicts untouched.
    assert selectors.order_outcomes(OFFERING).rows(named=True) == expected
    assert kept_in_memory.equals(before)


def test_a_t1_result_for_an_order_the_exchange_never_sent_is_refused():
    _remember(
        [
            {
                "seq": 5,
                "account": "0000000005",
                "participant": "P1",
                "custody_unit": "100001",
                "quantity": 100,
                "valid_t": True,
                "reason_t": "",
            }
        ],
        [{"seq": 6, "reason": "", "allocated_shares": 100}],
    )
    with pytest.raises(ValueError, match="不在申购数据中"):
        selectors.order_outcomes(OFFERING)
