"""The per-order participant files of an end of day — SGQS at T; WXSG, JDSJ and PSJG at T+1; a stop's
JDSJ (002 §4.1.1–§4.1.3, §5.2) — each a filter and a few columns over the offering's orders.

Every type of a step is written from one ``OrderBook``: the orders put in participant order once
(a stable sort on the participant's rank), their shared fields (custody unit, account, sequence,
quantity) taken out for the kernel once, and each type then only picks its rows and computes its own
few columns over the sorted orders. Before, every type sorted, checked and took out the shared text
columns again (0.28 s for SGQS, 0.37 s for T+1's three types at 1M orders; docs/performance.md).

``OrderFile.frame()`` is the same type as a Polars LazyFrame: the reference. ``files.publish`` uses it
wherever the book does not apply (text that is not ASCII, a value too wide, ...): the reference path
then decides, and reports, as it always did. The tests compare the two byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from csdp.ipo.eod.layouts import GDDM, JSCY, REASON_CODES, RQ, SGSL, SQBH, XWDM, ZQDM, Layout
from csdp.lib.dbf_matrix import MatrixColumns, constant_spec, matrix_columns_checked, rearranged

# The book's own fields: the order columns every per-order type writes as they are.
BOOK_COLUMNS = {XWDM: "custody_unit", GDDM: "account", SQBH: "seq", SGSL: "quantity"}


def _reason_code() -> pl.Expr:
    mapping = {key: code for key, (code, _) in REASON_CODES.items()}
    return pl.col("reason").replace_strict(mapping, default="")


def reason_codes(outcomes: pl.DataFrame) -> pl.Series:
    """WXYY of every order, "" where it has no reason: only the invalid orders (under 1 % of a book) are
    mapped — mapping every order's reason text cost 10 ms at 1M orders against 2.5 ms."""
    invalid = outcomes.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("at"), "reason").filter(
        pl.col("reason") != ""
    )
    codes = pl.repeat("", outcomes.height, dtype=pl.Utf8, eager=True)
    return (
        codes.scatter(invalid.get_column("at"), invalid.select(_reason_code()).to_series()) if invalid.height else codes
    )


def order_columns(frame: pl.DataFrame | pl.LazyFrame, code: str, day: dt.date):
    """The order columns every per-order file shares; lazy in, lazy out."""
    return frame.with_columns(
        pl.lit(code).alias(ZQDM.name),
        pl.col("participant").alias(JSCY.name),
        *(pl.col(source).alias(f.name) for f, source in BOOK_COLUMNS.items()),
        pl.lit(day).alias(RQ.name),
    )


def by_participant(orders: pl.DataFrame) -> pl.LazyFrame:
    """The orders with each participant's together, in their own order within (a stable sort on the
    participant's rank among the offering's few: 0.04 s at 1M, where a sort on the text took 0.13 s).
    Every per-order file type is then one run of rows per participant (``files._participant_runs``).
    Lazy: each type sorts only its own rows and columns."""
    codes = orders.get_column("participant").unique().sort()
    return orders.lazy().sort(pl.col("participant").cast(pl.Enum(codes)), maintain_order=True)


@dataclass(frozen=True)
class OrderType:
    """A per-order file type: which orders (``where``; None: all) and its own fields over the order
    columns (the shared ones are the book's)."""

    where: pl.Expr | None
    columns: dict[str, pl.Expr] = field(default_factory=dict)

    def sources(self) -> set[str]:
        exprs = [*self.columns.values(), *([self.where] if self.where is not None else [])]
        return {name for e in exprs for name in e.meta.root_names()}


@dataclass(frozen=True)
class _Taken:
    participants: list[str]  # by rank
    ranks: np.ndarray  # each sorted order's participant rank
    specs: dict[str, tuple]  # the book's fields, taken out in participant order
    sources: pl.DataFrame  # the columns the types read, in participant order


class OrderBook:
    """The orders of one offering for one step's per-order files. ``orders``: order_outcomes (or T EOD's
    outcomes), with ``reason``; ``types``: every type the step writes from it (the columns they read
    are sorted once for all)."""

    def __init__(self, orders: pl.DataFrame, *, code: str, day: dt.date, types: dict[str, OrderType]):
        self.orders = orders.with_columns(reason_codes(orders).alias("WXYY"))
        self.code, self.day, self.types = code, day, types

    def file(self, file_type: str) -> OrderFile:
        return OrderFile(self, file_type)

    def frame(self, file_type: str) -> pl.LazyFrame:
        """The type as a Polars frame in participant order: the reference."""
        kind = self.types[file_type]
        base = order_columns(by_participant(self.orders), self.code, self.day)
        return (base if kind.where is None else base.filter(kind.where)).with_columns(
            **{name: expr for name, expr in kind.columns.items()}
        )

    @cached_property
    def taken(self) -> _Taken | None:
        """None when the fast path does not apply to the shared columns (then every type takes the reference path)."""
        participant = self.orders.get_column("participant")
        if participant.null_count() or self.orders.height == 0:
            return None
        codes = participant.unique().sort()
        if len(codes) > np.iinfo(np.uint16).max or matrix_columns_checked([JSCY], codes.to_frame(JSCY.name)) is None:
            return None
        ranks = participant.cast(pl.Enum(codes)).to_physical().to_numpy().astype(np.uint16)
        order = pl.Series("order", np.argsort(ranks, kind="stable"))  # a radix sort on 16 bits: 0.01 s at 1M
        # Every column the files read, put in participant order by one Polars gather (column by column
        # on both cores; numpy's take of the taken-out text, one core and a cache miss a row, took
        # twice as long at 15M orders).
        shared = list(BOOK_COLUMNS)
        wanted = sorted(set().union(*(kind.sources() for kind in self.types.values())))
        ordered = self.orders.select(
            *(pl.col(s).gather(order).alias(f.name) for f, s in BOOK_COLUMNS.items()),
            *(pl.col(name).gather(order) for name in wanted),
        )
        columns = matrix_columns_checked(shared, ordered.select(f.name for f in shared))
        if columns is None:
            return None
        return _Taken(
            participants=codes.to_list(),
            ranks=ranks[order.to_numpy()],
            specs={f.name: spec for f, spec in zip(shared, columns.specs, strict=True)},
            sources=ordered.select(wanted),
        )


@dataclass(frozen=True)
class OrderFile:
    """One per-order type of a book, as ``files.publish`` takes it."""

    book: OrderBook
    file_type: str

    def frame(self) -> pl.LazyFrame:
        return self.book.frame(self.file_type)

    def matrix(self, layout: Layout) -> tuple[MatrixColumns, dict[str, np.ndarray]] | None:
        """The kernel's columns over the book's sorted orders and each participant's row numbers in
        them (in order); None where the reference path must decide."""
        book = self.book.taken
        if book is None:
            return None
        kind = self.book.types[self.file_type]
        if kind.where is None:
            rows = np.arange(book.ranks.size, dtype=np.int64)
        else:
            rows = np.flatnonzero(book.sources.select(kind.where).to_series().fill_null(False).to_numpy())
        # A type of few orders (WXSG: the invalid ones) is taken out on its own rows: its columns are not
        # computed over every order, nor read across the whole book.
        compact = 2 * rows.size < book.ranks.size
        sources = book.sources.select(pl.all().gather(pl.Series(rows))) if compact else book.sources
        own = [f for f in layout.fields if f.name in kind.columns]
        supplied = {f.name: f for f in [*own, *BOOK_COLUMNS, ZQDM, RQ, JSCY]}
        constants = {ZQDM.name: constant_spec(ZQDM, self.book.code), RQ.name: constant_spec(RQ, self.book.day)}
        if any(supplied.get(f.name) != f for f in layout.fields) or None in constants.values():
            return None
        extra = matrix_columns_checked(own, sources.select(**{f.name: kind.columns[f.name] for f in own}))
        if extra is None:
            return None
        # JSCY, the group field, has no spec: records_of writes each file's own participant
        shared = {name: rearranged(spec, rows) for name, spec in book.specs.items()} if compact else book.specs
        specs = {**shared, **dict(zip((f.name for f in own), extra.specs, strict=True)), **constants, JSCY.name: None}
        counts = np.bincount(book.ranks[rows], minlength=len(book.participants))
        ends = np.cumsum(counts)
        numbers = np.arange(rows.size, dtype=np.int64) if compact else rows  # into the specs' rows
        runs = {
            p: numbers[end - n : end]
            for p, n, end in zip(book.participants, counts.tolist(), ends.tolist(), strict=True)
            if n
        }
        return MatrixColumns(layout.fields, [specs[f.name] for f in layout.fields], sources.height), runs
