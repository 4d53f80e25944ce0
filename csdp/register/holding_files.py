"""GFBD 持股变动数据 — the file custodian participants read to learn what an issuer business changed in
their clients' holdings (rules.md §8 conventions: DBF, GBK, field names ≤ 10 characters, with a CSV
twin; layout in docs/interfaces.md, generated from FIELDS below).

One file pair per business and participant: every lot the business touched in an account the
participant keeps (custody unit → participant), with the business's net change of the lot and the
lot's balances after it; for 06 退出登记 every lot of the security, unchanged, marked 06.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

from django.conf import settings

from csdp.lib.dbf import Field, write_atomically, write_dbf
from csdp.register.models import HoldingChangeFile, Position

FILE_TYPE = "GFBD"
FIELDS = (
    Field("ZQDM", "C", 6, title="证券代码"),
    Field("YWLB", "C", 2, title="业务类别：01 股份初始登记，02 新增股份登记，03 股份解除限售登记，04 股份限售登记，06 退出登记"),
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


def _records(*, business, security, day: dt.date, reference: str, changed: dict[tuple, int] | None):
    """(participant id, code, record) for each lot: ``changed`` maps (account_id, nature, lockup_end) to
    the business's net change; None means every lot of the security (06)."""
    lots = Position.objects.filter(security=security).select_related(
        "account__investor", "account__custody_unit__participant")
    if changed is not None:
        lots = lots.filter(account_id__in={lot[0] for lot in changed})
    for p in lots.order_by("account__number", "share_nature", "lockup_end").iterator(chunk_size=10_000):
        key = (p.account_id, p.share_nature, p.lockup_end)
        if changed is not None and key not in changed:
            continue
        if changed is None and p.quantity == 0:
            continue
        unit = p.account.custody_unit
        if unit is None:  # no custodian to tell
            continue
        yield unit.participant_id, unit.participant.code, {
            "ZQDM": security.code, "YWLB": business.code, "YWBH": reference, "JSCY": unit.participant.code,
            "XWDM": unit.code, "ZQZH": p.account.number, "ZJHM": p.account.investor.id_number,
            "GFXZ": p.share_nature, "XSJZR": p.lockup_end, "BDSL": changed[key] if changed is not None else 0,
            "CYSL": p.quantity, "DJSL": p.frozen, "ZYSL": p.pledged, "FSRQ": day}


def _csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in FIELDS])
    for row in rows:
        writer.writerow([(row[f.name].strftime("%Y%m%d") if row[f.name] else "") if f.type == "D" else row[f.name]
                         for f in FIELDS])
    return out.getvalue().encode("gbk")


def holding_change_files_write(*, approval, business, security, day: dt.date, prefix: str) -> int:
    """Write and record the files of one applied business; returns how many files. Rewriting them
    (a rerun) replaces the files and their rows."""
    from csdp.register.models import RegistrationEvent

    changed = None
    if business.event_type is not None:
        changed = {}
        # The business's own events, by their key prefix; summed per lot.
        for account_id, nature, end, delta in RegistrationEvent.objects.filter(
                security=security, key__startswith=prefix + ":").values_list(
                "account_id", "share_nature", "lockup_end", "quantity_delta").iterator(chunk_size=20_000):
            changed[(account_id, nature, end)] = changed.get((account_id, nature, end), 0) + delta
    by_participant: dict[tuple, list] = {}
    reference = str(approval.key)[:40]
    for participant_id, code, record in _records(business=business, security=security, day=day,
                                                 reference=reference, changed=changed):
        by_participant.setdefault((participant_id, code), []).append(record)
    root = Path(settings.CSDP_FILES_DIR)
    written = []
    for (participant_id, code), rows in sorted(by_participant.items(), key=lambda x: x[0][1]):
        folder = root / f"{day:%Y%m%d}" / code
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{FILE_TYPE}{security.code}_{approval.pk}"
        dbf = io.BytesIO()
        write_dbf(dbf, FIELDS, rows, on=day)
        for file_format, data in (("dbf", dbf.getvalue()), ("csv", _csv_bytes(rows))):
            path = folder / f"{stem}.{file_format}"
            write_atomically(path, data)
            written.append(HoldingChangeFile(
                participant_id=participant_id, security=security, business=business.code, reference=reference,
                file_format=file_format, path=str(path.relative_to(root)), sha256=hashlib.sha256(data).hexdigest(),
                rows=len(rows), business_date=day))
    HoldingChangeFile.objects.filter(reference=reference).delete()
    HoldingChangeFile.objects.bulk_create(written)
    return len(written)


def interfaces_md() -> list[str]:
    """The section of docs/interfaces.md (appended by csdp.ipo.interfaces)."""
    from csdp.register.roster import _dbf_fields

    types = {"C": "字符 C", "N": "数值 N", "D": "日期 D（YYYYMMDD）"}

    def table(fields) -> list[str]:
        lines = ["| 序号 | 字段名 | 类型 | 宽度 | 小数 | 含义 |", "|---|---|---|---|---|---|"]
        lines += [f"| {n} | `{f.name}` | {types[f.type]} | {f.length} | {f.decimals} | {f.title} |"
                  for n, f in enumerate(fields, start=1)]
        return lines + [""]

    return ["## 8. The issuer's register businesses (out)", "",
            "Downloaded from 持股变动数据文件 (`/register/files/`, participant page) or",
            "`GET /api/v1/register/files` and `GET /api/v1/register/files/{file_id}/content`; each participant",
            "sees only its own.", "",
            f"### {FILE_TYPE} — 持股变动数据", "",
            f"发送时间：{WHEN}；依据：seed 000 §一(四)，rules.md §11；记录：本业务涉及的、该参与人托管的每个持有明细一条。",
            f"文件名：`{FILE_NAME}`。", "", *table(FIELDS),
            "### 证券持有人名册 (DBF) — 信息查询", "",
            "发行人（本机构证券）与本公司人员在 信息查询 / `GET /api/v1/register/securities/{code}/holders?as_of=&top=&format=dbf`",
            "即时下载；记录：截至查询日日终每个持有明细一条（由登记变动记录重放）。同时提供 Excel（含占登记股本比例与合计行）。", "",
            *table(_dbf_fields())]
