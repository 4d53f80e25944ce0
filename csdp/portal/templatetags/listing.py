"""Template side of csdp/lib/listing.py: the tools above a list, sortable headers, page links."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.inclusion_tag("portal/_listing_tools.html")
def listing_tools(table, placeholder="搜索"):
    return {"table": table, "placeholder": placeholder}


@register.simple_tag
def sort_th(table, key, label=None):
    column = table.column(key)
    label = label or column.label
    css = mark_safe(' class="num"') if column.numeric else ""
    if column.sort is None:
        return format_html('<th scope="col"{}>{}</th>', css, label)
    link, direction = table.sort_link(key)
    arrow = {"asc": " ▲", "desc": " ▼"}.get(direction, "")
    aria = {"asc": "ascending", "desc": "descending"}.get(direction, "none")
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a href="{}" class="sort">{}{}</a></th>', aria, css, link, label, arrow
    )


@register.inclusion_tag("portal/_listing_pages.html")
def listing_pages(table):
    return {"table": table}
