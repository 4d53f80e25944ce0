"""Writing the participant files of an offering: one DBF and one CSV per participant and type,
rebuilt from the database — so a second run writes identical bytes (idempotent, resumable)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings

from csdp.clock.services import business_today
from csdp.ipo.issuer.detail_filings import NATURAL_PERSONS
from csdp.ipo.eod.layouts import LAYOUTS, REGISTRATION_KINDS, Layout
from csdp.ipo.eod.order_records import OrderBook, OrderFile, OrderType
from csdp.ipo.models import Offering, ParticipantFile, ParticipantObligation, PlacementDetail, LockupShareholder
from csdp.ipo.selectors import order_outcomes
from csdp.lib.dbf import PartFile, dbf_check_widths, dbf_file_bytes, dbf_records, header, write_atomically
from csdp.lib.dbf_matrix import MatrixColumns, csv_header, frame_facts, matrix_columns, matrix_path_applies, records_of
from csdp.securities.models import CustodyUnit, ParticipantProfile


def outcomes_frame(offering: Offering) -> pl.DataFrame:
    return order_outcomes(offering)


def sgqs_type(price_fen: int) -> OrderType:
    """SGQS: every order, with its record type, price, amount (0 if invalid) and reason code."""
    valid = pl.col("valid")
    return OrderType(
        where=None,
        columns={
            "JLLX": pl.when(valid).then(pl.lit("A0")).otherwise(pl.lit("A1")),
            "SGJG": pl.lit(price_fen),
            "SGJE": pl.when(valid).then(pl.col("quantity") * price_fen).otherwise(0),
            "WXYY": pl.col("WXYY"),
        },
    )


def t_frames(offering: Offering) -> dict[str, pl.DataFrame | OrderFile]:
    """T EOD files: SGQS (detail) and SGHZ (what each participant owes)."""
    day = offering.t_date
    book = OrderBook(
        outcomes_frame(offering), code=offering.code, day=day, types={"SGQS": sgqs_type(offering.price_fen)}
    )
    owed = ParticipantObligation.objects.filter(offering=offering).values_list(
        "participant__code", "orders", "subscribed_shares", "subscribed_fen"
    )
    sghz = pl.DataFrame(
        list(owed), schema={"JSCY": pl.Utf8, "YXBS": pl.Int64, "YXSL": pl.Int64, "YFJE": pl.Int64}, orient="row"
    ).with_columns(pl.lit(offering.code).alias("ZQDM"), pl.lit(day).alias("RQ"))
    return {"SGQS": book.file("SGQS"), "SGHZ": sghz}


# JDSJ: every order with money to unfreeze (002 §4.1.3, and all of them on a §5.2 stop).
UNFREEZE = OrderType(where=pl.col("unfrozen_fen") > 0, columns={"JDJE": pl.col("unfrozen_fen")})
T1_ORDER_TYPES = {
    "WXSG": OrderType(where=~pl.col("valid"), columns={"WXYY": pl.col("WXYY")}),
    "JDSJ": UNFREEZE,
    "PSJG": OrderType(where=pl.col("kept") > 0, columns={"PSSL": pl.col("kept"), "KKJE": pl.col("deducted_fen")}),
}


def stop_unfreeze_frames(offering: Offering, outcomes: pl.DataFrame, day: dt.date) -> dict[str, OrderFile]:
    """002 §5.2: the 资金解冻数据 of an offering stopped between T EOD and T+1 EOD, from its order outcomes
    (with no allocation, every still-valid order was frozen and is unfrozen in full)."""
    return {"JDSJ": OrderBook(outcomes, code=offering.code, day=day, types={"JDSJ": UNFREEZE}).file("JDSJ")}


def t1_frames(offering: Offering) -> dict[str, pl.DataFrame | OrderFile]:
    """T+1 EOD files: DJSJ, WXSG, JDSJ, PSJG."""
    day = offering.day(1)
    book = OrderBook(outcomes_frame(offering), code=offering.code, day=day, types=T1_ORDER_TYPES)
    money = ParticipantObligation.objects.filter(offering=offering).values_list(
        "participant__code", "subscribed_fen", "available_fen", "shortfall_fen", "frozen_fen"
    )
    djsj = pl.DataFrame(
        list(money),
        schema={"JSCY": pl.Utf8, "YFJE": pl.Int64, "KYJE": pl.Int64, "QKJE": pl.Int64, "DJJE": pl.Int64},
        orient="row",
    ).with_columns(pl.lit(offering.code).alias("ZQDM"), pl.lit(day).alias("RQ"))
    return {"DJSJ": djsj, **{file_type: book.file(file_type) for file_type in T1_ORDER_TYPES}}


def registration_frames(
    offering: Offering, day: dt.date | None = None
) -> tuple[dict[str, pl.DataFrame], dict[str, int]]:
    """股份登记数据 (002 §4.3) and the participants it goes to: those of the online orders and those
    whose custody units hold placed shares."""
    day = day or business_today()
    # The BSE (920) code as documented, also for a NEEQ company registered under its old code until L-1.
    code = offering.code
    online = (
        order_outcomes(offering)
        .filter(pl.col("kept") > 0)
        .select(
            pl.col("participant").alias("JSCY"),
            pl.col("custody_unit").alias("XWDM"),
            pl.col("account").alias("GDDM"),
            pl.lit("00").alias("GFXZ"),
            pl.col("kept").alias("DJSL"),
            pl.lit(None, dtype=pl.Date).alias("XSRQ"),
            pl.lit(REGISTRATION_KINDS["online"]).alias("DJLB"),
        )
    )
    placed = list(
        PlacementDetail.objects.filter(filing__offering=offering, filing__status="confirmed").values_list(
            "filing__kind", "custody_unit", "account__number", "share_nature", "shares", "lockup_end"
        )
    )
    unit_owner = dict(
        CustodyUnit.objects.filter(code__in={p[1] for p in placed}).values_list("code", "participant__code")
    )
    placements = pl.DataFrame(
        [
            {
                "JSCY": unit_owner[unit],
                "XWDM": unit,
                "GDDM": number,
                "GFXZ": nature,
                "DJSL": shares,
                "XSRQ": lockup,
                "DJLB": REGISTRATION_KINDS[kind],
            }
            for kind, unit, number, nature, shares, lockup in placed
        ],
        schema={
            "JSCY": pl.Utf8,
            "XWDM": pl.Utf8,
            "GDDM": pl.Utf8,
            "GFXZ": pl.Utf8,
            "DJSL": pl.Int64,
            "XSRQ": pl.Date,
            "DJLB": pl.Utf8,
        },
    )
    frame = (
        pl.concat([online, placements, _lockup_rows(offering)], how="vertical_relaxed")
        .with_columns(pl.lit(code).alias("ZQDM"), pl.lit(day).alias("RQ"))
        .sort(["JSCY", "DJLB", "GDDM"])
    )
    participants = dict(
        ParticipantProfile.objects.filter(code__in=frame["JSCY"].unique().to_list()).values_list("code", "pk")
    )
    return {"GFDJ": frame}, participants


def _lockup_rows(offering: Offering) -> pl.DataFrame:
    """The pre-IPO shares of the issuer's lock-up list, to the participant whose custody unit holds the
    account: its custodian must know they became 限售流通股 (002 §2.1.2(四)2). An account with no custody
    unit on record has no custodian to tell."""
    rows = LockupShareholder.objects.filter(offering=offering, account__custody_unit__isnull=False).values_list(
        "account__custody_unit__participant__code",
        "account__custody_unit__code",
        "account__number",
        "account__investor__holder_type",
        "shares",
        "lockup_end",
    )
    return pl.DataFrame(
        [
            {
                "JSCY": participant,
                "XWDM": unit,
                "GDDM": number,
                "GFXZ": "05" if holder in NATURAL_PERSONS else "06",
                "DJSL": shares,
                "XSRQ": end,
                "DJLB": REGISTRATION_KINDS["lockup"],
            }
            for participant, unit, number, holder, shares, end in rows
        ],
        schema={
            "JSCY": pl.Utf8,
            "XWDM": pl.Utf8,
            "GDDM": pl.Utf8,
            "GFXZ": pl.Utf8,
            "DJSL": pl.Int64,
            "XSRQ": pl.Date,
            "DJLB": pl.Utf8,
        },
    )


def _csv_text(layout: Layout, frame: pl.DataFrame) -> pl.DataFrame:
    """The CSV twin's columns: decimals as 123.45 from integer fen, dates as YYYYMMDD."""
    decimals = {f.name: f.decimals for f in layout.fields if f.type == "N" and f.decimals}
    return (
        frame.select([f.name for f in layout.fields])
        .with_columns([_decimal_text(pl.col(n).cast(pl.Int64), d).alias(n) for n, d in decimals.items()])
        .with_columns([pl.col(f.name).dt.strftime("%Y%m%d") for f in layout.fields if f.type == "D"])
    )


def _decimal_text(minor: pl.Expr, decimals: int) -> pl.Expr:
    """12345 → "123.45", -5 → "-0.05" as the DBF writes it (floor division of a negative gave "-1.95")."""
    sign = pl.when(minor < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole, part = minor.abs() // 10**decimals, minor.abs() % 10**decimals
    return pl.concat_str([sign, whole.cast(pl.Utf8), pl.lit("."), part.cast(pl.Utf8).str.zfill(decimals)])


FILE_WRITER_THREADS = 2  # Polars and hashlib release the GIL: one participant's files build while another's are written


@dataclass(frozen=True)
class WrittenFile:
    participant: str
    rows: int
    file_format: str
    path: Path
    sha256: str


def _rows_by_participant(frame: pl.DataFrame) -> dict[str, pl.Series]:
    """Row numbers of each participant's records, in frame order — so each file is gathered on its own
    and a 15M-row type never exists twice in memory (as a partition of the whole frame would)."""
    grouped = (
        frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("i"), "JSCY")
        .group_by("JSCY", maintain_order=True)
        .agg("i")
    )
    rows = grouped.get_column("i")
    return {participant: rows[k] for k, participant in enumerate(grouped.get_column("JSCY").to_list())}


def _participant_files(
    root: Path,
    layout: Layout,
    frame: pl.DataFrame,
    rows: pl.Series | None,
    participant: str,
    code: str,
    day: dt.date,
    *,
    ascii_text: bool,
) -> list[WrittenFile]:
    """One participant's DBF and CSV of one type; the bytes are hashed as they are written.
    ``ascii_text``: the type's C fields are ASCII (numbers and dates always are), so the DBF records
    and the CSV text are too, and their GBK bytes are their UTF-8 bytes."""
    part = frame.select(pl.all().gather(rows)) if rows is not None else frame.clear()
    directory = root / day.strftime("%Y%m%d") / participant
    directory.mkdir(parents=True, exist_ok=True)
    records = dbf_records(layout.fields, part, checked=True, ascii_text=ascii_text)
    dbf = dbf_file_bytes(layout.fields, records, on=day, ascii_only=ascii_text)
    text = _csv_text(layout, part)
    if ascii_text:
        buffer = io.BytesIO()
        text.write_csv(buffer)  # ASCII: the same bytes as GBK
        csv = buffer.getvalue()
    else:
        csv = text.write_csv().encode("gbk")
    written = []
    for file_format, data in (("dbf", dbf), ("csv", csv)):
        path = directory / f"{participant_file_stem(layout.file_type, code, day)}.{file_format}"
        write_atomically(path, data)
        written.append(WrittenFile(participant, part.height, file_format, path, hashlib.sha256(data).hexdigest()))
    return written


def participant_file_stem(file_type: str, code: str, day: dt.date) -> str:
    """SGQS920188_20260316: a file's name carries its business date, so a file saved apart from its
    day's folder still says which day it is (issue 14)."""
    return f"{file_type}{code}_{day:%Y%m%d}"


PIECE_ROWS = 16_384  # records built at a time: ~1.6 MB of matrix, in cache, and memory flat at 15M orders


def _participant_files_matrix(
    root: Path, layout: Layout, columns: MatrixColumns, rows: np.ndarray, participant: str, code: str, day: dt.date
) -> list[WrittenFile]:
    """The same files as ``_participant_files``, built from the type's columns taken out once
    (``rows``: this participant's row numbers in them, in order), a piece at a time, streamed to the
    .part files and hashed on the way."""
    directory = root / day.strftime("%Y%m%d") / participant
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / participant_file_stem(layout.file_type, code, day)
    with PartFile(stem.with_suffix(".dbf")) as dbf, PartFile(stem.with_suffix(".csv")) as csv:
        dbf.write(header(layout.fields, len(rows), day))
        csv.write(csv_header(layout.fields))
        for at in range(0, len(rows), PIECE_ROWS):
            records, lines = records_of(columns, rows[at : at + PIECE_ROWS], participant)
            dbf.write(records)
            csv.write(lines)
        dbf.write(b"\x1a")
    return [WrittenFile(participant, len(rows), f.path.suffix[1:], f.path, f.sha256) for f in (dbf, csv)]


def _matrix_writer(
    root: Path, layout: Layout, columns: MatrixColumns, runs: dict[str, np.ndarray], code: str, day: dt.date
) -> tuple[Callable[[str], list[WrittenFile]], dict[str, int]]:
    def write(p):
        return _participant_files_matrix(root, layout, columns, runs.get(p, NO_ROWS), p, code, day)

    return write, {p: len(rows) for p, rows in runs.items()}


NO_ROWS = np.empty(0, np.int64)


def _participant_runs(frame: pl.DataFrame) -> dict[str, tuple[int, int]] | None:
    """Where each participant's rows are, when each participant's rows follow one another (the EOD
    frames are sorted so: ``by_participant``); None when they do not."""
    runs = frame.select(pl.col("JSCY").rle()).unnest("JSCY")
    if runs.get_column("value").n_unique() != runs.height:
        return None
    ends = runs.get_column("len").cast(pl.Int64).cum_sum().to_list()
    return {
        value: (end - length, end)
        for value, length, end in zip(
            runs.get_column("value").to_list(), runs.get_column("len").to_list(), ends, strict=True
        )
    }


def _participant_order(rows: dict[str, pl.Series]) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Every participant's row numbers one after the other, and where each participant's are."""
    spans, at = {}, 0
    for participant, numbers in rows.items():
        spans[participant] = (at, at + len(numbers))
        at += len(numbers)
    order = np.concatenate([numbers.to_numpy() for numbers in rows.values()]) if rows else np.empty(0, np.int64)
    return order, spans


def _type_writer(
    root: Path, layout: Layout, frame: pl.DataFrame | pl.LazyFrame | OrderFile, code: str, day: dt.date
) -> tuple[Callable[[str], list[WrittenFile]], dict[str, int]]:
    """Check and prepare one file type (in the calling thread); returns what writes one participant's
    DBF and CSV, and each participant's row count. The widths are checked once over the whole frame,
    before any file of the type is written."""
    if isinstance(frame, OrderFile):
        taken = frame.matrix(layout)
        if taken is not None:
            return _matrix_writer(root, layout, *taken, code, day)
        frame = frame.frame()  # the reference path decides (and reports what does not fit)
    frame = frame.lazy().select([f.name for f in layout.fields]).collect()
    facts = frame_facts(layout.fields, frame)
    dbf_check_widths(layout.fields, frame, facts)
    ascii_text = facts.get("ascii", True)
    if ascii_text and matrix_path_applies(layout.fields, frame, ascii_text=True, facts=facts):
        spans, order = _participant_runs(frame), None
        if spans is None:  # rows in any other order: gathered once into participant order
            order, spans = _participant_order(_rows_by_participant(frame))
        columns = matrix_columns(
            layout.fields, frame, order, group="JSCY", stats=facts
        )  # JSCY: the file's own participant
        del frame  # the columns hold what the files need; at 15M orders the frame is gigabytes
        return _matrix_writer(root, layout, columns, {p: np.arange(a, b) for p, (a, b) in spans.items()}, code, day)
    # GBK text, a CSV value to quote, a negative decimal: the Polars path (the reference)
    rows = _rows_by_participant(frame)

    def write_reference(p):
        return _participant_files(root, layout, frame, rows.get(p), p, code, day, ascii_text=ascii_text)

    return write_reference, {p: len(r) for p, r in rows.items()}


def _submit(
    pool: ThreadPoolExecutor, write: Callable[[str], list[WrittenFile]], sizes: dict[str, int], codes: list[str]
) -> list[Future]:
    """One job per participant, the largest first (so the two writers finish together); the futures in
    ``codes`` order."""
    # A participant without a record of this type gets no file: an empty file is not published.
    codes = [p for p in codes if sizes.get(p, 0) > 0]
    futures = {p: pool.submit(write, p) for p in sorted(codes, key=lambda p: -sizes.get(p, 0))}
    return [futures[p] for p in codes]


def _write_type(
    root: Path, layout: Layout, frame: pl.DataFrame | pl.LazyFrame, codes: list[str], code: str, day: dt.date
) -> list[WrittenFile]:
    """Every participant's DBF and CSV of one file type."""
    write, sizes = _type_writer(root, layout, frame, code, day)
    with ThreadPoolExecutor(FILE_WRITER_THREADS) as pool:
        return [file for future in _submit(pool, write, sizes, codes) for file in future.result()]


def publish(
    offering: Offering,
    frames: dict[str, pl.DataFrame | pl.LazyFrame],
    day: dt.date,
    participants: dict[str, int] | None = None,
) -> int:
    """Write every participant's files for ``frames`` and record them; returns the number of files.
    Each type is prepared while the writer threads still write the one before."""
    root = Path(settings.CSDP_FILES_DIR)
    if participants is None:
        participants = dict(
            ParticipantObligation.objects.filter(offering=offering).values_list("participant__code", "participant_id")
        )
    codes = sorted(participants)
    with ThreadPoolExecutor(FILE_WRITER_THREADS) as pool:
        submitted = [
            (file_type, _submit(pool, *_type_writer(root, LAYOUTS[file_type], frame, offering.code, day), codes))
            for file_type, frame in frames.items()
        ]
        records = [
            ParticipantFile(
                offering=offering,
                participant_id=participants[file.participant],
                file_type=file_type,
                file_format=file.file_format,
                path=str(file.path.relative_to(root)),
                sha256=file.sha256,
                rows=file.rows,
                business_date=day,
            )
            for file_type, futures in submitted
            for future in futures
            for file in future.result()
        ]
    ParticipantFile.objects.filter(offering=offering, file_type__in=list(frames)).delete()
    ParticipantFile.objects.bulk_create(records)
    from csdp.ipo.eod.reconcile import files_ready_notify  # here: reconcile imports this module

    files_ready_notify(
        offering=offering, day=day, participant_ids={r.participant_id for r in records}, file_types=frames
    )
    return len(records)
