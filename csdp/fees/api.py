"""Fees over JSON: a payer's own notices (with lines) and invoices; staff see all. Reads only."""

import datetime as dt

from ninja import Query, Router, Schema

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.fees.models import Invoice
from csdp.fees.selectors import notice_detail_qs, notices_for
from csdp.lib.cursor import CursorIn, cursor_page, page_of

router = Router(tags=["收费与发票"])
READERS = (Role.ISSUER, Role.UNDERWRITER, STAFF)


class LineOut(Schema):
    item_code: str
    item_name: str
    base: str
    base_value: int
    rate: str
    amount_fen: int
    exempt_reason: str
    is_example: bool


class NoticeOut(Schema):
    id: int
    number: str
    payer: str
    reference_type: str
    reference_id: str
    reference_label: str
    total_fen: int
    issued_on: dt.date
    due_date: dt.date
    status: str
    status_label: str
    invoice_number: str | None


class NoticeDetailOut(NoticeOut):
    lines: list[LineOut]


class InvoiceOut(Schema):
    id: int
    number: str
    notice_number: str
    invoice_type: str
    invoice_type_label: str
    delivery: str
    total_fen: int
    net_fen: int
    tax_fen: int
    tax_rate: str
    title: str
    taxpayer_id: str
    issued_on: dt.date


def _notice(n) -> dict:
    invoice = getattr(n, "invoice", None) if n.status == "invoiced" else None
    return {
        "id": n.pk,
        "number": n.number,
        "payer": n.payer.name,
        "reference_type": n.reference_type,
        "reference_id": n.reference_id,
        "reference_label": n.reference_label,
        "total_fen": n.total_fen,
        "issued_on": n.issued_on,
        "due_date": n.due_date,
        "status": n.status,
        "status_label": n.get_status_display(),
        "invoice_number": invoice.number if invoice else None,
    }


@router.get("/notices", response=page_of(NoticeOut), summary="付款通知列表（本机构；本公司人员可见全部；游标分页）")
@allow(*READERS)
def fees_notices(request, page: Query[CursorIn], status: str = ""):
    return cursor_page(notices_for(request.user, status=status).select_related("payer"), page, out=_notice)


@router.get("/notices/{fee_notice_id}", response=NoticeDetailOut, summary="付款通知详情（含收费明细）")
@allow(*READERS)
def fees_notice(request, fee_notice_id: int):
    notice = access_object(request.user, notice_detail_qs(), pk=fee_notice_id)
    lines = [
        {
            "item_code": x.item_code,
            "item_name": x.item_name,
            "base": x.base,
            "base_value": x.base_value,
            "rate": str(x.rate),
            "amount_fen": x.amount_fen,
            "exempt_reason": x.exempt_reason,
            "is_example": x.is_example,
        }
        for x in notice.lines.all()
    ]
    return {**_notice(notice), "lines": lines}


@router.get("/invoices", response=page_of(InvoiceOut), summary="发票列表（本机构；本公司人员可见全部；游标分页）")
@allow(*READERS)
def fees_invoices(request, page: Query[CursorIn]):
    return cursor_page(Invoice.objects.visible_to(request.user).select_related("notice"), page, out=_invoice)


def _invoice(i) -> dict:
    return {
        "id": i.pk,
        "number": i.number,
        "notice_number": i.notice.number,
        "invoice_type": i.invoice_type,
        "invoice_type_label": i.invoice_type_label,
        "delivery": i.delivery,
        "total_fen": i.total_fen,
        "net_fen": i.net_fen,
        "tax_fen": i.tax_fen,
        "tax_rate": str(i.tax_rate),
        "title": i.title,
        "taxpayer_id": i.taxpayer_id,
        "issued_on": i.issued_on,
    }
