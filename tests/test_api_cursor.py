"""Every API list answers in cursor pages (issue 18 §2, csdp/lib/cursor.py): no GET returns a bare
array, every page takes ``cursor`` and ``limit`` and says ``next_cursor``; and a back office walking
every list of the demo world page by page, as every demo user, gets exactly the rows one large page
gives — none skipped, none twice."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from csdp.api import api
from csdp.lib.cursor import CursorIn, cursor_page
from tests.portal.crawl import client_for, demo_seed_fresh


def _schema(ref_or_schema: dict, components: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return components[ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _list_operations() -> dict[str, dict]:
    """path → the GET operation, for every GET whose answer is a cursor page."""
    spec = api.get_openapi_schema()
    components = spec["components"]["schemas"]
    pages, bare = {}, []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        ok = get["responses"].get(200) or get["responses"].get("200") or {}
        content = ok.get("content", {}).get("application/json")
        if not content:
            continue  # a file download
        schema = _schema(content["schema"], components)
        if schema.get("type") == "array":
            bare.append(path)
        elif "next_cursor" in schema.get("properties", {}):
            pages[path] = get
    assert bare == [], f"lists answered without cursor pages: {bare}"
    return pages


def test_no_api_list_answers_a_bare_array_and_every_page_takes_a_cursor():
    pages = _list_operations()
    assert len(pages) >= 14
    for path, get in pages.items():
        params = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        assert {"cursor", "limit"} <= params, path
        assert get.get("summary"), path


@pytest.mark.django_db
def test_a_queryset_is_walked_by_id_and_rows_written_meanwhile_are_neither_skipped_nor_repeated(cast):
    from csdp.accounts.models import Institution

    rows = Institution.objects.all()
    first = cursor_page(rows, CursorIn(limit=3))
    assert len(first["items"]) == 3 and first["next_cursor"] == first["items"][-1].pk
    Institution.objects.create(kind="issuer", name="新机构", code="920999")
    walked, cursor = [i.pk for i in first["items"]], first["next_cursor"]
    while cursor is not None:
        page = cursor_page(rows, CursorIn(cursor=cursor, limit=3))
        walked += [i.pk for i in page["items"]]
        cursor = page["next_cursor"]
    assert walked == sorted(Institution.objects.values_list("pk", flat=True))


def test_a_list_is_walked_by_position():
    rows = list(range(7))
    assert cursor_page(rows, CursorIn(limit=3)) == {"items": [0, 1, 2], "next_cursor": 3}
    assert cursor_page(rows, CursorIn(cursor=6, limit=3)) == {"items": [6], "next_cursor": None}


def _demo_arguments() -> dict[str, dict]:
    """For each list path: its path parameters and required query parameters in the demo world."""
    from csdp.clock.services import business_today
    from csdp.ipo.models import ParticipantFile, ShortfallDeclaration
    from csdp.register.models import Position

    today = business_today()
    declaration = ShortfallDeclaration.objects.order_by("pk").first() or _declarations()
    position = Position.objects.filter(quantity__gt=0).select_related("account", "security").order_by("pk").first()
    file = ParticipantFile.objects.order_by("-pk").first()
    return {
        "/api/v1/tokens": {},
        "/api/v1/calendar/trading-days": {"start": today.replace(day=1), "end": today + dt.timedelta(days=40)},
        "/api/v1/counter/applications": {},
        "/api/v1/counter/business-types": {},
        "/api/v1/ipo/offerings": {},
        "/api/v1/ipo/obligations": {},
        "/api/v1/ipo/files": {},
        "/api/v1/ipo/reserve/statement": {},
        "/api/v1/ipo/manifest": {"business_date": file.business_date},
        "/api/v1/ipo/offerings/{offering_id}/declarations": {"offering_id": declaration.offering_id},
        "/api/v1/fees/notices": {},
        "/api/v1/fees/invoices": {},
        "/api/v1/pledge/postings": {},
        "/api/v1/register/accounts/{account_number}/positions": {"account_number": position.account.number},
        "/api/v1/register/holders": {"security": position.security.code, "as_of": today},
        "/api/v1/register/files": {},
        "/api/v1/dividend/files": {},
        "/api/v1/restrictions/files": {},
    }


def _declarations():
    """Three 附件5 rows of the demo participant (the demo world declares none): reading them is what is walked."""
    from django.utils import timezone

    from csdp.ipo.models import Offering, ShortfallDeclaration
    from csdp.securities.models import ParticipantProfile

    participant = ParticipantProfile.objects.get(institution__code="P0001")
    offering = Offering.objects.order_by("pk").first()
    rows = [
        ShortfallDeclaration(
            offering=offering,
            participant=participant,
            account=f"01800000{i:02d}",
            account_name="测试投资者",
            subscription_code=offering.code[:6],
            security_name=offering.name[:40],
            subscription_date=offering.t_date,
            reserve_account="R1",
            settlement_account="S1",
            seq=900_000 + i,
            invalid_shares=100,
            declared_at=timezone.now(),
        )
        for i in range(3)
    ]
    return ShortfallDeclaration.objects.bulk_create(rows)[0]


def _get(client, path: str, arguments: dict, **paging) -> tuple[int, dict]:
    query = {k: v for k, v in arguments.items() if "{" + k + "}" not in path}
    url = path.format(**arguments)
    response = client.get(url, {**query, **paging})
    return response.status_code, (response.json() if response.status_code == 200 else {})


def _rows(body: dict) -> list[str]:
    """The page's records (the board answers summaries or details), each as comparable text."""
    out = []
    for value in body.values():
        if isinstance(value, list):
            out += [json.dumps(row, sort_keys=True, ensure_ascii=False) for row in value]
    return out


@pytest.mark.django_db
def test_a_back_office_walks_every_list_of_the_demo_world_across_pages():
    from csdp.accounts.models import User
    from csdp.accounts.demo import DEMO_USERS

    demo_seed_fresh()
    arguments = _demo_arguments()
    paths = set(_list_operations())
    assert paths == set(arguments), "a new list endpoint needs its demo arguments here"
    clients = {spec.username: client_for(User.objects.get(username=spec.username)) for spec in DEMO_USERS}
    walked_over_pages, failures = set(), []
    for path in sorted(paths):
        for who, client in clients.items():
            status, whole = _get(client, path, arguments[path], limit=1000)
            if status != 200:
                continue
            expected = _rows(whole)
            assert whole["next_cursor"] is None and len(expected) < 1000, (path, who)
            limit = max(1, math.ceil(len(expected) / 3))
            got, cursor, pages = [], 0, 0
            while cursor is not None and pages < 10:
                status, body = _get(client, path, arguments[path], cursor=cursor, limit=limit)
                assert status == 200, (path, who, cursor)
                got += _rows(body)
                cursor, pages = body["next_cursor"], pages + 1
            if got != expected:
                failures.append(f"{who} {path}: walked {len(got)} rows, one page holds {len(expected)}")
            if pages > 1:
                walked_over_pages.add(path)
    assert failures == []
    assert len(walked_over_pages) >= 10, sorted(paths - walked_over_pages)
