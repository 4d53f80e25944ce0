"""Fee display: integer fen as yuan, a rate with its unit."""

from django import template

from csdp.clock.services import business_today
from csdp.fees.models import RATE_UNITS, FeeBase
from csdp.fees.money import fen_to_yuan
from csdp.fees.states import NoticeStatus
import datetime as dt
from django.utils import timezone

register = template.Library()


@register.filter
def fen_yuan(amount_fen) -> str:
    if amount_fen is None or amount_fen == "":
        return ""
    return f"{fen_to_yuan(amount_fen):,.2f}"


@register.filter
def rate_text(row) -> str:
    """'0.2 ‰ × 股数（元）' — the rate with the unit its base implies."""
    return f"{row.rate.normalize():f} {RATE_UNITS[FeeBase(row.base)]}"


@register.filter
def notice_state(value: str) -> str:
    return NoticeStatus(value).label if value in NoticeStatus.values else "—"


@register.filter
def notice_status(notice, now=None) -> str:
    """The notice's state as the payer needs it today: a notice still unpaid after its due date is 逾期.
    ``now``: the page's business time (the shell's ``business_now``), so a list reads the clock once."""

    if isinstance(now, dt.datetime):
        today = timezone.localtime(now).date()
    else:
        today = now if isinstance(now, dt.date) else business_today()
    if notice.status == NoticeStatus.ISSUED and notice.due_date < today:
        return f"逾期未缴（{notice.due_date:%Y-%m-%d} 到期）"
    return notice.get_status_display()
