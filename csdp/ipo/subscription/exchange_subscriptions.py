"""The exchange's T-day subscription data (申购数据), as CSV (layout: docs/interfaces.md §1).

The file is checked whole, set-based: every format error is listed (row, column, problem) and the file
is refused as a whole if there is one — nothing is half-imported. The exchange's own validity rules
(100-share units, the cap, first order per investor) are NOT format errors: such orders are loaded and
then reported invalid by the T EOD step (rules.md §1).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csdp.lib.errors import CsdpError, Problem

COLUMNS = ("seq", "account", "participant", "custody_unit", "quantity", "price", "investor_id", "confirmed_at")
REQUIRED = ("seq", "account", "participant", "custody_unit", "quantity", "price", "confirmed_at")
MAX_LISTED_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is row 0)
    column: str
    message: str


class ExchangeFileRejected(CsdpError):
    """The file refused whole; ``errors`` lists the first MAX_LISTED_ERRORS of ``total``, also as problems."""

    code = "ipo.exchange_file_rejected"

    def __init__(self, errors: list[RowError], total: int):
        more = (
            f"（共 {total} 处错误，以下列出前 {len(errors)} 处）" if total > len(errors) else f"（共 {total} 处错误）"
        )
        super().__init__(
            f"申购数据文件被拒绝{more}，整个文件未导入。",
            problems=[Problem(e.message, field=e.column, row=e.row or None) for e in errors],
        )
        self.errors = errors
        self.total = total


def _read_text(path: Path) -> pl.DataFrame:
    """The file as text columns. The usual file (UTF-8 without a BOM, with the header) is read by
    Polars straight from disk: a 15M-row file is about 1 GB, and decoding it in Python held three
    copies at once. Anything else takes the careful path, which names what is wrong."""
    with open(path, "rb") as source:
        plain = source.read(3) not in (b"", b"\xef\xbb\xbf")
    if plain:
        try:
            frame = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=False)  # raises on bad UTF-8
        except pl.exceptions.PolarsError:
            frame = None
        if frame is not None and frame.height and all(c in frame.columns for c in REQUIRED):
            return frame
    return _read_text_decoded(path)


def _read_text_decoded(path: Path) -> pl.DataFrame:
    raw = Path(path).read_bytes()
    for encoding in ("utf-8", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ExchangeFileRejected([RowError(0, "文件", "既不是 UTF-8 也不是 GBK 编码的文本")], 1)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ExchangeFileRejected([RowError(0, "文件", "文件为空")], 1)
    try:
        return pl.read_csv(text.encode(), infer_schema=False, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as error:
        raise ExchangeFileRejected([RowError(0, "文件", f"不是有效的 CSV：{error}")], 1) from None


def _checks(price_fen: int, day: dt.date, participants: pl.DataFrame) -> list[tuple[str, pl.Expr, str]]:
    """(column, expression true where the row is wrong, message)."""
    yuan = pl.col("price").str.strip_chars()
    # [0-9], never \d: the regex's \d is Unicode and takes fullwidth and Arabic-Indic digits, which
    # the integer casts below then refuse (a crash) or which would be stored as an account.
    price_ok = yuan.str.contains(r"^[0-9]+(\.[0-9]{1,2})?$")
    as_fen = yuan.str.split(".").list.get(0, null_on_oob=True).cast(pl.Int64, strict=False) * 100 + yuan.str.split(
        "."
    ).list.get(1, null_on_oob=True).fill_null("0").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    seq, when = _seq_number(pl.col("seq")), _confirmed_at(pl.col("confirmed_at"))
    return [
        ("seq", seq.is_null(), "应为正整数"),
        # Compared as numbers: "01" and "1" are one host sequence, and one row of (offering, seq) in
        # the database — as text they passed here and failed the primary key at the load.
        ("seq", seq.is_not_null() & seq.is_duplicated(), "主机确认序号重复"),
        ("account", ~pl.col("account").str.contains(r"^[0-9]{10}$").fill_null(False), "证券账户应为 10 位数字"),
        (
            "participant",
            ~pl.col("participant").is_in(participants["participant"].implode()).fill_null(False),
            "结算参与人代码未登记",
        ),
        (
            "custody_unit",
            ~pl.concat_str(["participant", "custody_unit"], separator="|")
            .is_in(
                participants.select(pl.concat_str(["participant", "custody_unit"], separator="|")).to_series().implode()
            )
            .fill_null(False),
            "托管单元不属于该结算参与人",
        ),
        # 0 is well formed: rules.md §1 makes it invalid ("unit": not a positive multiple of 100) at
        # T EOD, where the participant sees it reported — as docs/interfaces.md §1 says.
        ("quantity", ~pl.col("quantity").str.contains(r"^[0-9]{1,12}$").fill_null(False), "申购数量应为非负整数"),
        ("price", ~price_ok.fill_null(False), "价格格式应为元，最多两位小数"),
        # A yuan figure too large for the cast is not the issue price either (null would let it pass).
        ("price", price_ok.fill_null(False) & (as_fen != price_fen).fill_null(True), "申购价格与发行价格不符"),
        ("confirmed_at", when.is_null(), "确认时间格式应为 YYYY-MM-DDTHH:MM:SS"),
        ("confirmed_at", when.is_not_null() & (when.dt.date() != day), "确认时间不在申购日"),
        ("investor_id", pl.col("investor_id").str.len_chars() > 30, "证件号码过长"),
    ]


def _seq_number(text: pl.Expr) -> pl.Expr:
    """The host sequence as an integer ≥ 1 (1–18 ASCII digits, so it fits Int64), else null."""
    number = pl.when(text.str.contains(r"^[0-9]{1,18}$")).then(text.cast(pl.Int64, strict=False))
    return pl.when(number >= 1).then(number)


# The one documented form of confirmed_at, Beijing time, read the same way on every row: nothing
# inferred from another row, no offset suffix (a "+08:00" would be a second source of the zone), and
# seconds 00–59 (chrono reads ":60" as a leap second: 23:59:60 became the next day).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
TIME_OF_DAY = r"[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$"  # hours 24–29 are refused by chrono itself


def _confirmed_at(text: pl.Expr) -> pl.Expr:
    """The naive Beijing time of `YYYY-MM-DDTHH:MM:SS`, or of the same with a space for the T (the
    ISO 8601 variant spreadsheets write); null for anything else."""
    shaped = text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]" + TIME_OF_DAY)
    return pl.when(shaped).then(text.str.replace(" ", "T", literal=True).str.to_datetime(TIME_FORMAT, strict=False))


def _stripped(frame: pl.DataFrame) -> pl.DataFrame:
    """Surrounding whitespace removed — copying only the columns that have some: at 15M rows each
    text column is a few hundred MB, and an exchange file rarely pads its values."""
    padded = frame.select(pl.col(c).str.contains(r"^\s|\s$").any() for c in frame.columns).row(0)
    return frame.with_columns(pl.col(c).str.strip_chars() for c, pad in zip(frame.columns, padded) if pad)


def parse_exchange_file(path: Path, *, price_fen: int, t_date: dt.date, participants: pl.DataFrame) -> pl.DataFrame:
    """Return the typed frame, or raise ExchangeFileRejected listing every error.

    ``participants``: columns participant, custody_unit — the custody units registered to each
    participant code.

    The usual file is typed in one streaming pass (`usual_batches`); anything it is not sure of goes
    through the careful path, which alone decides what is wrong — so both give the same verdict.
    (The load streams the batches into PostgreSQL itself: `offering_subscriptions_load`.)
    """
    usual = _parse_usual(path, price_fen=price_fen, t_date=t_date, participants=participants)
    if usual is not None:
        return usual
    return parse_careful(path, price_fen=price_fen, t_date=t_date, participants=participants)


def parse_careful(path: Path, *, price_fen: int, t_date: dt.date, participants: pl.DataFrame) -> pl.DataFrame:
    """Any file: every check on the text of every row, every error listed."""
    frame = _read_text(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ExchangeFileRejected([RowError(0, "表头", f"缺少列 {', '.join(missing)}（应为 {','.join(COLUMNS)}）")], 1)
    if frame.height == 0:
        raise ExchangeFileRejected([RowError(0, "文件", "没有申购记录")], 1)
    if "investor_id" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("investor_id"))
    frame = _stripped(frame.select(COLUMNS)).with_row_index("row", offset=1)
    errors: list[RowError] = []
    total = 0
    checks = _checks(price_fen, t_date, participants)
    # Every check in one parallel pass (shared subexpressions computed once); rows are listed only
    # for the checks that found something — on a good file, none.
    flags = frame.lazy().select(wrong.alias(str(i)) for i, (_, wrong, _) in enumerate(checks)).collect()
    found = flags.select(pl.all().fill_null(False).any()).row(0)
    for (column, _, message), flag, any_wrong in zip(checks, flags.iter_columns(), found, strict=True):
        if not any_wrong:
            continue
        bad_rows = frame.filter(flag)["row"]
        total += bad_rows.len()
        errors.extend(RowError(int(r), column, message) for r in bad_rows.head(MAX_LISTED_ERRORS).to_list())
    if total:
        errors.sort(key=lambda e: (e.row, e.column))
        raise ExchangeFileRejected(errors[:MAX_LISTED_ERRORS], total)
    return frame.select(
        _seq_number(pl.col("seq")).alias("seq"),
        pl.col("account"),
        pl.col("participant"),
        pl.col("custody_unit"),
        pl.col("quantity").cast(pl.Int64).alias("quantity_shares"),
        pl.lit(price_fen, dtype=pl.Int64).alias("price_fen"),
        pl.col("investor_id").fill_null(""),
        _confirmed_at(pl.col("confirmed_at")).dt.replace_time_zone("Asia/Shanghai").alias("confirmed_at"),
    )


# The usual file: what the exchange sends every day. `usual_batches` accepts a file only when every row
# is in its documented form (docs/interfaces.md §1) — a subset of what the careful checks accept, with
# the same typed values — and gives up (NotUsual) at the first sign of anything else: a BOM, GBK, another
# header, padding, leading "+", another spelling of the price or the time, an unregistered custody
# unit, a repeated seq. Its checks are cheap casts and comparisons, made while the file streams in,
# so the text of seq, quantity, price and confirmed_at is never held whole (15M rows: ~1 GB of text).

USUAL_HEADER = (",".join(COLUMNS) + "\n").encode()
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


class NotUsual(Exception):
    """The fast path gave up on a file: the careful path decides (never shown to anyone)."""


USUAL_BATCH_ROWS = 100_000  # the first batch reaches PostgreSQL after ~0.02 s of parsing at this size


def _parse_usual(path: Path, *, price_fen: int, t_date: dt.date, participants: pl.DataFrame) -> pl.DataFrame | None:
    try:
        batches = list(usual_batches(path, price_fen=price_fen, t_date=t_date, participants=participants))
    except NotUsual:
        return None
    return pl.concat(batches, rechunk=False)  # in the stream's batches: a rechunk would cost 1 GB more at 15M


def usual_batches(path: Path, *, price_fen: int, t_date: dt.date, participants: pl.DataFrame) -> Iterator[pl.DataFrame]:
    """The usual file's typed rows, USUAL_BATCH_ROWS at a time as the stream reads them, each batch
    checked before it is given — so that a caller can COPY one batch while the next is read.

    Raises NotUsual at the first sign of anything else, possibly after some batches were given:
    the caller throws away what it did with them and lets the careful path decide. No batch given
    holds a repeated seq, so a table's unique key never sees one before the careful path names it."""
    query = _usual_query(path, price_fen=price_fen, t_date=t_date, participants=participants)
    seqs: list[pl.Series] = []
    held: list[pl.DataFrame] = []  # once seq stops rising: kept until every seq is known to be unique
    last_seq = 0
    try:
        for batch in query.collect_batches(chunk_size=USUAL_BATCH_ROWS):
            if batch.height == 0:
                continue
            if not (batch["usual"].all() and _plain_ids(batch["investor_id"])):
                raise NotUsual
            seq = batch["seq"]
            seqs.append(seq)
            # The exchange writes seq in time order: rising numbers are unique without hashing them.
            if not held and seq[0] > last_seq and (seq.diff().drop_nulls() > 0).all():
                last_seq = seq[-1]
                yield batch.drop("usual")
            else:
                held.append(batch.drop("usual"))
    except pl.exceptions.PolarsError:  # bad UTF-8, a ragged line: the careful path names it
        raise NotUsual from None
    if not seqs or (held and pl.concat(seqs).n_unique() != sum(s.len() for s in seqs)):
        raise NotUsual
    yield from held


def _usual_query(path: Path, *, price_fen: int, t_date: dt.date, participants: pl.DataFrame) -> pl.LazyFrame:
    """The streaming read of the usual file; NotUsual when the header or the day already say otherwise."""
    with open(path, "rb") as source:
        if source.readline() != USUAL_HEADER:
            raise NotUsual
    offset, pairs = _beijing_offset(t_date), _registered_pairs(participants)
    if offset is None or pairs.height == 0 or price_fen < 0:
        raise NotUsual
    return pl.scan_csv(path, infer_schema=False, truncate_ragged_lines=False).select(
        _usual_columns(price_fen, t_date, offset, pairs)
    )


def _usual_columns(price_fen: int, t_date: dt.date, offset: dt.timedelta, pairs: pl.DataFrame) -> list[pl.Expr]:
    """The typed columns, and "usual": true where the row is in its documented form."""
    text = pl.col("confirmed_at")
    when = text.str.to_datetime(TIME_FORMAT, strict=False)
    usual = [
        _digits("seq", max_len=18) & (pl.col("seq").cast(pl.Int64, strict=False) >= 1),
        _digits("account", max_len=10) & (pl.col("account").str.len_bytes() == 10),
        _digits("quantity", max_len=12),
        pl.col("price").is_in(_price_spellings(price_fen)),
        pl.struct("participant", "custody_unit").is_in(pairs.to_struct().implode()),
        # The explicit format alone also takes whitespace inside the time ("00: 00:0") and ":60":
        # the shape is pinned on the text, as the careful path pins it.
        text.str.starts_with(f"{t_date.isoformat()}T") & text.str.contains("T" + TIME_OF_DAY) & when.is_not_null(),
    ]
    return [
        pl.col("seq").cast(pl.Int64, strict=False),
        pl.col("account"),
        pl.col("participant"),
        pl.col("custody_unit"),
        pl.col("quantity").cast(pl.Int64, strict=False).alias("quantity_shares"),
        pl.lit(price_fen, dtype=pl.Int64).alias("price_fen"),
        pl.col("investor_id").fill_null(""),
        # Beijing has kept one offset all year since 1991: shifting is exact, and ~100× cheaper than
        # replace_time_zone's per-row lookup.
        (when - offset).dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Shanghai").alias("confirmed_at"),
        pl.all_horizontal(check.fill_null(False) for check in usual).alias("usual"),
    ]


def _digits(column: str, *, max_len: int) -> pl.Expr:
    """1..max_len ASCII digits, by a cast: it also takes a leading "+" (refused here) and refuses "-",
    spaces, decimals, exponents, non-ASCII digits and the empty text (pinned by a test)."""
    value = pl.col(column)
    return (
        value.cast(pl.UInt64, strict=False).is_not_null()
        & (value.str.len_bytes() <= max_len)
        & ~value.str.starts_with("+")
    )


def _price_spellings(price_fen: int) -> list[str]:
    """The issue price in yuan as written without leading zeros: 14 → "14", "14.0", "14.00"."""
    yuan, fen = divmod(price_fen, 100)
    if fen == 0:
        return [f"{yuan}", f"{yuan}.0", f"{yuan}.00"]
    if fen % 10 == 0:
        return [f"{yuan}.{fen // 10}", f"{yuan}.{fen:02d}"]
    return [f"{yuan}.{fen:02d}"]


def _beijing_offset(day: dt.date) -> dt.timedelta | None:
    """Beijing's UTC offset on ``day``, or None if it changed that day (summer time, 1986–1991)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=BEIJING)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=BEIJING)
    return start.utcoffset() if start.utcoffset() == end.utcoffset() else None


def _plain_ids(investor_id: pl.Series) -> bool:
    """At most 30 characters, unpadded. Checked on the kept column, once it is whole: the exchange
    often leaves it empty, which one pass over the lengths shows."""
    if investor_id.str.len_bytes().max() == 0:
        return True
    return bool(((investor_id.str.len_chars() <= 30) & (investor_id.str.strip_chars() == investor_id)).all())


def _registered_pairs(participants: pl.DataFrame) -> pl.DataFrame:
    """The registered (participant, custody unit) pairs as written. The careful path strips the
    file's values first: a padded registered value could match a padded file value here and not
    there, so such pairs are left out (their rows go the careful way)."""
    return (
        participants.select("participant", "custody_unit")
        .unique()
        .filter(
            (pl.col("participant").str.strip_chars() == pl.col("participant"))
            & (pl.col("custody_unit").str.strip_chars() == pl.col("custody_unit"))
        )
    )
