"""Display of money: integer fen in, yuan out (Decimal, never float), e.g. 140400 → "1,404.00"."""

from decimal import Decimal

from django import template

from csdp.lib.money_words import fen_to_words

register = template.Library()
CENT = Decimal("0.01")


@register.filter
def yuan(fen) -> str:
    if fen is None or fen == "":
        return "—"
    amount = (Decimal(int(fen)) / 100).quantize(CENT)
    return f"{amount:,.2f}"


@register.filter
def shares(value) -> str:
    """An integer with thousands separators, independent of the locale."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}"


@register.filter
def fen_words(fen) -> str:
    """Integer fen in 人民币大写 for printed notices: 140400 → 人民币壹仟肆佰零肆元整."""
    if fen is None or fen == "":
        return "—"
    return fen_to_words(int(fen))
