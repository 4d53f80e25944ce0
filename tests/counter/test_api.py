"""The counter's JSON API: each institution reads only its own applications."""

from __future__ import annotations

from csdp.counter.states import Status
from tests.counter.factories import draft, drive


def test_a_filer_lists_and_reads_its_applications(cast, client_for, codes, key_a):
    app = drive(
        draft(cast.issuer_a, remark="请办理"), Status.RETURNED, filer=cast.issuer_a, key=key_a, operator=cast.operator
    )
    client = client_for(cast.issuer_a)
    rows = client.get("/api/v1/counter/applications", {"status": "returned"}).json()["items"]
    assert [r["reference"] for r in rows] == [app.reference]
    detail = client.get(f"/api/v1/counter/applications/{app.pk}").json()
    assert detail["rounds"][0]["remark"] == "请办理"
    assert detail["rounds"][0]["opinions"][0]["text"] == "请补充材料"
    assert detail["rounds"][0]["files"][0]["detected_type"] == "pdf"


def test_another_issuer_gets_404_and_an_empty_list(cast, client_for, codes, key_a):
    app = draft(cast.issuer_a)
    client = client_for(cast.issuer_b)
    assert client.get(f"/api/v1/counter/applications/{app.pk}").status_code == 404
    assert client.get("/api/v1/counter/applications").json() == {"items": [], "next_cursor": None}


def test_the_catalogue_marks_structured_types(cast, client_for):
    types = {t["code"]: t for t in client_for(cast.participant).get("/api/v1/counter/business-types").json()["items"]}
    assert (
        types["07"]["structured"] is True and types["00"]["structured"] is False and types["01"]["structured"] is True
    )
    assert types["00"]["name"] == "其他"
