"""Files of 权益分派 (documented in docs/interfaces.md §7, generated from LAYOUTS here).

To each custodian participant on 派息日 (rules.md §8 conventions: dBase III DBF, GBK, field names ≤ 10
characters, with a CSV twin of the same columns): QYMX, one record per account and lot, and QYHZ, one
summary record. To the issuer on the bonus shares' listing date: QYJG, one record per participant
and a total line (DBF + CSV). Paths under ``CSDP_FILES_DIR/dividend/<distribution id>/<YYYYMMDD>/``,
participants' in a folder of their code. Files are rebuilt from the database with the same bytes when
a step runs again (every value comes from recorded rows, ordered).

The participants' files are recorded as ``DividendFile`` rows in the step's transaction (``files_record``):
the participant's page and API list and serve them (csdp/lib/publish.py), as the IPO's, the register's and
the restrictions' files are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import numpy as np
import polars as pl
from django.conf import settings

from csdp.dividend.models import (
    ClosedAccountBonus,
    Distribution,
    DividendFile,
    HeldReason,
    ParticipantPayment,
    Step,
)
from csdp.dividend.selectors import file_rows, file_rows_per_participant
from csdp.ipo.eod.participant_files import FILE_WRITER_THREADS, PIECE_ROWS, _csv_text
from csdp.ipo.eod.layouts import Layout
from csdp.lib.bulk import copy_out
from csdp.lib.dbf import (
    Field,
    dbf_file_bytes,
    dbf_records,
    is_ascii,
    write_atomically,
    PartFile,
    dbf_check_widths,
    header,
)
from csdp.lib.dbf_matrix import csv_header, frame_facts, matrix_columns, matrix_path_applies, records_of
from csdp.securities.day_files import DayFile, day_files_source
from csdp.securities.models import ParticipantProfile
from csdp.dividend.notices import result_xlsx

ZQDM = Field("ZQDM", "C", 6, title="证券代码")
JSCY = Field("JSCY", "C", 10, title="结算参与人代码")
DJRQ = Field("DJRQ", "D", 8, title="股权登记日")
PXRQ = Field("PXRQ", "D", 8, title="派息日")
SSRQ = Field("SSRQ", "D", 8, title="红股上市日")
# QYJG's participant column for the rows that are no participant: codes in the DBF and CSV (read by
# machines; ASCII like every participant code), words in the Excel sheet people read (docs/interfaces.md §7).
NO_CUSTODIAN, TOTAL = "NONE", "TOTAL"
RESULT_LABELS = {NO_CUSTODIAN: "无托管单元", TOTAL: "合计"}
FILE_ORDER = ["JSCY", "GDDM", "GFXZ", "XSRQ"]  # QYMX: participant, account, share nature, lock-up end
HELD_CODES = {
    HeldReason.FROZEN_AT_RECORD.value: "01",
    HeldReason.FROZEN_AFTER_RECORD.value: "02",
    HeldReason.ACCOUNT_CLOSED.value: "03",
}

LAYOUTS: dict[str, Layout] = {
    "QYMX": Layout(
        "QYMX",
        "权益分派明细",
        "派息日日终",
        "000 §一(四) 权益分派；rules.md §12",
        (
            ZQDM,
            JSCY,
            Field("XWDM", "C", 6, title="股权登记日托管单元代码"),
            Field("GDDM", "C", 10, title="证券账户号码"),
            Field("GFXZ", "C", 2, title="股份性质：00 无限售流通股，05/06 限售流通股"),
            Field("XSRQ", "D", 8, title="限售截止日（限售股份；无限售为空）"),
            Field("CYSL", "N", 16, title="股权登记日持有数量（股）"),
            Field("DJSL", "N", 16, title="其中冻结数量（股）"),
            Field("ZYSL", "N", 16, title="其中质押数量（股）"),
            Field("PXJE", "N", 18, 2, title="应派现金红利（元，含税）"),
            Field("SFJE", "N", 18, 2, title="实派现金红利（元）"),
            Field("ZFJE", "N", 18, 2, title="暂不派发现金红利（元）"),
            Field(
                "ZFYY", "C", 2, title="暂不派发原因：01 登记日冻结（孳息随冻结），02 登记日后新增冻结，03 账户已注销"
            ),
            Field("SZSL", "N", 16, title="送转股数量（股，送股+转增）"),
            Field("SZDJ", "N", 16, title="其中随冻结（股）"),
            Field("SZZY", "N", 16, title="其中随质押（股）"),
            DJRQ,
            PXRQ,
            SSRQ,
        ),
        "每个证券账户每个持有明细（股份性质、限售截止日）一条，列入股权登记日日终托管该账户的结算参与人的文件"
        "（其现金红利划入该参与人；登记日后转托管的账户仍列入原参与人文件）",
    ),
    "QYHZ": Layout(
        "QYHZ",
        "权益分派汇总",
        "派息日日终",
        "000 §一(四) 权益分派；rules.md §12",
        (
            ZQDM,
            JSCY,
            Field("ZHS", "N", 12, title="证券账户数"),
            Field("CYSL", "N", 18, title="股权登记日持有数量（股）"),
            Field("PXJE", "N", 18, 2, title="应派现金红利（元）"),
            Field("SFJE", "N", 18, 2, title="实派现金红利（元），划入结算备付金账户"),
            Field("ZFJE", "N", 18, 2, title="暂不派发现金红利（元）"),
            Field("SZSL", "N", 18, title="送转股数量（股）"),
            DJRQ,
            PXRQ,
            SSRQ,
        ),
        "每个结算参与人一条",
    ),
    "QYJG": Layout(
        "QYJG",
        "权益分派结果（致发行人）",
        "红股上市日日终",
        "000 §一(四) 权益分派",
        (
            ZQDM,
            Field(
                "JSCY",
                "C",
                10,
                title=f"结算参与人代码；合计行为 {TOTAL}，股权登记日无托管单元的账户合为一行 {NO_CUSTODIAN}"
                f"（Excel 结果表中显示为「{RESULT_LABELS[TOTAL]}」「{RESULT_LABELS[NO_CUSTODIAN]}」）",
            ),
            Field("ZHS", "N", 12, title="证券账户数"),
            Field("CYSL", "N", 18, title="股权登记日持有数量（股）"),
            Field("PXJE", "N", 18, 2, title="应派现金红利（元）"),
            Field("SFJE", "N", 18, 2, title="实派现金红利（元）"),
            Field("ZFJE", "N", 18, 2, title="暂不派发现金红利（元）"),
            Field("SZSL", "N", 18, title="送转股数量（股）"),
            Field("ZXSL", "N", 18, title="其中登记于已注销账户、待持有人确权的送转股（股）"),
            DJRQ,
            PXRQ,
            SSRQ,
        ),
        "每个结算参与人一条，另加合计一条",
    ),
    "QYZC": Layout(
        "QYZC",
        "已注销账户送转股明细",
        "红股上市日日终（有已注销账户时）",
        "000 §一(四) 权益分派",
        (
            ZQDM,
            JSCY,
            Field("GDDM", "C", 10, title="证券账户号码（股权登记日后已注销）"),
            Field("SZSL", "N", 16, title="登记于该账户、待持有人确权的送转股（股）"),
            DJRQ,
            SSRQ,
        ),
        "每个股权登记日后注销、有送转股的证券账户一条",
    ),
}


def root_of(distribution: Distribution) -> Path:
    return Path(settings.CSDP_FILES_DIR) / "dividend" / str(distribution.pk)


def _write(directory: Path, layout: Layout, frame: pl.DataFrame, code: str, day: dt.date) -> list[dict]:
    directory.mkdir(parents=True, exist_ok=True)
    frame = frame.select([f.name for f in layout.fields])
    # Codes, numbers and dates only: ASCII, whose GBK bytes are its UTF-8 bytes (checked, not assumed).
    ascii_text = is_ascii(frame)
    records = dbf_records(layout.fields, frame, checked=True, ascii_text=ascii_text)
    dbf = dbf_file_bytes(layout.fields, records, on=day, ascii_only=ascii_text)
    text = _csv_text(layout, frame)
    if ascii_text:
        buffer = io.BytesIO()
        text.write_csv(buffer)
        csv = buffer.getvalue()
    else:
        csv = text.write_csv().encode("gbk")
    out = []
    for suffix, data in (("dbf", dbf), ("csv", csv)):
        path = directory / f"{layout.file_type}{code}.{suffix}"
        write_atomically(path, data)
        out.append(
            {
                "path": str(path.relative_to(Path(settings.CSDP_FILES_DIR))),
                "rows": frame.height,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return out


def _dates(distribution: Distribution) -> list[pl.Expr]:
    return [
        pl.lit(distribution.security.code).alias("ZQDM"),
        pl.lit(distribution.record_date).alias("DJRQ"),
        pl.lit(distribution.pay_date).alias("PXRQ"),
        pl.lit(distribution.list_date).alias("SSRQ"),
    ]


def detail_frame(distribution: Distribution, participants: list[int] | None = None) -> pl.DataFrame:
    rows = file_rows(distribution.pk, participants)
    later = pl.col("later") != ""
    held = pl.when(later).then(pl.col("cash_fen")).otherwise(pl.col("held_fen"))
    reason = (
        pl.when(later)
        .then(pl.col("later").replace_strict(HELD_CODES, default=""))
        .when(pl.col("held_fen") > 0)
        .then(pl.lit("01"))
        .otherwise(pl.lit(""))
    )
    return rows.with_columns(held.alias("ZFJE"), reason.alias("ZFYY"), *_dates(distribution)).with_columns(
        pl.col("cash_fen").alias("PXJE"),
        (pl.col("cash_fen") - pl.col("ZFJE")).alias("SFJE"),
        pl.col("SGSL").alias("SZSL"),
        pl.col("SGDJ").alias("SZDJ"),
        pl.col("SGZY").alias("SZZY"),
    )


def _summary(detail: pl.DataFrame, distribution: Distribution) -> pl.DataFrame:
    return (
        detail.group_by("JSCY")
        .agg(
            pl.col("GDDM").n_unique().cast(pl.Int64).alias("ZHS"),
            pl.col("CYSL").sum(),
            pl.col("PXJE").sum(),
            pl.col("SFJE").sum(),
            pl.col("ZFJE").sum(),
            pl.col("SZSL").sum(),
        )
        .sort("JSCY")
        .with_columns(*_dates(distribution))
    )


def participant_files(distribution: Distribution, day: dt.date) -> list[dict]:
    """QYMX and QYHZ to every custodian participant of the distribution's accounts at R (the one paid
    for them: the money and the files agree, whatever custodian an account moves to). The detail goes
    through the IPO's C record kernel (csdp/lib/dbf_matrix.py: the columns taken out of Polars once,
    each participant's records and CSV lines built without the GIL) when the frame suits it; the
    reference writer (``_write``) otherwise — the same bytes either way. A large distribution is
    written a group of participants at a time (``file_slices``); each participant's files are whole
    in one group, so the bytes do not depend on the grouping."""
    root, code = root_of(distribution) / day.strftime("%Y%m%d"), distribution.security.code
    written: dict[str, list[dict]] = {}
    for participants in file_slices(distribution):
        written.update(_participant_files_of(distribution, day, root, code, participants))
    return [f for participant in sorted(written) for f in written[participant]]


# Above this many rows the participants' files are read and written a group of participants at a time
# (the rows of one group in memory, not all: at 10M holders the pay date held ~5 GB of frames); each
# group's rows are one more scan of the distribution's entitlements (no join of the accounts).
FILE_SLICE_ROWS = 3_600_000


def file_slices(distribution: Distribution) -> list[list[int] | None]:
    """Groups of participants (institutions) of about FILE_SLICE_ROWS rows each (a larger participant
    alone); [None] — everyone at once — for a distribution of fewer holders, without counting."""
    if (distribution.holders or 0) <= FILE_SLICE_ROWS:
        return [None]
    groups: list[list[int] | None] = []
    group: list[int] = []
    rows = 0
    for participant, n in file_rows_per_participant(distribution.pk):
        if group and rows + n > FILE_SLICE_ROWS:
            groups.append(group)
            group, rows = [], 0
        group.append(participant)
        rows += n
    return [*groups, group] if group else groups or [None]


def _participant_files_of(
    distribution: Distribution, day: dt.date, root: Path, code: str, participants: list[int] | None
) -> dict[str, list[dict]]:
    detail = detail_frame(distribution, participants)  # the rows with a custodian participant (file_rows), in no order
    summary = _summary(detail, distribution)
    # The rows' order in the files as a permutation: the kernel's columns are taken out in that order
    # (matrix_columns' ``order``) instead of sorting a copy of the whole frame first (at 10M holders the
    # pay date's frames are the end of day's peak memory). One row per lot: the order has no ties.
    order = detail.select(pl.arg_sort_by(FILE_ORDER, nulls_last=True)).to_series().to_numpy().astype(np.int64)
    details = _write_matrix(root, LAYOUTS["QYMX"], detail, code, day, order)
    if details is None:  # the reference path
        detail = detail[order]
        details = {
            participant: _write(root / participant, LAYOUTS["QYMX"], part, code, day)
            for (participant,), part in detail.group_by("JSCY", maintain_order=True)
        }
    return {
        participant: details[participant]
        + _write(root / participant, LAYOUTS["QYHZ"], summary.filter(pl.col("JSCY") == participant), code, day)
        for participant in summary.get_column("JSCY").to_list()
    }


def _write_matrix(
    root: Path, layout: Layout, frame: pl.DataFrame, code: str, day: dt.date, order: np.ndarray | None = None
) -> dict[str, list[dict]] | None:
    """Every participant's DBF and CSV of ``layout`` through the kernel, from a frame sorted by JSCY
    (or in ``order``, row numbers); None when the kernel is absent or the frame needs the reference path
    (GBK text, quoting …)."""
    frame = frame.select([f.name for f in layout.fields])
    facts = frame_facts(layout.fields, frame)
    if not facts.get("ascii", True) or not matrix_path_applies(layout.fields, frame, ascii_text=True, facts=facts):
        return None
    dbf_check_widths(layout.fields, frame, facts)
    participants = frame.get_column("JSCY") if order is None else frame.get_column("JSCY").gather(order)
    runs = participants.to_frame().select(pl.col("JSCY").rle()).unnest("JSCY")
    if runs.get_column("value").n_unique() != runs.height:
        return None  # not grouped by participant
    columns = matrix_columns(layout.fields, frame, order, group="JSCY", stats=facts)
    base = Path(settings.CSDP_FILES_DIR)
    spans, at = {}, 0
    for participant, length in runs.select("value", "len").iter_rows():
        spans[participant], at = (at, length), at + length

    def write(participant: str) -> list[dict]:
        at, length = spans[participant]
        rows = np.arange(at, at + length, dtype=np.int64)
        directory = root / participant
        directory.mkdir(parents=True, exist_ok=True)
        stem = directory / f"{layout.file_type}{code}"
        with PartFile(stem.with_suffix(".dbf")) as dbf, PartFile(stem.with_suffix(".csv")) as csv:
            dbf.write(header(layout.fields, length, day))
            csv.write(csv_header(layout.fields))
            for start in range(0, length, PIECE_ROWS):
                records, lines = records_of(columns, rows[start : start + PIECE_ROWS], participant)
                dbf.write(records)
                csv.write(lines)
            dbf.write(b"\x1a")
        return [{"path": str(f.path.relative_to(base)), "rows": length, "sha256": f.sha256} for f in (dbf, csv)]

    # As the IPO's writers: the kernel, the writes and hashlib release the GIL, so one participant's
    # records are built while another's are written; the largest first, so the writers end together.
    with ThreadPoolExecutor(FILE_WRITER_THREADS) as pool:
        futures = {p: pool.submit(write, p) for p in sorted(spans, key=lambda p: -spans[p][1])}
        return {p: future.result() for p, future in futures.items()}


ISSUER_SQL = f"""
SELECT COALESCE(pp.code, '{NO_CUSTODIAN}'), CAST(COUNT(DISTINCT e.account_id) AS BIGINT), CAST(SUM(e.quantity) AS BIGINT),
       CAST(SUM(e.cash_fen) AS BIGINT), CAST(COALESCE(MAX(pay.paid_fen), 0) AS BIGINT), CAST(SUM(e.bonus_shares) AS BIGINT),
       CAST(COALESCE(MAX(z.shares), 0) AS BIGINT)
FROM dividend_entitlement e
LEFT JOIN securities_participantprofile pp ON pp.institution_id = e.participant_id
LEFT JOIN dividend_participantpayment pay ON pay.distribution_id = e.distribution_id
     AND pay.participant_id = e.participant_id
LEFT JOIN (SELECT participant_id, SUM(shares) AS shares FROM dividend_closedaccountbonus
           WHERE distribution_id = %s GROUP BY participant_id) z ON z.participant_id = e.participant_id
WHERE e.distribution_id = %s
GROUP BY COALESCE(pp.code, '{NO_CUSTODIAN}')
"""


def issuer_result_frame(distribution: Distribution) -> pl.DataFrame:
    """Per custodian participant (NO_CUSTODIAN: accounts without one) and a TOTAL line: one aggregate in the
    database (paid = what the participant's hold posted; not paid = held; ZXSL = bonus shares on
    accounts closed since R)."""
    schema = {
        "JSCY": pl.String,
        "ZHS": pl.Int64,
        "CYSL": pl.Int64,
        "PXJE": pl.Int64,
        "SFJE": pl.Int64,
        "SZSL": pl.Int64,
        "ZXSL": pl.Int64,
    }
    summary = (
        _issuer_rows(distribution, schema)
        .sort("JSCY")
        .with_columns((pl.col("PXJE") - pl.col("SFJE")).alias("ZFJE"), *_dates(distribution))
    )
    total = summary.select(
        pl.lit(TOTAL).alias("JSCY"),
        *(pl.col(c).sum() for c in ("ZHS", "CYSL", "PXJE", "SFJE", "ZFJE", "SZSL", "ZXSL")),
    ).with_columns(*_dates(distribution))
    return pl.concat([summary, total.select(summary.columns)], how="vertical_relaxed")


def _issuer_rows(distribution: Distribution, schema: dict) -> pl.DataFrame:
    """QYJG's per-participant figures: from the entitle step's per-participant totals (kept with the
    step) with what each participant was paid and the bonus shares on closed accounts; an aggregate
    over the entitlements for a distribution entitled before those totals were kept."""
    kept = Step.objects.filter(distribution=distribution, name="entitle").values_list("detail", flat=True).first()
    if not kept or "by_participant" not in kept:
        return copy_out(ISSUER_SQL, [distribution.pk, distribution.pk], schema)
    rows = kept["by_participant"]
    ids = [r[0] for r in rows if r[0] is not None]
    codes = dict(ParticipantProfile.objects.filter(institution_id__in=ids).values_list("institution_id", "code"))
    paid = dict(ParticipantPayment.objects.filter(distribution=distribution).values_list("participant_id", "paid_fen"))
    closed: dict[int | None, int] = {}
    for participant, shares in ClosedAccountBonus.objects.filter(distribution=distribution).values_list(
        "participant_id", "shares"
    ):
        closed[participant] = closed.get(participant, 0) + shares
    frame = pl.DataFrame(
        [[codes.get(p, NO_CUSTODIAN), n, q, c, paid.get(p, 0), b, closed.get(p, 0)] for p, n, q, c, b in rows],
        schema=schema,
        orient="row",
    )
    return frame.group_by("JSCY").agg(pl.all().sum())


def issuer_result_file(distribution: Distribution, day: dt.date) -> tuple[list[dict], bytes]:
    """QYJG (DBF + CSV) in the files directory, and the same rows as Excel for the counter application."""
    frame = issuer_result_frame(distribution)
    written = _write(
        root_of(distribution) / day.strftime("%Y%m%d") / "issuer",
        LAYOUTS["QYJG"],
        frame,
        distribution.security.code,
        day,
    )
    return written, result_xlsx(distribution, frame, LAYOUTS["QYJG"], RESULT_LABELS)


def suspense_files(distribution: Distribution, day: dt.date, rows: pl.DataFrame) -> list[dict]:
    """QYZC to each custodian participant with accounts closed since R that got bonus shares
    (rows: JSCY, GDDM, SZSL)."""
    frame = rows.with_columns(*_dates(distribution)).sort(["JSCY", "GDDM"])
    root, code, written = root_of(distribution) / day.strftime("%Y%m%d"), distribution.security.code, []
    for (participant,), part in frame.group_by("JSCY", maintain_order=True):
        written += _write(root / participant, LAYOUTS["QYZC"], part, code, day)
    return written


def files_record(distribution: Distribution, day: dt.date, written: list[dict]) -> list[int]:
    """Record the participants' files a step wrote (``participant_files``, ``suspense_files``: each a
    path ``dividend/<id>/<YYYYMMDD>/<participant code>/<type><code>.<format>``, its rows and SHA-256), in
    the step's transaction: one row per (distribution, participant, type, format). Idempotent: a file
    recorded already with the same path and content is left as it is, one that differs is updated in
    place (ON CONFLICT … DO UPDATE), never a second row. Returns the participants (ParticipantProfile
    ids) whose files are new or changed: the ones to tell."""
    if not written:
        return []
    parsed = [(PurePosixPath(f["path"]), f) for f in written]
    profiles = dict(
        ParticipantProfile.objects.filter(code__in={path.parent.name for path, _ in parsed}).values_list("code", "pk")
    )
    existing = {
        (r.participant_id, r.file_type, r.file_format): (r.path, r.sha256, r.rows, r.business_date)
        for r in DividendFile.objects.filter(distribution=distribution, participant_id__in=profiles.values())
    }
    changed = []
    for path, f in parsed:
        participant = profiles[path.parent.name]  # the folder is the participant's code (the files' JSCY)
        key = (participant, path.name[: len("QYMX")], path.suffix.lstrip("."))
        if existing.get(key) == (str(path), f["sha256"], f["rows"], day):
            continue
        changed.append(
            DividendFile(
                distribution=distribution,
                participant_id=participant,
                file_type=key[1],
                file_format=key[2],
                path=str(path),
                sha256=f["sha256"],
                rows=f["rows"],
                business_date=day,
            )
        )
    DividendFile.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["distribution", "participant", "file_type", "file_format"],
        update_fields=["path", "sha256", "rows", "business_date"],
    )
    return sorted({r.participant_id for r in changed})


@day_files_source
def participant_day_files(participant: ParticipantProfile, day: dt.date) -> list[DayFile]:
    """The distributions' files published to ``participant`` for ``day`` (the day's manifest)."""
    return [
        DayFile(
            "dividend",
            f.pk,
            f.path,
            f.file_type,
            f.file_format,
            f.rows,
            f.sha256,
            f"/api/v1/dividend/files/{f.pk}/content",
        )
        for f in DividendFile.objects.filter(participant=participant, business_date=day).order_by("pk")
    ]
