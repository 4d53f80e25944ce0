"""The per-order files written from one order book (csdp/ipo/eod/order_records.py) against the reference:
the same type as a Polars frame through files' frame path, byte for byte, over random order books."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from csdp.ipo.eod import participant_files as files
from csdp.ipo.eod.participant_files import T1_ORDER_TYPES, sgqs_type
from csdp.ipo.eod.layouts import LAYOUTS, REASON_CODES
from csdp.ipo.eod.order_records import OrderBook, OrderFile
from csdp.lib.dbf import DbfValueError

DAY = dt.date(2026, 3, 17)
PRICE = 1404
TYPES = {"SGQS": sgqs_type(PRICE), **T1_ORDER_TYPES}


@st.composite
def order_books(draw, max_orders=50):
    n = draw(st.integers(1, max_orders))
    participants = draw(st.lists(st.sampled_from(["K001", "K002", "K010", "S0001", "Z9"]), min_size=n, max_size=n))
    units = draw(st.lists(st.sampled_from(["300001", "300002", "3001", "12"]), min_size=n, max_size=n))
    valid = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    reasons = [draw(st.sampled_from(list(REASON_CODES))) if not ok else "" for ok in valid]
    quantity = draw(st.lists(st.integers(1, 99_999).map(lambda q: q * 100), min_size=n, max_size=n))
    kept = [draw(st.integers(0, q)) if ok else 0 for ok, q in zip(valid, quantity, strict=True)]
    return pl.DataFrame(
        {
            "seq": np.arange(1, n + 1) * draw(st.integers(1, 7)),
            "account": [f"{300_000_000 + k:010d}" for k in range(n)],
            "participant": participants,
            "custody_unit": units,
            "quantity": quantity,
            "valid": valid,
            "reason": reasons,
            "kept": kept,
        }
    ).with_columns(
        (pl.col("kept") * PRICE).alias("deducted_fen"),
        (pl.when("valid").then(pl.col("quantity") * PRICE).otherwise(0) - pl.col("kept") * PRICE).alias("unfrozen_fen"),
    )


def _written(root, layout, frame, codes):
    done = files._write_type(root, layout, frame, codes, "920001", DAY)
    return {str(f.path.relative_to(root)): (f.path.read_bytes(), f.rows, f.sha256) for f in done}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(order_books(), st.sampled_from(sorted(TYPES)), st.sampled_from([1, 4, 16_384]))
def test_each_participant_gets_the_reference_files_from_the_order_book(
    tmp_path_factory, monkeypatch, orders, file_type, piece_rows
):
    monkeypatch.setattr(files, "PIECE_ROWS", piece_rows)  # files of several pieces
    book = OrderBook(orders, code="920001", day=DAY, types=TYPES)
    codes = ["K001", "K002", "K010", "S0001", "Z9", "K404"]  # K404: a participant with no orders gets empty files
    assert book.file(file_type).matrix(LAYOUTS[file_type]) is not None  # the fast path, not the reference twice
    fast = _written(tmp_path_factory.mktemp("book"), LAYOUTS[file_type], book.file(file_type), codes)
    assert fast == _written(tmp_path_factory.mktemp("frame"), LAYOUTS[file_type], book.frame(file_type), codes)


def _orders(**changes):
    orders = pl.DataFrame(
        {
            "seq": [1, 2, 3],
            "account": ["0300000001", "0300000002", "0300000003"],
            "participant": ["K002", "K001", "K002"],
            "custody_unit": ["300001"] * 3,
            "quantity": [100, 200, 300],
            "valid": [True, False, True],
            "reason": ["", "cap", ""],
            "kept": [100, 0, 0],
            "deducted_fen": [140_400, 0, 0],
            "unfrozen_fen": [0, 0, 421_200],
        }
    )
    return orders.with_columns(**{name: pl.Series(values) for name, values in changes.items()})


def test_the_book_puts_each_participants_orders_together_in_their_own_order():
    book = OrderBook(_orders(), code="920001", day=DAY, types=TYPES)
    _, runs = book.file("SGQS").matrix(LAYOUTS["SGQS"])
    taken = book.taken
    assert taken.participants == ["K001", "K002"]
    assert {p: taken.sources["quantity"].gather(rows).to_list() for p, rows in runs.items()} == {
        "K001": [200],
        "K002": [100, 300],
    }
    _, unfrozen = book.file("JDSJ").matrix(LAYOUTS["JDSJ"])
    assert {p: len(rows) for p, rows in unfrozen.items()} == {"K002": 1}  # only the order with money to unfreeze


def test_orders_the_kernel_cannot_write_as_the_reference_does_take_the_reference_path(tmp_path):
    # A custody unit with a comma would be quoted in the CSV: the book steps aside, the frame path writes it.
    book = OrderBook(_orders(custody_unit=["300,01", "300001", "300001"]), code="920001", day=DAY, types=TYPES)
    assert book.taken is None
    written = _written(tmp_path, LAYOUTS["JDSJ"], book.file("JDSJ"), ["K001", "K002"])
    assert (
        b'"300,01"' not in written["20260317/K002/JDSJ920001_20260317.csv"][0]
    )  # K002's first order has nothing to unfreeze
    assert written["20260317/K002/JDSJ920001_20260317.csv"][1] == 1


def test_a_value_too_wide_in_a_book_type_is_refused_whole_before_any_file_is_written(tmp_path):
    orders = _orders(unfrozen_fen=[0, 0, 10**16])
    book = OrderBook(orders, code="920001", day=DAY, types=TYPES)
    assert book.file("JDSJ").matrix(LAYOUTS["JDSJ"]) is None  # the reference decides, and reports
    with pytest.raises(DbfValueError, match="JDJE"):
        files._write_type(tmp_path, LAYOUTS["JDSJ"], book.file("JDSJ"), ["K001", "K002"], "920001", DAY)
    assert not list(tmp_path.rglob("*.*"))


def test_an_order_file_is_a_frame_for_anyone_who_asks_for_one():
    frame = OrderFile(OrderBook(_orders(), code="920001", day=DAY, types=TYPES), "PSJG").frame().collect()
    assert frame.select("JSCY", "SQBH", "PSSL", "KKJE", "ZQDM", "RQ").rows() == [
        ("K002", 1, 100, 140_400, "920001", DAY)
    ]
