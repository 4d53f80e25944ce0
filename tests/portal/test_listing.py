"""Lists (issue 19 §3, csdp/lib/listing.py): paginated, sortable, searchable and exportable to CSV and
Excel through one mechanism; nothing is cut at 200 or 500 rows."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import RequestFactory
from django.utils import timezone

from csdp.lib.listing import Column, Listing, listing

COLUMNS = [
    Column("n", "序号", "n", sort=""),
    Column("name", "名称", "name", sort=""),
    Column("amount", "金额", "amount", sort="", numeric=True),
]
ROWS = [{"n": i, "name": f"机构{i:03d}", "amount": i * 100} for i in range(1, 251)]


def _get(query: str = ""):
    return listing(RequestFactory().get(f"/x/?{query}"), ROWS, columns=COLUMNS, default_sort="n", filename="测试")


def test_a_list_of_250_rows_is_paged_not_cut():
    table = _get()
    assert isinstance(table, Listing)
    assert table.total == 250 and table.page.paginator.num_pages == 5
    assert [r["n"] for r in table.page] == list(range(1, 51))
    assert [r["n"] for r in _get("page=5").page][-1] == 250


def test_sorting_by_a_column_both_ways_and_ignoring_unknown_columns():
    assert [r["n"] for r in _get("sort=-amount").page][:3] == [250, 249, 248]
    assert [r["n"] for r in _get("sort=no_such").page][:2] == [1, 2]
    link, direction = _get("sort=amount").sort_link("amount")
    assert "sort=-amount" in link and direction == "asc"


def test_search_filters_rows_and_is_kept_by_the_page_and_export_links():
    table = _get("q=机构12")
    assert table.total == 10  # 机构120–129
    assert "q=" in table.page_links[0][1] and "export=csv" in table.export_csv and "q=" in table.export_csv


def test_the_csv_export_holds_every_matching_row_and_opens_in_excel():
    response = _get("export=csv&page=3")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["序号", "名称", "金额"] and len(rows) == 251
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_the_excel_export_keeps_numbers_as_numbers():
    from openpyxl import load_workbook

    response = _get("export=xlsx&sort=-n")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0] == ("序号", "名称", "金额") and len(values) == 251
    assert values[1] == (250, "机构250", 25000)


@pytest.mark.django_db
def test_the_counter_list_shows_and_exports_more_than_200_applications(cast, client_for):
    from csdp.counter.models import Application, BusinessType

    business_type = BusinessType.objects.get(code="01")
    moment = timezone.make_aware(dt.datetime(2026, 3, 2, 7, 30))  # 07:30 in Beijing is 23:30 UTC the day before
    Application.objects.bulk_create(
        [
            Application(
                business_type=business_type,
                filer_institution=cast.issuer_a.institution,
                filed_by=cast.issuer_a,
                securities_code="920001",
                status="draft",
                status_since=moment,
                created_at=moment,
            )
            for _ in range(230)
        ]
    )
    client = client_for(cast.issuer_a)

    page = client.get("/counter/list/").content.decode()
    assert "共 230 条" in page and "第 1 / 5 页" in page

    export = client.get("/counter/list/?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff"))))
    assert len(rows) == 231
    # The application number carries the business (Beijing) date, not the UTC one (issue 19 §11).
    assert all(r[0].startswith("GT20260302") for r in rows[1:])


@pytest.mark.django_db
def test_the_fee_notice_list_is_exportable_to_excel(cast, client_for):
    response = client_for(cast.operator).get("/fees/notices/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_two_lists_on_one_page_page_and_search_apart():
    request = RequestFactory().get("/x/?f_page=2&q=机构1")
    first = listing(request, ROWS, columns=COLUMNS, default_sort="n")
    second = listing(request, ROWS, columns=COLUMNS, default_sort="n", prefix="f_")
    assert first.page.number == 1 and first.total < 250
    assert second.page.number == 2 and second.total == 250
    assert "f_page=2" in first.page_links[1][1] and "f_sort=-n" in second.sort_link("n")[0]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))


@pytest.mark.django_db
def test_the_lender_applications_and_the_review_queue_show_and_export_every_row(cast, client_for):
    from csdp.pledge.models import LenderApplication

    now = timezone.now()
    LenderApplication.objects.bulk_create(
        LenderApplication(
            name=f"出借方{i:03d}",
            id_type="uscc",
            id_number="91110000000000000X",
            username=f"lender{i}",
            mobile="13900000000",
            email="l@example.test",
            created_at=now,
        )
        for i in range(260)
    )
    client = client_for(cast.reviewer)
    page = client.get("/pledge/lenders/").content.decode()
    assert "共 260 条" in page and "第 1 / 6 页" in page
    assert len(_csv_rows(client.get("/pledge/lenders/?export=csv"))) == 261


@pytest.mark.django_db
def test_a_member_sees_and_exports_every_api_token_it_issued(cast, client_for):
    from csdp.accounts.models import ApiToken
    from csdp.accounts.tokens import api_token_create

    for i in range(3):
        api_token_create(user=cast.participant, name=f"令牌{i}")
    ApiToken.objects.bulk_create(
        ApiToken(user=cast.participant, name=f"批量{i}", key_prefix=f"p{i:05d}", key_sha256=f"{i:064d}")
        for i in range(210)
    )
    client = client_for(cast.participant)
    assert "共 213 条" in client.get("/accounts/tokens/").content.decode()
    assert len(_csv_rows(client.get("/accounts/tokens/?export=csv"))) == 214


def test_no_view_selector_or_api_cuts_a_database_list_to_a_fixed_length():
    """A guard over the source: ``<queryset>[:200]`` in a list is the silent cut issue 19 §3 forbids;
    lists go through csdp/lib/listing.py (pages) or the API's cursor pages instead."""
    import ast
    from pathlib import Path

    queryset_methods = {"all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "visible_to"}
    queryset_methods |= {"annotate", "values", "values_list", "distinct", "only", "defer"}
    offenders = []
    for path in Path("csdp").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
                continue
            upper, lower = node.slice.upper, node.slice.lower
            value = node.value
            # A first one or a "latest few" beside a link to the whole list ([:1], [:10]) is a glance, not a list.
            long_cut = isinstance(upper, ast.Constant) and isinstance(upper.value, int) and upper.value >= 20
            if lower is None and long_cut and isinstance(value, ast.Call):
                method = value.func.attr if isinstance(value.func, ast.Attribute) else ""
                selector = value.func.id if isinstance(value.func, ast.Name) else ""
                if method in queryset_methods or selector.endswith(("_for", "_of", "_steps", "_queue")):
                    offenders.append(f"{path}:{node.lineno}")
    assert offenders == []
