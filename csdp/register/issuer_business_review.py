"""How the issuer's register businesses (01–04, 06; csdp.register.issuer_businesses) read to people once the
counter application is accepted: the reviewer's page of the four-eyes approval (``business_describe``), the
application's 办理结果 lines for the issuer and staff (``business_progress``), a reviewer's rejection sent
back to the issuer (``business_rejected``) and the issuer's notice when the effect is on the register
(``business_effected``). The payload keeps the keys ``business_apply`` reads; none is shown as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from csdp.approvals.kinds import Shown
from csdp.approvals.models import Approval, Status as ApprovalStatus
from csdp.counter.handling import application_return_on_review
from csdp.counter.models import Application, ApplicationFile, FilePurpose
from csdp.counter.notices import notify_filer_effected
from csdp.register.issuer_businesses import BUSINESSES, EXIT, KIND, Business
from csdp.register.models import ShareNature
from csdp.securities.models import Security, SecurityStatus

ROWS_SHOWN = 20  # the reviewer reads the first rows here; all of them in the sheet (申报文件)
ROW_COLUMNS = ("行号", "证券账户", "持有人名称", "股份性质", "限售截止日", "股份数量（股）")


def _application(approval: Any) -> Application | None:
    return (
        Application.objects.select_related("filer_institution", "business_type")
        .filter(pk=approval.payload.get("application"))
        .first()
    )


def _sheet(approval: Any, application: Application | None) -> ApplicationFile | None:
    """The data sheet of the round the approval was prepared from (its key ends in the round's number)."""
    if application is None:
        return None
    number = approval.key.rpartition(":")[2]
    files = ApplicationFile.objects.select_related("stored_file").filter(
        application=application, purpose=FilePurpose.DATA
    )
    return files.filter(round__number=int(number)).first() if number.isdigit() else None


def _nature(code: str) -> str:
    return ShareNature(code).label if code in ShareNature.values else code


def _rows_line(rows: list[list[Any]], sheet_href: str) -> Shown:
    """The sheet's rows as a table (SheetRow.as_json: row, account, name, ID type, ID number, quantity,
    nature, lock-up end); a long sheet shows its first rows and says where the rest are."""
    total = sum(int(r[5]) for r in rows)
    value = f"共 {len(rows):,} 行，合计 {total:,} 股"
    if len(rows) > ROWS_SHOWN:
        value += f"；下表列出前 {ROWS_SHOWN} 行，其余 {len(rows) - ROWS_SHOWN:,} 行见申报文件"
    table = tuple((str(r[0]), r[1], r[2], _nature(r[6]), r[7] or "—", f"{int(r[5]):,}") for r in rows[:ROWS_SHOWN])
    href = sheet_href if len(rows) > ROWS_SHOWN else ""
    return Shown("持有明细", value, href, columns=ROW_COLUMNS, rows=table, numeric=frozenset({0, 5}))


def _result_lines(business: Business, result: dict[str, Any]) -> list[Shown]:
    if not result:
        return []
    lines = []
    if business is EXIT:
        status = result.get("status", "")
        lines.append(Shown("证券状态", SecurityStatus(status).label if status in SecurityStatus.values else "—"))
    else:
        lines.append(Shown("登记变动", f"{business.label} {int(result.get('shares') or 0):,} 股"))
        if result.get("issued_shares") is not None:
            lines.append(Shown("已登记股本", f"{int(result['issued_shares']):,} 股"))
    lines.append(Shown("持股变动数据文件", f"{int(result.get('files') or 0):,} 个"))
    return lines


def business_describe(approval: Any) -> list[Shown]:
    """The approval as the reviewer reads it: who, which security, what, when, the rows, and once applied
    the register's answer (csdp.approvals ``describe``)."""
    p = approval.payload
    business = BUSINESSES[p["business"]]
    security = Security.objects.select_related("issuer").filter(pk=p["security_id"]).first()
    application = _application(approval)
    issuer = application.filer_institution if application is not None else getattr(security, "issuer", None)
    lines = [
        Shown("发行人", issuer.name if issuer is not None else "—"),
        Shown("证券", f"{p['security']} {security.name if security else ''}".strip()),
        Shown("业务", f"{business.code} {business.label}"),
        Shown("登记生效日", p["effective_date"]),
    ]
    if business is EXIT:
        lines.append(Shown("退出原因", p.get("reason") or "—"))
    if p.get("declared") is not None:
        lines.append(Shown(business.declared_label.removesuffix("（股）"), f"{int(p['declared']):,} 股"))
    sheet = _sheet(approval, application)
    sheet_href = reverse("counter:file_download", args=[sheet.pk]) if sheet is not None else ""
    if p.get("rows"):
        lines.append(_rows_line(p["rows"], sheet_href))
    if sheet is not None:
        lines.append(Shown("申报文件", sheet.stored_file.original_name, sheet_href))
    if application is not None:
        lines.append(
            Shown(
                "虚拟柜台申请",
                f"{application.reference}（查看申请及附件）",
                reverse("counter:detail", args=[application.pk]),
            )
        )
    return lines + _result_lines(business, approval.result or {})


def outcome_text(business: Business, effective: dt.date, result: dict[str, Any]) -> str:
    """What the register did, in the issuer's words (the notice and the application page)."""
    if business is EXIT:
        return f"已于 {effective:%Y-%m-%d} 办理退出登记，证券状态为“已退出登记”，最终持有人名册已出具"
    text = f"已于 {effective:%Y-%m-%d} 记载于证券持有人名册（{business.label} {int(result.get('shares') or 0):,} 股）"
    if result.get("issued_shares") is not None:
        text += f"，登记股本 {int(result['issued_shares']):,} 股"
    return text


def business_effected(approval: Any, business: Business, effective: dt.date, result: dict[str, Any]) -> None:
    """Inside ``business_apply``'s transaction: the issuer is told the business is on the register."""
    application = _application(approval)
    if application is not None:
        notify_filer_effected(application, outcome=outcome_text(business, effective, result))


def business_rejected(approval: Any, *, by: Any, reason: str) -> None:
    """csdp.approvals ``on_reject``: the counter application goes back to the issuer with the reason."""
    application = Application.objects.filter(pk=approval.payload.get("application")).first()
    if application is not None:
        application_return_on_review(application=application, actor=by, reason=reason)


def business_progress(application: Any) -> list[tuple[str, str]]:
    """The application's 办理结果 lines: where its latest approval stands."""
    approval = (
        Approval.objects.filter(kind=KIND, subject_type="counter.application", subject_id=str(application.pk))
        .order_by("-pk")
        .first()
    )
    if approval is None:
        return []
    business = BUSINESSES[approval.payload["business"]]
    effective = dt.date.fromisoformat(approval.payload["effective_date"])
    status = approval.status
    if status == ApprovalStatus.APPLIED:
        return [("办理结果", outcome_text(business, effective, approval.result or {}))]
    if status == ApprovalStatus.REJECTED:
        last = approval.transitions.filter(to_state=ApprovalStatus.REJECTED).order_by("-pk").first()
        return [("登记复核", f"复核未通过，{last.reason}" if last and last.reason else "复核未通过")]
    then = "办理退出登记" if business is EXIT else "记载于证券持有人名册"
    words = {
        ApprovalStatus.PREPARED: "已受理，待本公司复核",
        ApprovalStatus.APPROVED: f"已复核通过，将于生效日 {effective:%Y-%m-%d} {then}",
        ApprovalStatus.FAILED: "已复核通过；登记生效日执行未成功，本公司正在核对处理",
        ApprovalStatus.CANCELLED: "本公司已撤回复核，正在重新办理",
    }
    return [("登记复核", words.get(status, ""))] if status in words else []
