"""How key-field values are shown on the pages (dates ISO, 长期有效 for an open validity end)."""

from __future__ import annotations


def shown_value(field: str, value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "长期有效" if field.endswith("_valid_until") else "—"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
