"""QLBD — the participants' daily file of rights-restriction changes on their clients' holdings
(pledges registered and released, freezes taking effect and ending (partly or wholly), court
deductions, non-trade transfers, and a 权益分派's bonus shares registered pledged or frozen with the
pledge or freeze they follow — csdp.dividend.accrual), one DBF
(GBK) and one CSV (GBK, same columns) per participant and business day, documented in
docs/interfaces.md. Built from the register's events of the day with our key prefix, so the file
says exactly what the register changed. Files are written aside and moved into place only after the
database commits the rows that name them (a crash never shows a file the database does not know)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from csdp.lib.publish import publish_pending

from csdp.lib.dbf import Field, write_dbf
from csdp.register.models import EventType, RegistrationEvent
from csdp.restrictions.holdings import encumbrance_events
from csdp.restrictions.models import RestrictionFile
from csdp.restrictions.services_deduct import NUMBER_PREFIX as DEDUCTION_PREFIX
from csdp.securities.day_files import DayFile, day_files_source
from csdp.securities.models import ParticipantProfile

FILE_TYPE = "QLBD"
TITLE = "证券权利限制变动数据"
RECORD_TYPES = {  # (event type, sign of the change) → record type
    (EventType.PLEDGE, 1): ("ZY", "质押登记"),
    (EventType.PLEDGE_RELEASE, -1): ("JY", "解除质押"),
    (EventType.FREEZE, 1): ("DJ", "司法冻结生效（含轮候冻结生效）"),
    (EventType.UNFREEZE, -1): ("JD", "解除冻结（含期满解除）"),
    (EventType.NON_TRADE_TRANSFER, -1): ("GC", "非交易过户转出"),
    (EventType.NON_TRADE_TRANSFER, 1): ("GR", "非交易过户转入"),
    ("deduct", -1): ("KC", "司法扣划转出"),
    ("deduct", 1): ("KR", "司法扣划转入"),
    ("bonus_pledged", 1): ("SZ", "送转股随质押登记"),
    ("bonus_frozen", 1): ("SD", "送转股随司法冻结"),
}
FIELDS = (
    Field("JLLX", "C", 2, title="记录类型：" + "，".join(f"{c} {t}" for c, t in RECORD_TYPES.values())),
    Field("YWBH", "C", 20, title="业务编号（质押登记 ZY…、冻结 DJ…、过户 GH…、扣划 KH…；送转股 QY 加权益分派编号）"),
    Field("ZQDM", "C", 6, title="证券代码"),
    Field("JSCY", "C", 10, title="结算参与人代码"),
    Field("XWDM", "C", 6, title="托管单元代码"),
    Field("GDDM", "C", 10, title="证券账户号码"),
    Field("GFXZ", "C", 2, title="股份性质（00 无限售流通股，05/06 限售流通股）"),
    Field("XSJZ", "C", 8, title="限售截止日 YYYYMMDD，无限售为空"),
    Field("BDSL", "N", 16, title="变动数量（股），正数"),
    Field("RQ", "D", 8, title="业务日期"),
)
WHEN = "每个交易日日终（`csdp eod run` 的 restrictions 步骤），当日有变动的结算参与人各一份"


def day_rows(day: dt.date) -> dict[str, list[dict]]:
    """The day's records per participant code, in event order: our events, and the bonus events that
    registered shares pledged or frozen (one record for each of the two parts)."""
    events = (
        RegistrationEvent.objects.filter(encumbrance_events(), business_date=day, account__custody_unit__isnull=False)
        .order_by("pk")
        .values_list(
            "event_type",
            "key",
            "quantity_delta",
            "frozen_delta",
            "pledged_delta",
            "memo",
            "security__code",
            "account__custody_unit__participant__code",
            "account__custody_unit__code",
            "account__number",
            "share_nature",
            "lockup_end",
        )
    )
    out: dict[str, list[dict]] = {}
    for kind, key, q, fr, pl_, memo, code, participant, unit, account, nature, lockup in events:
        for record, number, quantity in _records_of(kind, key, q, fr, pl_, memo):
            out.setdefault(participant, []).append(
                {
                    "JLLX": record[0],
                    "YWBH": number[:20],
                    "ZQDM": code,
                    "JSCY": participant,
                    "XWDM": unit,
                    "GDDM": account,
                    "GFXZ": nature,
                    "XSJZ": lockup.strftime("%Y%m%d") if lockup else "",
                    "BDSL": quantity,
                    "RQ": day,
                }
            )
    return out


def _records_of(kind: str, key: str, q: int, fr: int, pl_: int, memo: str) -> list[tuple[tuple[str, str], str, int]]:
    """(record type, business number, quantity) of one event: one record, or none for a change the file
    does not carry; a bonus event one for its pledged part and one for its frozen part."""
    if kind == EventType.BONUS:
        number = "QY" + key.split(":")[1]  # div:<distribution>:<account>:<nature>:<lock-up end>
        parts = (("bonus_pledged", pl_), ("bonus_frozen", fr))
        return [(RECORD_TYPES[(part, 1)], number, shares) for part, shares in parts if shares > 0]
    delta = q or fr or pl_
    if kind == EventType.NON_TRADE_TRANSFER and memo.startswith(DEDUCTION_PREFIX):
        kind = "deduct"  # a court's deduction moves shares like a transfer; participants must tell them apart
    record = RECORD_TYPES.get((kind, 1 if delta > 0 else -1))
    return [] if record is None else [(record, memo, abs(delta))]


def _csv_bytes(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.name for f in FIELDS])
    for row in rows:
        writer.writerow([row[f.name].strftime("%Y%m%d") if f.type == "D" else row[f.name] for f in FIELDS])
    return buffer.getvalue().encode("gbk")


def files_publish(*, day: dt.date) -> int:
    """Write the day's files (idempotent: a rerun writes the same bytes and the same rows)."""
    root = Path(settings.CSDP_FILES_DIR)
    # A crash between an earlier run's commit and its renames left recorded files as .part (issue 20 §7).
    publish_pending(root, RestrictionFile.objects.values_list("path", "sha256").iterator())
    per_participant = day_rows(day)
    participants = dict(ParticipantProfile.objects.filter(code__in=per_participant).values_list("code", "pk"))
    moves = []
    with transaction.atomic():
        for code, rows in sorted(per_participant.items()):
            folder = Path("restrictions") / day.strftime("%Y%m%d") / code
            (root / folder).mkdir(parents=True, exist_ok=True)
            dbf = io.BytesIO()
            write_dbf(dbf, FIELDS, rows, on=day)
            for file_format, data in (("dbf", dbf.getvalue()), ("csv", _csv_bytes(rows))):
                relative = folder / f"{FILE_TYPE}{day:%Y%m%d}.{file_format}"
                aside = root / relative.with_suffix(f".{file_format}.part")
                aside.write_bytes(data)
                moves.append((aside, root / relative))
                RestrictionFile.objects.update_or_create(
                    participant_id=participants[code],
                    business_date=day,
                    file_format=file_format,
                    defaults={"path": str(relative), "sha256": hashlib.sha256(data).hexdigest(), "rows": len(rows)},
                )
        transaction.on_commit(lambda: [os.replace(a, b) for a, b in moves])
    return len(moves)


@day_files_source
def participant_day_files(participant: ParticipantProfile, day: dt.date) -> list[DayFile]:
    """The QLBD files published to ``participant`` for ``day`` (the day's manifest)."""
    return [
        DayFile(
            "restrictions",
            f.pk,
            f.path,
            "QLBD",
            f.file_format,
            f.rows,
            f.sha256,
            f"/api/v1/restrictions/files/{f.pk}/content",
        )
        for f in RestrictionFile.objects.filter(participant=participant, business_date=day).order_by("pk")
    ]
