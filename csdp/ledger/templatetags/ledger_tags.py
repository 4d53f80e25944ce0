"""Display integer fen as yuan with two decimals (money is integer fen everywhere else)."""

from decimal import Decimal

from django import template

register = template.Library()
FEN_PER_YUAN = Decimal(100)


@register.filter
def yuan(amount_fen: int | str | None) -> str:
    if amount_fen is None or amount_fen == "":
        return ""
    value = Decimal(int(amount_fen)) / FEN_PER_YUAN
    return f"{value:,.2f}"
