"""Share quantities with thousands separators, whatever the locale (zh-hans groups nothing)."""

from django import template

register = template.Library()


@register.filter
def shares(quantity: int | str | None) -> str:
    if quantity is None or quantity == "":
        return ""
    return f"{int(quantity):,}"
