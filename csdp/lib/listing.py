"""One mechanism for every list page (issue 19 §3): paginated, sortable, searchable, exportable to
CSV and Excel — nothing silently cut at 200 or 500 rows.

A view declares its columns once and hands over its (already access-filtered) rows:

    table = listing(request, notices_for(user), columns=[Column("number", "通知编号", "number", sort="number"), …],
                    default_sort="-due_date", search=("number", "payer__name"), filename="付款通知")
    if not isinstance(table, Listing):   # ?export=csv|xlsx: every matching row, not one page
        return table
    return render(request, "…", {"table": table})

The template keeps its own row markup and iterates ``table.page``; ``{% load listing %}`` gives
``{% listing_tools table %}`` (search box, count, export links), ``{% sort_th table "number" %}`` and
``{% listing_pages table %}``. ``rows`` may be a QuerySet (sorted and searched in the database) or a
list (sorted and searched in Python; for the merged work lists, which are small by construction).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.db import connections
from openpyxl import Workbook

PER_PAGE = 50
PER_PAGE_CHOICES = (20, 50, 100, 200)
EXPORT_MAX_ROWS = 1_000_000  # Excel's sheet holds 1,048,576 rows; larger exports are CSV only

# An access-filtered QuerySet (sorted and searched in the database) or a short list (in Python).
Rows = QuerySet[Any] | Sequence[Any]


@dataclass(frozen=True)
class Column:
    key: str  # the name in ?sort=key / ?sort=-key
    label: str  # the header, also the export's header
    value: str | Callable[[Any], Any] = ""  # attribute path ("payer.name") or callable(row) → exported value
    sort: str | None = None  # ORM ordering field (QuerySet rows) — None: not sortable; "" → use value
    numeric: bool = False

    def get(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        current = row
        for part in (self.value or self.key).split("."):
            current = current.get(part) if isinstance(current, dict) else getattr(current, part, None)
            if callable(current):
                current = current()
        return current


@dataclass
class Listing:
    page: Page[Any]
    columns: Sequence[Column]
    sort: str
    q: str
    total: int
    searchable: bool
    params: dict[str, Any] = field(default_factory=dict)
    filename: str = "列表"
    prefix: str = ""  # two lists on one page: the second's parameters are "<prefix>page", "<prefix>sort", …
    estimated: bool = False  # total is the planner's estimate of a whole table of millions (shown as 约)

    def sort_link(self, key: str) -> tuple[str, str]:
        """(query string for a click on this column's header, current direction "asc"/"desc"/"")."""
        current = self.sort.lstrip("-") == key
        descending = self.sort.startswith("-")
        target = f"-{key}" if current and not descending else key
        direction = ("desc" if descending else "asc") if current else ""
        return self._query(**{self.prefix + "sort": target, self.prefix + "page": None}), direction

    @property
    def export_csv(self) -> str:
        return self._query(**{self.prefix + "export": "csv", self.prefix + "page": None})

    @property
    def export_xlsx(self) -> str:
        return self._query(**{self.prefix + "export": "xlsx", self.prefix + "page": None})

    @property
    def hidden_params(self) -> list[tuple[str, str]]:
        """The filters in force, for the search form to carry along."""
        out = []
        for key, value in self.params.items():
            if key in (self.prefix + "q", self.prefix + "page", self.prefix + "export"):
                continue
            out += [(key, v) for v in (value if isinstance(value, list) else [value])]
        return out

    @property
    def page_links(self) -> list[tuple[int | None, str]]:
        """(number, link) around the current page, None for a gap."""
        current, last = self.page.number, self.page.paginator.num_pages
        numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        out: list[tuple[int | None, str]] = []
        previous = 0
        for n in numbers:
            if n - previous > 1:
                out.append((None, ""))
            out.append((n, self._query(**{self.prefix + "page": n})))
            previous = n
        return out

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def _query(self, **changes: Any) -> str:
        params = {k: v for k, v in self.params.items() if not k.endswith("export")}
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return "?" + urlencode(params, doseq=True)


def listing(
    request: HttpRequest,
    rows: Rows,
    *,
    columns: Sequence[Column],
    default_sort: str,
    search: Iterable[str] = (),
    per_page: int = PER_PAGE,
    filename: str = "列表",
    prefix: str = "",
    search_lookup: str = "icontains",
    whole_table: bool = False,
) -> Listing | HttpResponseBase:
    """``search_lookup``: how a QuerySet is searched; a table of millions (accounts, investors) asks for
    "startswith" on its keys, which the key's pattern index answers, instead of scanning every row.
    ``whole_table``: the rows are a whole table (unfiltered), so while nothing is searched a table of
    millions is counted by the planner's estimate instead of COUNT(*) over every row (a quarter second
    at 1M accounts)."""
    params: dict[str, Any] = {k: (v[0] if len(v) == 1 else v) for k, v in request.GET.lists()}
    get = request.GET.get
    search = tuple(search)
    q = (get(prefix + "q") or "").strip()[:100]
    sort = _valid_sort(get(prefix + "sort") or default_sort, columns, default_sort)
    rows = _searched(rows, q, search, columns, search_lookup)
    rows = _sorted(rows, sort, columns)
    export = get(prefix + "export")
    if export in ("csv", "xlsx"):
        return _export(rows, columns, filename, export)
    try:
        size = int(get(prefix + "per_page") or per_page)
    except ValueError:
        size = per_page
    size = size if size in PER_PAGE_CHOICES or size == per_page else per_page
    paginator = Paginator(rows, size)
    estimate = estimated_count(rows) if whole_table and not q else None
    if estimate is not None:
        paginator.count = estimate  # Paginator.count is a cached_property: this value is used instead
    page = paginator.get_page(get(prefix + "page"))
    return Listing(
        page=page,
        columns=columns,
        sort=sort,
        q=q,
        total=paginator.count,
        searchable=bool(search) or not isinstance(rows, QuerySet),
        params=params,
        filename=filename,
        prefix=prefix,
        estimated=estimate is not None,
    )


ESTIMATE_ABOVE = 200_000  # below this, COUNT(*) is cheap and exact


def estimated_count(rows: Rows) -> int | None:
    """PostgreSQL's own row estimate of the table behind ``rows`` (kept by ANALYZE and autovacuum), or
    None where an exact count is cheap or the estimate unknown (other databases, small tables)."""
    if not isinstance(rows, QuerySet) or rows.query.where:  # filtered: the table's size is not the answer
        return None
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [rows.model._meta.db_table])
        found = cursor.fetchone()
    estimate = int(found[0]) if found else -1
    return estimate if estimate >= ESTIMATE_ABOVE else None


def _valid_sort(sort: str, columns: Sequence[Column], default: str) -> str:
    keys = {c.key for c in columns if c.sort is not None}
    return sort if sort and sort.lstrip("-") in keys else default


def _searched(
    rows: Rows, q: str, search: tuple[str, ...], columns: Sequence[Column], lookup: str = "icontains"
) -> Rows:
    if not q:
        return rows
    if isinstance(rows, QuerySet):
        if not search:
            return rows
        condition = Q()
        for name in search:
            condition |= Q(**{f"{name}__{lookup}": q})
        return rows.filter(condition)
    needle = q.lower()
    return [r for r in rows if any(needle in _text(c.get(r)).lower() for c in columns)]


def _sorted(rows: Rows, sort: str, columns: Sequence[Column]) -> Rows:
    key = sort.lstrip("-")
    column = next((c for c in columns if c.key == key), None)
    if column is None or column.sort is None:
        return rows
    descending = sort.startswith("-")
    if isinstance(rows, QuerySet):
        field_name = column.sort or (column.value if isinstance(column.value, str) else key).replace(".", "__")
        return rows.order_by(f"-{field_name}" if descending else field_name, "-pk" if descending else "pk")
    return sorted(rows, key=lambda r: _sort_key(column.get(r)), reverse=descending)


def _sort_key(value: object) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (int, float, Decimal)):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value.timestamp())
    if isinstance(value, date):
        return (2, value.toordinal())
    return (3, str(value))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M:%S")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _cell(value: object) -> Any:
    """A value as Excel should hold it: numbers stay numbers, times lose their zone (openpyxl refuses aware ones)."""
    if isinstance(value, bool) or value is None:
        return _text(value)
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    return str(value)


def _iter_rows(rows: Rows) -> Iterator[Any]:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=2000)
    return iter(rows)


def _disposition(filename: str, ext: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d")
    name = f"{filename}-{stamp}.{ext}"
    return f"attachment; filename=\"export.{ext}\"; filename*=UTF-8''{quote(name)}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export(rows: Rows, columns: Sequence[Column], filename: str, kind: str) -> HttpResponseBase:
    if kind == "csv":
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield "\ufeff"  # Excel opens UTF-8 CSV correctly only with the BOM
            yield writer.writerow([c.label for c in columns])
            for row in _iter_rows(rows):
                yield writer.writerow([_text(c.get(row)) for c in columns])

        streamed = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        streamed["Content-Disposition"] = _disposition(filename, "csv")
        return streamed

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=filename[:31] or "列表")
    sheet.append([c.label for c in columns])
    for count, row in enumerate(_iter_rows(rows), start=1):
        if count > EXPORT_MAX_ROWS:
            break
        sheet.append([_cell(c.get(row)) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _disposition(filename, "xlsx")
    return response
