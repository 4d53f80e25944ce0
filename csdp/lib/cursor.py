"""One cursor pagination for every API list (issue 18 §2), the reserve statement's: ``?cursor=&limit=``
in, ``{"items": [...], "next_cursor": n | null}`` out. A back office starts at cursor 0 and passes
``next_cursor`` back until it is null; nothing is cut and nothing is counted.

    @router.get("/invoices", response=page_of(InvoiceOut), summary="…")
    def fees_invoices(request, page: Query[CursorIn]):
        return cursor_page(Invoice.objects.visible_to(request.user), page, out=_invoice)

Rows in a QuerySet are walked by primary key (oldest first): the cursor is the last id given, so
rows written between two calls are neither skipped nor repeated. A list, or a QuerySet whose order the
caller chose (the pledge board's sort, the roster's ranking), is walked by position: the cursor counts
the rows already given. Either way the cursor is an opaque integer to the client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

LIMIT_DEFAULT = 100
LIMIT_MAX = 1000


class CursorIn(Schema):
    cursor: int = Field(0, ge=0, description="上一页返回的 next_cursor；取第一页时为 0 或省略")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description=f"每页条数，1–{LIMIT_MAX}")


_PAGES: dict[str, type[Schema]] = {}


def page_of(item: type, name: str | None = None) -> type[Schema]:
    """The response schema of a list: ``items`` of ``item`` and ``next_cursor`` (null: the last page)."""
    name = name or f"{getattr(item, '__name__', 'Item').removesuffix('Out')}Page"
    if name not in _PAGES:
        _PAGES[name] = create_model(
            name,
            __base__=Schema,
            items=(list[item], Field(..., description="本页记录")),  # type: ignore[valid-type]
            next_cursor=(int | None, Field(..., description="下一页的 cursor；null 表示已无更多记录")),
        )
    return _PAGES[name]


Rows = QuerySet[Any] | Sequence[Any]


def cursor_slice(rows: Rows, page: CursorIn, *, by_position: bool = False) -> tuple[list[Any], int | None]:
    """One page of ``rows`` and the cursor of the next (None on the last)."""
    limit = page.limit
    if isinstance(rows, QuerySet) and not by_position:
        chunk = list(rows.filter(pk__gt=page.cursor).order_by("pk")[: limit + 1])
        more = len(chunk) > limit
        chunk = chunk[:limit]
        return chunk, (chunk[-1].pk if more else None)
    chunk = list(rows[page.cursor : page.cursor + limit + 1])
    more = len(chunk) > limit
    return chunk[:limit], (page.cursor + limit if more else None)


def cursor_page(
    rows: Rows, page: CursorIn, *, out: Callable[[Any], Any] | None = None, by_position: bool = False
) -> dict[str, Any]:
    chunk, next_cursor = cursor_slice(rows, page, by_position=by_position)
    return {"items": [out(r) for r in chunk] if out else chunk, "next_cursor": next_cursor}
