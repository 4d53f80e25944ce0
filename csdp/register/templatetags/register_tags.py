"""Share quantities with thousands separators, whatever the locale (zh-hans groups nothing); the register's
stored codes in their Chinese names."""

from django import template

from csdp.register.issuer_businesses import BUSINESSES

register = template.Library()

# RosterQuery.file_format: the page's downloads (Excel, DBF) and the API's query (JSON, csdp/register/api.py).
QUERY_FORMATS = {"xlsx": "Excel", "dbf": "DBF", "csv": "CSV", "json": "接口查询"}


@register.filter
def shares(quantity: int | str | None) -> str:
    if quantity is None or quantity == "":
        return ""
    return f"{int(quantity):,}"


@register.filter
def business_label(code: str | None) -> str:
    """A GFBD file's business code (02) as the business's name (新增股份登记)."""
    business = BUSINESSES.get(str(code or ""))
    return business.label if business else str(code or "—")


@register.filter
def query_format(value: str | None) -> str:
    return QUERY_FORMATS.get(str(value or ""), str(value or "—").upper())


@register.filter
def nature(code: str) -> str:
    """``05`` → ``05 限售流通股（个人）`` (a lot's share nature on the holders page)."""
    from csdp.register.models import ShareNature

    return f"{code} {ShareNature(code).label}" if code in ShareNature.values else code
