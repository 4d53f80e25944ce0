"""Display helpers: money kept in fen shown in yuan, rates kept in basis points shown in percent.
Decimal arithmetic only (never float)."""

from decimal import Decimal

from django import template

from csdp.pledge.states import PostingStatus

register = template.Library()


@register.filter
def yuan(fen) -> str:
    if fen is None:
        return "—"
    return f"{Decimal(fen) / 100:,.2f}"


@register.filter
def percent(bp) -> str:
    if bp is None:
        return "—"
    return f"{Decimal(bp) / 100:.2f}%"


@register.filter
def wan_yuan(fen) -> str:
    """Summaries show the amount rounded to 万元 (004 §十四 概要)."""
    if fen is None:
        return "—"
    return f"{(Decimal(fen) / 1_000_000).quantize(Decimal('0.1'))} 万元"


@register.filter
def state_label(value) -> str:
    return PostingStatus(value).label if value in PostingStatus.values else "—"
