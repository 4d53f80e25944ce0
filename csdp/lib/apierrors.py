"""The API's one translation of every error into ``{code, detail, problems}`` (docs/architecture.md,
"Errors"): refusals (``CsdpError``), request validation (pydantic's messages put into Chinese),
ninja's ``HttpError`` (401 from authentication among them), Django's ``Http404`` and
``PermissionDenied``. ``install(api)`` registers the handlers and documents the shape in the OpenAPI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

from csdp.lib.errors import CsdpError, Problem

E = TypeVar("E", bound=Exception)

STATUS_CODES = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("not_authenticated", "请先登录。"),
    403: ("forbidden", "您没有执行此操作的权限。"),
    404: ("not_found", "未找到该记录，或您无权查看。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    409: ("conflict", "当前状态不允许该操作。"),
    413: ("too_large", "请求内容过大。"),
    422: ("refused", "请求未被接受。"),
    429: ("throttled", "请求过于频繁，请稍后再试。"),
}

# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) in Chinese;
# ``{...}`` are filled from the error's ctx.
VALIDATION_MESSAGES = {
    "missing": "必填。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "int_from_float": "应为整数。",
    "float_parsing": "应为数字。",
    "float_type": "应为数字。",
    "decimal_parsing": "应为数字。",
    "decimal_type": "应为数字。",
    "bool_parsing": "应为 true 或 false。",
    "bool_type": "应为 true 或 false。",
    "string_type": "应为文本。",
    "string_too_short": "至少 {min_length} 个字符。",
    "string_too_long": "最多 {max_length} 个字符。",
    "string_pattern_mismatch": "格式不正确。",
    "date_parsing": "应为日期（YYYY-MM-DD）。",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）。",
    "date_type": "应为日期（YYYY-MM-DD）。",
    "datetime_parsing": "应为时间（YYYY-MM-DDTHH:MM）。",
    "datetime_from_date_parsing": "应为时间（YYYY-MM-DDTHH:MM）。",
    "datetime_type": "应为时间（YYYY-MM-DDTHH:MM）。",
    "greater_than": "应大于 {gt}。",
    "greater_than_equal": "应不小于 {ge}。",
    "less_than": "应小于 {lt}。",
    "less_than_equal": "应不大于 {le}。",
    "enum": "应为以下之一：{expected}。",
    "literal_error": "应为以下之一：{expected}。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "too_short": "至少 {min_length} 项。",
    "too_long": "最多 {max_length} 项。",
    "json_invalid": "不是有效的 JSON。",
    "uuid_parsing": "应为 UUID。",
    "extra_forbidden": "不允许的字段。",
    "value_error": "取值不正确。",
}
_PLACES = {"body", "query", "path", "form", "header", "cookie", "file", "payload"}


class ProblemOut(Schema):
    message: str
    field: str | None = None
    row: int | None = None


class ErrorOut(Schema):
    """Every error the API returns: a stable machine code, a Chinese message, and what was wrong."""

    code: str
    detail: str
    problems: list[ProblemOut] = []


def _field(loc: Iterable[object]) -> str | None:
    parts = [str(p) for p in loc if str(p) not in _PLACES]
    return ".".join(parts) or None


def validation_problem(error: dict[str, Any]) -> Problem:
    """One pydantic error as a Problem with a Chinese message (the type decides; the rest is lost
    only when the type is one we do not know, and then the message says what was expected)."""
    template = VALIDATION_MESSAGES.get(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if template is None:
        message = "取值不正确。"
    else:
        try:
            message = template.format(**{k: v for k, v in ctx.items()})
        except (KeyError, IndexError):
            message = re.sub(r"\{[^}]*\}", "", template)
    return Problem(message, field=_field(error.get("loc", ())))


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, error: CsdpError) -> HttpResponse:
        return api.create_response(request, error.as_dict(), status=status)

    def on_refusal(request: HttpRequest, exc: CsdpError) -> HttpResponse:
        return respond(request, exc.status, exc)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        problems = [validation_problem(e) for e in exc.errors]
        return respond(request, 422, CsdpError("请求数据不正确。", code="invalid", problems=problems))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code, default = STATUS_CODES.get(exc.status_code, ("error", "请求未被接受。"))
        detail = exc.message if _has_chinese(str(exc.message)) else default
        return respond(request, exc.status_code, CsdpError(detail, code=code))

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        detail = str(exc) if _has_chinese(str(exc)) else STATUS_CODES[404][1]
        return respond(request, 404, CsdpError(detail, code="not_found"))

    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) if _has_chinese(str(exc)) else STATUS_CODES[403][1]
        return respond(request, 403, CsdpError(detail, code="forbidden"))

    _handle(api, CsdpError, on_refusal)
    _handle(api, ValidationError, on_validation)
    _handle(api, HttpError, on_http_error)
    _handle(api, Http404, on_404)
    _handle(api, PermissionDenied, on_denied)


def _handle(api: NinjaAPI, error: type[E], handler: Callable[[HttpRequest, E], HttpResponse]) -> None:
    # ninja annotates a handler as taking the exception or its class; it always passes the exception.
    api.add_exception_handler(error, cast(Callable[[HttpRequest, Any], HttpResponse], handler))


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error shape to an OpenAPI schema: ``ErrorOut`` in components and, on every operation
    that does not say otherwise, 401/403/404/422 responses with it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemOut"] = ProblemOut.model_json_schema()
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    error_schema.pop("$defs", None)
    components["ErrorOut"] = error_schema
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    described = {
        401: "未登录（code: not_authenticated）",
        403: "无权限（code: forbidden）",
        404: "未找到，或无权查看（code: not_found）",
        422: "请求数据不正确（code: invalid）或业务规则拒绝（各业务的 code）",
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in described.items():
                # the handlers answer these statuses with ErrorOut whatever the route declared
                responses.pop(str(status), None)
                responses[status] = {"description": description, **ref}
    return schema
