"""Show a prepared effect to the reviewer. Convention for every kind's payload: keys the reviewer reads
are Chinese labels; machine keys (ids the ``apply`` needs) start with "_" and are not shown."""

from __future__ import annotations

from django import template

register = template.Library()
MAX_ROWS = 50


@register.filter
def payload_items(payload):
    if not isinstance(payload, dict):
        return []
    items = []
    for key, value in payload.items():
        if key.startswith("_"):
            continue  # machine keys (ids) are the owning app's; the reviewer reads the labelled ones
        if isinstance(value, list):
            shown = value[:MAX_ROWS]
            more = f"（另有 {len(value) - MAX_ROWS} 行）" if len(value) > MAX_ROWS else ""
            value = "；".join(str(v) for v in shown) + more
        items.append((key, value))
    return items


@register.filter
def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
