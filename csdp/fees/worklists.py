"""待办 rows for the office (money to confirm, invoices to issue) and 申请列表 rows for payers."""

from __future__ import annotations

from django.urls import reverse

from csdp.accounts.roles import Role, role_of
from csdp.clock.services import business_today
from csdp.fees.models import PaymentNotice
from csdp.fees.selectors import office_queue
from csdp.fees.states import NoticeStatus
from csdp.accounts.worklists import WorkItem, register_my_applications, register_staff_queue

KIND = "付款通知"


def _url(notice) -> str:
    return reverse("fees:notice_detail", kwargs={"fee_notice_id": notice.pk})


def _unpaid(notice) -> str:
    if notice.due_date < business_today():
        return f"逾期未缴（{notice.due_date:%Y-%m-%d} 到期）"
    return f"待缴费（截止 {notice.due_date:%Y-%m-%d}）"


def office_items(user):
    if role_of(user) not in (Role.OPERATOR, Role.ADMIN):
        return []
    items = []
    for notice in office_queue():
        if notice.status == NoticeStatus.PAID:
            status, urgent = "已到账，待开票", True
        else:
            status, urgent = ("付款方已申报付款，待确认到账" if notice.declared else _unpaid(notice)), notice.declared
        items.append(
            WorkItem(
                kind=KIND,
                title=f"{notice.number} {notice.payer.name}",
                status=status,
                updated_at=notice.updated_at,
                url=_url(notice),
                needs_action=urgent,
            )
        )
    return items


def payer_items(user):
    if role_of(user) not in (Role.ISSUER, Role.UNDERWRITER):
        return []
    unpaid = PaymentNotice.objects.visible_to(user).filter(status=NoticeStatus.ISSUED).order_by("due_date", "pk")
    return [
        WorkItem(
            kind=KIND,
            title=f"{n.number} {n.reference_label}",
            status=_unpaid(n),
            updated_at=n.updated_at,
            url=_url(n),
            needs_action=True,
        )
        for n in unpaid
    ]


register_staff_queue(office_items)
register_my_applications(payer_items)
