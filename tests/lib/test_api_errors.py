"""The API answers every error in one shape, {code, detail, problems}, with a Chinese detail
(csdp/lib/apierrors.py; docs/architecture.md "Errors")."""

from __future__ import annotations

import pytest
from django.test import Client

from csdp.accounts.services import api_token_create
from csdp.api import api

pytestmark = pytest.mark.django_db


def _token_client(user) -> Client:
    _, key = api_token_create(user=user, name="后台", scope="write", login_method="key")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_request_that_does_not_validate_lists_each_field_in_chinese(cast):
    response = _token_client(cast.participant).get("/api/v1/calendar/offset", {"day": "明天", "n": "x"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "请求数据不正确。"
    problems = {p["field"]: p["message"] for p in body["problems"]}
    assert problems == {"day": "应为日期（YYYY-MM-DD）。", "n": "应为整数。"}


def test_a_missing_field_is_named_as_required(cast):
    body = _token_client(cast.participant).get("/api/v1/calendar/offset", {"day": "2026-03-16"}).json()

    assert body["code"] == "invalid" and body["problems"] == [{"message": "必填。", "field": "n", "row": None}]


def test_another_institutions_or_a_missing_object_is_a_404_in_the_same_shape(cast):
    response = _token_client(cast.participant).get("/api/v1/ipo/offerings/987654")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到该记录，或您无权查看。", "problems": []}


def test_a_role_that_may_not_call_a_route_gets_403_in_the_same_shape(cast):
    response = _token_client(cast.issuer_a).post(
        "/api/v1/ipo/deposits", {"amount_fen": 1, "reference": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "detail": "您没有访问此页面的权限。", "problems": []}


def test_no_credentials_get_401_in_the_same_shape(db):
    response = Client().get("/api/v1/me")

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "请先登录。", "problems": []}


def test_a_domain_refusal_keeps_its_code_and_chinese_message(cast):
    response = _token_client(cast.participant).get("/api/v1/calendar/offset", {"day": "2026-03-14", "n": 0})

    assert response.status_code == 422
    assert response.json() == {"code": "calendar.refused", "detail": "2026-03-14 不是交易日。", "problems": []}


def test_an_http_error_raised_by_a_handler_gets_a_code(cast):
    response = _token_client(cast.participant).get(
        "/api/v1/calendar/trading-days", {"start": "2026-03-16", "end": "2026-03-01"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "refused" and _has_chinese(body["detail"]) and body["problems"] == []


def test_the_openapi_documents_the_error_shape_on_every_operation():
    schema = api.get_openapi_schema()

    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"code", "detail", "problems"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in (401, 403, 404, 422):
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorOut", (path, method, status)
