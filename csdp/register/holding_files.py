"""GFBD 持股变动数据 — the file custodian participants read to learn what an issuer business changed in
their clients' holdings (rules.md §8 conventions: DBF, GBK, field names ≤ 10 characters, with a CSV
twin; layout in docs/interfaces.md, generated from FIELDS below).

One file pair per business and participant: every lot the business touched in an account the
participant keeps (custody unit → participant), with the business's net change of the lot and the
lot's balances after it; for 06 退出登记 every lot of the security, unchanged, marked 06.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from csdp.clock.eod import EodLine
from csdp.lib.bulk import copy_in, copy_out
from csdp.lib.dbf import Field, dbf_file_bytes, dbf_records, write_atomically
from csdp.lib.publish import publish_pending
from csdp.register.models import HoldingChangeFile
from csdp.register.roster import _dbf_fields
from csdp.securities.day_files import DayFile, day_files_source
from csdp.securities.models import ParticipantProfile, Security

FILE_TYPE = "GFBD"
FIELDS = (
    Field("ZQDM", "C", 6, title="证券代码"),
    Field(
        "YWLB",
        "C",
        2,
        title="业务类别：01 股份初始登记，02 新增股份登记，03 股份解除限售登记，04 股份限售登记，06 退出登记",
    ),
    Field("YWBH", "C", 40, title="业务编号（同一业务的各参与人文件相同）"),
    Field("JSCY", "C", 10, title="结算参与人代码"),
    Field("XWDM", "C", 6, title="托管单元代码"),
    Field("ZQZH", "C", 10, title="证券账户号码"),
    Field("ZJHM", "C", 30, title="证件号码"),
    Field("GFXZ", "C", 2, title="股份性质：00 无限售流通股，05 限售流通股（个人），06 限售流通股（机构）"),
    Field("XSJZR", "D", 8, title="限售截止日（无限售流通股为空）"),
    Field("BDSL", "N", 16, title="本业务对该持有明细的变动数量（股，减少为负；退出登记为 0）"),
    Field("CYSL", "N", 15, title="变动后持有数量（股）"),
    Field("DJSL", "N", 15, title="变动后冻结数量（股）"),
    Field("ZYSL", "N", 15, title="变动后质押数量（股）"),
    Field("FSRQ", "D", 8, title="生效日期"),
)
WHEN = "业务生效（复核通过当日，或生效日的日终）"
FILE_NAME = "<生效日期 YYYYMMDD>/<结算参与人代码>/GFBD<证券代码>_<复核编号>.dbf 与同名 .csv"


SCHEMA = {
    "account_id": pl.Int64,
    "ZQZH": pl.Utf8,
    "ZJHM": pl.Utf8,
    "GFXZ": pl.Utf8,
    "XSJZR": pl.Date,
    "CYSL": pl.Int64,
    "DJSL": pl.Int64,
    "ZYSL": pl.Int64,
    "XWDM": pl.Utf8,
    "JSCY": pl.Utf8,
    "participant_id": pl.Int64,
}
LOT_SQL = (
    "SELECT p.account_id, a.number, i.id_number, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged, "
    "u.code, pp.code, pp.id FROM register_position p "
    "JOIN securities_securitiesaccount a ON a.id = p.account_id "
    "JOIN securities_investor i ON i.id = a.investor_id "
    "JOIN securities_custodyunit u ON u.id = a.custody_unit_id "  # no custodian, no one to tell
    "JOIN securities_participantprofile pp ON pp.id = u.participant_id "
)


def _lots_after(security: Security, accounts: pl.Series | None) -> pl.DataFrame:
    """The lots (of these accounts, or all) with identity, custodian and balances, in one query."""
    if accounts is None:
        return copy_out(LOT_SQL + "WHERE p.security_id = %s AND p.quantity > 0", [security.pk], SCHEMA)
    stage = "register_gfbd_accounts"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} (account_id BIGINT PRIMARY KEY)")
        copy_in(stage, ("account_id",), pl.DataFrame({"account_id": accounts.unique()}))
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {stage}")
        frame = copy_out(
            LOT_SQL + f"JOIN {stage} s ON s.account_id = p.account_id WHERE p.security_id = %s", [security.pk], SCHEMA
        )
        cursor.execute(f"DROP TABLE {stage}")
    return frame


def _lots_given(security: Security, balances: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """``_lots_after`` from what the caller holds already: the lots' balances after the business (as
    csdp.register.bulk.register_apply_bulk_balances returns them) and their accounts (number, ID
    number, custodian: csdp.register.issuer_businesses.KNOWN_SCHEMA). The same rows, without reading
    the lots and the accounts again; an account without a custodian participant has no file."""
    custodied = accounts.filter(pl.col("participant_id").is_not_null()).select(
        "account_id",
        pl.col("account").alias("ZQZH"),
        pl.col("a_id_number").alias("ZJHM"),
        pl.col("unit_code").alias("XWDM"),
        pl.col("participant_code").alias("JSCY"),
        "participant_id",
    )
    lots = balances.filter(pl.col("security_id") == security.pk).select(
        "account_id",
        pl.col("share_nature").alias("GFXZ"),
        pl.col("lockup_end").alias("XSJZR"),
        pl.col("quantity").alias("CYSL"),
        pl.col("frozen").alias("DJSL"),
        pl.col("pledged").alias("ZYSL"),
    )
    return lots.join(custodied, on="account_id", how="inner").select(list(SCHEMA))


def gfbd_frame(
    *,
    business: Any,
    security: Security,
    day: dt.date,
    reference: str,
    events: pl.DataFrame | None,
    balances: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Every record of the business, all participants (FIELDS + participant_id), set-based: the
    events' net change per lot joined to the lots after it; for 06 every lot of the security with 0.
    ``balances``: the changed lots' balances after and their accounts, when the caller has them
    (``_lots_given``); otherwise they are read."""
    key = ["account_id", "GFXZ", "XSJZR"]
    if events is None:
        lots = _lots_after(security, None).with_columns(pl.lit(0, dtype=pl.Int64).alias("BDSL"))
    else:
        changed = (
            events.group_by(["account_id", "share_nature", "lockup_end"])
            .agg(pl.col("quantity_delta").sum().alias("BDSL"))
            .rename({"share_nature": "GFXZ", "lockup_end": "XSJZR"})
        )
        after = _lots_after(security, changed["account_id"]) if balances is None else _lots_given(security, *balances)
        lots = changed.join(after, on=key, how="inner", nulls_equal=True)
    return lots.with_columns(
        pl.lit(security.code).alias("ZQDM"),
        pl.lit(business.code).alias("YWLB"),
        pl.lit(reference).alias("YWBH"),
        pl.lit(day).alias("FSRQ"),
    ).sort(["JSCY", "ZQZH", "GFXZ", "XSJZR"], nulls_last=False)


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    dates = [f.name for f in FIELDS if f.type == "D"]
    text = (
        frame.select([f.name for f in FIELDS])
        .with_columns([pl.col(name).dt.strftime("%Y%m%d") for name in dates])
        .write_csv(line_terminator="\r\n")
    )  # null → empty
    return text.encode("gbk")


def holding_change_files_prepare(
    *,
    approval: Any,
    business: Any,
    security: Security,
    day: dt.date,
    events: pl.DataFrame | None = None,
    balances: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> list[HoldingChangeFile]:
    """The files of one applied business, written (staged: csdp/lib/dbf.write_atomically) and their
    rows made but not saved. Touches no database, so it may run in a thread beside the business's own
    statements (csdp.register.issuer_businesses); ``holding_change_files_record`` saves the rows."""
    reference = str(approval.key)[:40]
    frame = gfbd_frame(
        business=business, security=security, day=day, reference=reference, events=events, balances=balances
    )
    root = Path(settings.CSDP_FILES_DIR)
    written = []
    for (participant_id, code), rows in frame.group_by(["participant_id", "JSCY"], maintain_order=True):
        folder = root / f"{day:%Y%m%d}" / code
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{FILE_TYPE}{security.code}_{approval.pk}"
        dbf = dbf_file_bytes(FIELDS, dbf_records(FIELDS, rows.select([f.name for f in FIELDS])), on=day)
        for file_format, data in (("dbf", dbf), ("csv", _csv_bytes(rows))):
            path = folder / f"{stem}.{file_format}"
            write_atomically(path, data)
            written.append(
                HoldingChangeFile(
                    participant_id=participant_id,
                    security=security,
                    business=business.code,
                    reference=reference,
                    file_format=file_format,
                    path=str(path.relative_to(root)),
                    sha256=hashlib.sha256(data).hexdigest(),
                    rows=rows.height,
                    business_date=day,
                )
            )
    return written


def holding_change_files_record(approval: Any, written: list[HoldingChangeFile]) -> int:
    """Save the rows of the files ``holding_change_files_prepare`` wrote (a rerun's replace the
    earlier ones); returns how many files."""
    HoldingChangeFile.objects.filter(reference=str(approval.key)[:40]).delete()
    HoldingChangeFile.objects.bulk_create(written)
    return len(written)


def holding_change_files_recover(day: dt.date, out: object = None) -> list[EodLine]:
    """The end of day's first register job: files whose business committed while the process died
    before their renames (csdp/lib/publish.py) are put in place when their .part holds exactly the
    recorded bytes; the others stay unpublished (their business rolled back and runs again)."""
    records = HoldingChangeFile.objects.values_list("path", "sha256")
    recovered = publish_pending(Path(settings.CSDP_FILES_DIR), records.iterator())
    return [EodLine("register", f"持股变动数据文件 {recovered} 个", "已补发")] if recovered else []


def interfaces_md() -> list[str]:
    """The section of docs/interfaces.md (appended by csdp.ipo.interfaces)."""
    types = {"C": "字符 C", "N": "数值 N", "D": "日期 D（YYYYMMDD）"}

    def table(fields: Iterable[Field]) -> list[str]:
        lines = ["| 序号 | 字段名 | 类型 | 宽度 | 小数 | 含义 |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {n} | `{f.name}` | {types[f.type]} | {f.length} | {f.decimals} | {f.title} |"
            for n, f in enumerate(fields, start=1)
        ]
        return lines + [""]

    return [
        "## 8. The issuer's register businesses (out)",
        "",
        "Downloaded from 持股变动数据文件 (`/register/files/`, participant page) or",
        "`GET /api/v1/register/files` and `GET /api/v1/register/files/{file_id}/content`; each participant",
        "sees only its own.",
        "",
        f"### {FILE_TYPE} — 持股变动数据",
        "",
        f"发送时间：{WHEN}；依据：seed 000 §一(四)，rules.md §11；记录：本业务涉及的、该参与人托管的每个持有明细一条。",
        f"文件名：`{FILE_NAME}`。",
        "",
        *table(FIELDS),
        "### 证券持有人名册 (DBF) — 信息查询",
        "",
        "发行人（本机构证券）与本公司人员在 信息查询 / `GET /api/v1/register/securities/{code}/holders?as_of=&top=&format=dbf`",
        "即时下载；记录：截至查询日日终每个持有明细一条（由登记变动记录重放）。同时提供 Excel（含占登记股本比例与合计行）。",
        "",
        *table(_dbf_fields()),
    ]


@day_files_source
def participant_day_files(participant: ParticipantProfile, day: dt.date) -> list[DayFile]:
    """The GFBD files published to ``participant`` for ``day`` (the day's manifest)."""
    return [
        DayFile(
            "register", f.pk, f.path, "GFBD", f.file_format, f.rows, f.sha256, f"/api/v1/register/files/{f.pk}/content"
        )
        for f in HoldingChangeFile.objects.filter(participant=participant, business_date=day).order_by("pk")
    ]
