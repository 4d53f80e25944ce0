"""Fee reads."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch

from csdp.fees.models import FeeSchedule, PaymentDeclaration, PaymentNotice
from csdp.fees.states import NoticeStatus
from django.conf import settings


def schedule_rows():
    """Every version, current ones first within each item."""
    return FeeSchedule.objects.order_by("code", "-effective_from", "-id")


def notices_for(user, *, status: str = ""):
    qs = PaymentNotice.objects.visible_to(user).select_related("payer", "invoice")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_on", "-id")


def notice_detail_qs():
    return PaymentNotice.objects.select_related("payer", "issued_by").prefetch_related(
        "lines",
        "payments",
        Prefetch("declarations", queryset=PaymentDeclaration.objects.select_related("declared_by")),
        "transitions",
    )


def office_queue():
    """Notices staff must act on: money to confirm (issued) and invoices to issue (paid)."""
    declared = PaymentDeclaration.objects.filter(notice=OuterRef("pk"))
    return (
        PaymentNotice.objects.filter(status__in=[NoticeStatus.ISSUED, NoticeStatus.PAID])
        .select_related("payer")
        .annotate(declared=Exists(declared))
        .order_by("due_date", "pk")
    )


DEFAULT_PAYEE = {
    "name": "中国证券登记结算有限责任公司北京分公司",
    "bank": "（示例）开户银行以本公司书面通知为准",
    "account": "（示例）0000 0000 0000 0000 000",
    "is_example": True,
}


def payee_details() -> dict:
    """The depository's receiving bank account shown on notices (settings.CSDP_FEES_PAYEE).
    The real account is not public; the default is labelled as an example."""
    return dict(getattr(settings, "CSDP_FEES_PAYEE", DEFAULT_PAYEE))
