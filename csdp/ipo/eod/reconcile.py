"""What members reconcile against: the reserve statement as a daily 对账 file, the manifest of a
participant's published files of a day, the "files ready" notice, and the lead underwriter's view of
its offering's results for the 发行结果公告 (seed 002 §3.2, §4.1; files like the others, rules.md §8)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from csdp.clock.services import business_today
from csdp.ipo.errors import IpoError
from csdp.ipo.eod.layouts import REASON_CODES, Layout
from csdp.ipo.eod.participant_files import _csv_text
from csdp.ipo.models import EodStep, Offering, ParticipantFile
from csdp.ipo.selectors import order_outcomes
from csdp.ledger.models import LedgerAccount
from csdp.ledger.selectors import statement, reserve_account_of
from csdp.lib.dbf import Field, dbf_file_bytes, dbf_records
from csdp.securities.day_files import DayFile, day_files, day_files_source
from csdp.securities.notices import participants_notify
from openpyxl import Workbook

# ---- the daily 对账 file ------------------------------------------------------------------------

RECORD_OPENING, RECORD_MOVEMENT, RECORD_CLOSING = "01", "02", "03"
STATEMENT_LAYOUT = Layout(
    "ZJDZ",
    "结算备付金对账数据（资金对账）",
    "每个交易日（当日日终后为终稿）",
    "002 §3.2、§4.1；rules.md §8",
    (
        Field("JLLX", "C", 2, title="记录类型：01 期初余额，02 资金变动明细，03 期末余额"),
        Field("ZJZH", "C", 32, title="结算备付金账号"),
        Field("JGDM", "C", 10, title="机构代码（结算参与人代码或主承销商代码）"),
        Field("LSH", "N", 18, title="划转流水号（期初、期末为 0）"),
        # LX keeps the phase, a stable code of four values that programs read; the type in words
        # (现金红利划入) is the page's and the API's type_label.
        Field("LX", "C", 8, title="类型：记账、冻结、冻结扣划、冻结解除（划转阶段，不随业务变化）"),
        Field("YWDM", "C", 32, title="业务代码（如 DEPOSIT、WITHDRAW、IPO_FREEZE、IPO_PROCEEDS、dividend.pay）"),
        Field("CKBH", "C", 100, title="参考编号（划转的幂等键，如 ipo:920188:Q001:freeze）"),
        Field("JDFX", "C", 2, title="借贷方向：借（资金划出本账户）或 贷（划入）"),
        Field("DFZH", "C", 32, title="对方账号"),
        Field("JZBD", "N", 18, 2, title="余额变动（元，划出为负）"),
        Field("DJBD", "N", 18, 2, title="冻结变动（元，冻结为负，解冻为正；划入本账户的冻结亦同）"),
        Field("YE", "N", 18, 2, title="变动后余额（元；期初、期末为当时余额）"),
        Field("ZY", "C", 200, title="摘要（冻结扣划、冻结解除未另记摘要的，同其冻结）"),
        Field("RQ", "D", 8, title="业务日期"),
    ),
    "每个账户每个业务日：一条期初、每笔划转一条、一条期末",
)


@dataclass(frozen=True)
class DailyFile:
    name: str
    data: bytes
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def statement_frame(account: LedgerAccount, day: dt.date) -> pl.DataFrame:
    """The day's movements of ``account`` between its opening and closing balance (integer fen)."""
    opening, lines = statement(account, day, day)
    code = account.owner.code if account.owner_id else ""
    blank = {"LSH": 0, "LX": "", "YWDM": "", "CKBH": "", "JDFX": "", "DFZH": "", "JZBD": 0, "DJBD": 0, "ZY": ""}
    rows = [{"JLLX": RECORD_OPENING, **blank, "YE": opening, "ZY": "期初余额"}]
    for line in lines:
        t = line.transfer
        other = t.credit_account if line.direction == "借" else t.debit_account
        rows.append(
            {
                "JLLX": RECORD_MOVEMENT,
                "LSH": t.pk,
                "LX": t.get_phase_display(),
                "YWDM": t.code,
                "CKBH": t.key,
                "JDFX": line.direction,
                "DFZH": other.number,
                "JZBD": line.posted_change_fen,
                "DJBD": line.pending_change_fen,
                "YE": line.posted_balance_fen,
                "ZY": line.summary,
            }
        )
    closing = lines[-1].posted_balance_fen if lines else opening
    rows.append({"JLLX": RECORD_CLOSING, **blank, "YE": closing, "ZY": "期末余额"})
    schema = {
        f.name: (pl.Int64 if f.type == "N" else pl.Date if f.type == "D" else pl.Utf8) for f in STATEMENT_LAYOUT.fields
    }
    return pl.DataFrame([{**row, "ZJZH": account.number, "JGDM": code, "RQ": day} for row in rows], schema=schema)


def reconcile_day_check(day: dt.date) -> None:
    """A 对账 file or a manifest is of a business day that has begun: one of a later day would show
    balances and files that do not exist yet as if they were final."""
    today = business_today()
    if day > today:
        raise IpoError(
            f"对账日期 {day:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），当日文件尚未生成。", code="ipo.day_in_future"
        )


def statement_files(account: LedgerAccount, day: dt.date) -> dict[str, DailyFile]:
    """The day's 对账 file as DBF and CSV (GBK), built with the writer of the other participant files
    (its reference path: the Chinese text and negative amounts are what that path is for). Refused for a
    day after today (reconcile_day_check)."""
    reconcile_day_check(day)
    frame = statement_frame(account, day)
    fields = STATEMENT_LAYOUT.fields
    dbf = dbf_file_bytes(fields, dbf_records(fields, frame), on=day)
    csv = _csv_text(STATEMENT_LAYOUT, frame).write_csv().encode("gbk")
    stem = f"ZJDZ{day:%Y%m%d}"
    return {"dbf": DailyFile(f"{stem}.dbf", dbf, frame.height), "csv": DailyFile(f"{stem}.csv", csv, frame.height)}


# ---- the manifest of a participant's day --------------------------------------------------------


@dataclass(frozen=True)
class ManifestLine:
    name: str  # as the participant downloads it: <…>/<YYYYMMDD>/<participant>/<file>
    file_type: str
    file_format: str
    rows: int
    sha256: str
    file_id: int | None  # an IPO file's id (/ipo/files/{id}/content); None for the other apps' and the 对账 file
    content_url: str  # where the API gives the file's bytes, whichever app wrote it


@day_files_source
def participant_day_files(participant, day: dt.date) -> list[DayFile]:
    """The IPO files published to ``participant`` for ``day`` (their SHA-256 taken from the bytes written)."""
    return [
        DayFile("ipo", f.pk, f.path, f.file_type, f.file_format, f.rows, f.sha256, f"/api/v1/ipo/files/{f.pk}/content")
        for f in ParticipantFile.objects.filter(participant=participant, business_date=day).order_by("path")
    ]


def manifest(participant, day: dt.date) -> list[ManifestLine]:
    """Every file published to ``participant`` for business date ``day``, whichever app published it
    (csdp.securities.day_files: the IPO's files, GFBD, QLBD, 权益分派's), then its 对账 file of the day.
    Refused for a day after today (reconcile_day_check)."""
    reconcile_day_check(day)
    lines = [
        ManifestLine(
            f.name,
            f.file_type,
            f.file_format,
            f.rows,
            f.sha256,
            f.file_id if f.app == "ipo" else None,
            f.content_url,
        )
        for f in day_files(participant, day)
    ]
    account = reserve_account_of(participant.institution)
    if account is not None:
        for file_format, file in statement_files(account, day).items():
            lines.append(
                ManifestLine(
                    f"{day:%Y%m%d}/{participant.code}/{file.name}",
                    "ZJDZ",
                    file_format,
                    file.rows,
                    file.sha256,
                    None,
                    f"/api/v1/ipo/reserve/statement/file?business_date={day:%Y-%m-%d}&format={file_format}",
                )
            )
    return lines


MANIFEST_HEADER = ("WJM", "WJLX", "GS", "JLS", "SHA256")  # 文件名, 文件类型, 格式, 记录数, SHA-256


def manifest_csv(lines: list[ManifestLine]) -> bytes:
    out = io.StringIO()
    out.write(",".join(MANIFEST_HEADER) + "\r\n")
    for line in lines:
        out.write(f"{line.name},{line.file_type},{line.file_format},{line.rows},{line.sha256}\r\n")
    return out.getvalue().encode("gbk")


# ---- the "files ready" notice --------------------------------------------------------------------


def files_ready_notify(*, offering: Offering, day: dt.date, participant_ids, file_types) -> int:
    """Inside the publishing step: one notice per user of each participant that got files (outbox rows
    committed with the step; sent after commit). Returns the number of users told."""
    types = "、".join(sorted(file_types))
    return participants_notify(
        participant_ids=participant_ids,
        subject="数据文件已发布",
        body=lambda code: (
            f"{day:%Y-%m-%d} {offering.code} {offering.name} 的数据文件（{types}）已发布，请在“申购资金与数据文件”页面或"
            f"接口下载；当日文件清单（文件名、记录数、SHA-256）见 {day:%Y%m%d}/{code} 清单。"
        ),
        purpose="ipo_files_ready",
    )


# ---- the lead underwriter's results (发行结果公告) ----------------------------------------------


@dataclass(frozen=True)
class OfferingResults:
    online_shares: int
    orders: int
    valid_accounts_t: int  # valid under the exchange's rules (the allocation's base, rules.md §2)
    valid_shares_t: int
    ratio_percent: Decimal  # 网上获配比例 N / S, in %, ten decimals as published
    valid_accounts: int  # still valid after the T+1 shortfall processing
    valid_shares: int
    allocated_accounts: int
    allocated_shares: int
    remainder_shares: int  # 余股: to the lead underwriter (002 §2.1.2(一))
    forfeited_shares: int  # of those, allocated to orders invalidated at T+1
    invalid: pl.DataFrame  # seq, account, participant, custody_unit, quantity, code, reason_text


def offering_results(offering: Offering) -> OfferingResults | None:
    """None until T+1 EOD settled the offering."""
    if not offering.step_runs.filter(step=EodStep.T1_SETTLE, status="done").exists():
        return None
    orders = order_outcomes(offering)
    exchange_valid = pl.col("valid") | pl.col("reason").is_in(["declared", "shortfall"])
    totals = orders.select(
        pl.len().alias("orders"),
        exchange_valid.sum().alias("valid_accounts_t"),
        pl.when(exchange_valid).then(pl.col("quantity")).otherwise(0).sum().alias("valid_shares_t"),
        pl.col("valid").sum().alias("valid_accounts"),
        pl.when(pl.col("valid")).then(pl.col("quantity")).otherwise(0).sum().alias("valid_shares"),
        (pl.col("kept") > 0).sum().alias("allocated_accounts"),
        pl.col("kept").sum().alias("allocated_shares"),
        (pl.col("allocated") - pl.col("kept")).sum().alias("forfeited_shares"),
    ).row(0, named=True)
    totals = {k: int(v or 0) for k, v in totals.items()}
    base = totals["valid_shares_t"]
    n = offering.online_shares
    ratio = Decimal(100) if base <= n else (Decimal(n) * 100 / Decimal(base)).quantize(Decimal("0.0000000001"))
    texts = {key: code for key, (code, _) in REASON_CODES.items()}
    labels = {key: text for key, (_, text) in REASON_CODES.items()}
    invalid = orders.filter(~pl.col("valid")).select(
        "seq",
        "account",
        "participant",
        "custody_unit",
        "quantity",
        pl.col("reason").replace_strict(texts, default="").alias("code"),
        pl.col("reason").replace_strict(labels, default="").alias("reason_text"),
    )
    return OfferingResults(
        online_shares=n, ratio_percent=ratio, remainder_shares=n - totals["allocated_shares"], invalid=invalid, **totals
    )


def offering_results_xlsx(offering: Offering, results: OfferingResults) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "网上发行结果"
    for label, value in [
        ("证券代码", offering.code),
        ("证券简称", offering.name),
        ("发行价格（元）", f"{offering.price_fen / 100:.2f}"),
        ("网上发行数量（股）", results.online_shares),
        ("申购笔数", results.orders),
        ("有效申购户数（交易所规则）", results.valid_accounts_t),
        ("有效申购股数（交易所规则）", results.valid_shares_t),
        ("网上获配比例（%）", str(results.ratio_percent)),
        ("资金交收后有效申购户数", results.valid_accounts),
        ("资金交收后有效申购股数", results.valid_shares),
        ("获配户数", results.allocated_accounts),
        ("获配股数", results.allocated_shares),
        ("余股（主承销商包销，股）", results.remainder_shares),
        ("其中：无效申购放弃的获配股数", results.forfeited_shares),
        ("无效申购笔数", results.invalid.height),
    ]:
        summary.append([label, value])
    sheet = book.create_sheet("无效申购明细")
    sheet.append(["主机确认序号", "证券账户", "结算参与人", "托管单元", "申购数量（股）", "无效原因代码", "无效原因"])
    for row in results.invalid.iter_rows():
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
