"""信息查询 delivered at once (rules.md §11; seed 000 §一(四)): the 证券持有人名册 as of a day's end (full or
top N) and the 持股变动 between two days, as Excel or DBF, for the issuer's own securities and for staff —
no operator in the loop — each delivery kept as a RosterQuery (who asked what, when, the file's hash)
and an audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.counter.selectors import securities_codes_for
from csdp.lib.dbf import Field, write_dbf
from csdp.lib.errors import CsdpError
from csdp.register.models import RosterQuery
from csdp.register.roster import roster_as_of, roster_dbf, roster_xlsx
from csdp.register.selectors import HoldingChanges, holding_changes
from csdp.securities.models import Security
from openpyxl import Workbook

CHANGES_MAX = 50_000  # rows of one 持股变动 delivery; a longer period is asked for in parts


class RosterRefused(CsdpError):
    code = "register.query_refused"
    status = 403


@dataclass(frozen=True)
class Delivery:
    name: str
    content: bytes
    content_type: str
    rows: int


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DBF = "application/x-dbf"


def check_may_query(*, user: Any, security: Security) -> None:
    """Staff see every security; an issuer only its own codes (its issuer record's claimed codes,
    which registration checks against the securities master)."""
    if getattr(user, "staff_role", None):
        return

    institution = getattr(user, "institution", None)
    if (
        institution is None
        or security.code not in securities_codes_for(institution)
        or (security.issuer_id is not None and security.issuer_id != institution.pk)
    ):
        raise RosterRefused(f"证券 {security.code} 不是本机构的证券，不能查询其持有人名册。")


def _changes_xlsx(security: Security, changes: HoldingChanges) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("持股变动")
    sheet.append([f"{security.code} {security.name} 持股变动"])
    sheet.append(
        [
            "变动日期",
            "变动类型",
            "证券代码",
            "证券账户",
            "持有人名称",
            "股份性质",
            "限售截止日",
            "持有数量变动（股）",
            "冻结数量变动（股）",
            "质押数量变动（股）",
            "变动后持有（股）",
            "变动后冻结（股）",
            "变动后质押（股）",
        ]
    )
    for c in changes.rows:
        sheet.append(
            [
                c.business_date.isoformat(),
                c.event_label,
                c.security_code,
                c.account_number,
                c.holder_name,
                c.share_nature,
                c.lockup_end.isoformat() if c.lockup_end else "",
                c.quantity_delta,
                c.frozen_delta,
                c.pledged_delta,
                c.quantity_after,
                c.frozen_after,
                c.pledged_after,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _changes_dbf(changes: HoldingChanges, on: dt.date) -> bytes:
    fields = [
        Field("BDRQ", "D", 8),
        Field("BDLX", "C", 16),
        Field("ZQDM", "C", 6),
        Field("ZQZH", "C", 10),
        Field("GFXZ", "C", 2),
        Field("XSJZR", "D", 8),
        Field("BDSL", "N", 16),
        Field("DJBD", "N", 16),
        Field("ZYBD", "N", 16),
        Field("CYSL", "N", 15),
        Field("DJSL", "N", 15),
        Field("ZYSL", "N", 15),
    ]
    out = io.BytesIO()
    write_dbf(
        out,
        fields,
        (
            {
                "BDRQ": c.business_date,
                "BDLX": c.event_type,
                "ZQDM": c.security_code,
                "ZQZH": c.account_number,
                "GFXZ": c.share_nature,
                "XSJZR": c.lockup_end,
                "BDSL": c.quantity_delta,
                "DJBD": c.frozen_delta,
                "ZYBD": c.pledged_delta,
                "CYSL": c.quantity_after,
                "DJSL": c.frozen_after,
                "ZYSL": c.pledged_after,
            }
            for c in changes.rows
        ),
        on=on,
    )
    return out.getvalue()


def roster_deliver(
    *,
    user: Any,
    security: Security,
    kind: str,
    as_of: dt.date,
    file_format: str,
    top: int | None = None,
    date_from: dt.date | None = None,
) -> Delivery:
    """Build the file and record who asked for it. Refuses another issuer's code and future days."""
    check_may_query(user=user, security=security)
    if as_of > business_today():
        raise CsdpError("查询日期不能晚于今天（名册为该日日终的数据）。", code="register.query_future")
    if file_format not in ("xlsx", "dbf"):
        raise CsdpError("请选择 Excel 或 DBF 格式。", code="register.query_format")
    stem = f"{security.code}_{as_of:%Y%m%d}"
    if kind == RosterQuery.Kind.HOLDERS:
        roster = roster_as_of(security=security, as_of=as_of, top=top)
        content = roster_xlsx(roster) if file_format == "xlsx" else roster_dbf(roster)
        rows, name = roster.lots.height, f"{stem}_证券持有人名册{'_前' + str(top) + '名' if top else ''}.{file_format}"
    elif kind == RosterQuery.Kind.CHANGES:
        if date_from is None or date_from > as_of:
            raise CsdpError("持股变动须填写起始日期，且不晚于截止日期。", code="register.query_period")
        changes = holding_changes(security=security, date_from=date_from, date_to=as_of, limit=CHANGES_MAX)
        if changes.truncated:
            raise CsdpError(
                f"该期间的变动记录超过 {CHANGES_MAX:,} 条，请缩短期间后分次查询。", code="register.query_too_long"
            )
        content = _changes_xlsx(security, changes) if file_format == "xlsx" else _changes_dbf(changes, as_of)
        rows, name = len(changes.rows), f"{security.code}_{date_from:%Y%m%d}-{as_of:%Y%m%d}_持股变动.{file_format}"
    else:
        raise CsdpError("未知的查询类型。", code="register.query_kind")
    with transaction.atomic():
        record = RosterQuery.objects.create(
            kind=kind,
            security=security,
            as_of=as_of,
            date_from=date_from,
            top=top,
            file_format=file_format,
            rows=rows,
            sha256=hashlib.sha256(content).hexdigest(),
            asked_by=user,
            institution_id=getattr(user, "institution_id", None),
            asked_at=clock_now(),
        )
        audit_record(
            actor=user,
            obj=record,
            action="register.query",
            data={
                "security": security.code,
                "kind": kind,
                "as_of": as_of.isoformat(),
                "top": top,
                "rows": rows,
                "format": file_format,
            },
        )
    return Delivery(name, content, XLSX if file_format == "xlsx" else DBF, rows)
