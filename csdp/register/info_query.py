"""信息查询 as a structured type (seed 000 §一(四) function bar): the filer asks for a 股东名册,
持股变动 or 限售股份明细 of one of its codes as of a date; when staff accept the application an
Excel report is built from the share register and attached as its result."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from csdp.clock.services import business_today
from csdp.counter.registry import BusinessTypeSpec, FilingContext, GeneratedFile, StructuredForm, register_business_type
from csdp.counter.selectors import securities_codes_for
from csdp.register.info_query_rows import change_rows, holder_rows
from openpyxl import Workbook
from openpyxl.styles import Font

CODE = "07"


class QueryKind:
    HOLDER_REGISTER = "holder_register"
    HOLDING_CHANGES = "holding_changes"
    RESTRICTED_DETAILS = "restricted_details"
    CHOICES = [(HOLDER_REGISTER, "股东名册"), (HOLDING_CHANGES, "持股变动"), (RESTRICTED_DETAILS, "限售股份明细")]
    LABELS = dict(CHOICES)


class InfoQueryForm(StructuredForm):
    query_kind = forms.ChoiceField(
        label="查询类型",
        choices=QueryKind.CHOICES,
        error_messages={"required": "请选择查询类型。", "invalid_choice": "请选择有效的查询类型。"},
    )
    as_of = forms.DateField(
        label="查询日期（权益登记日）",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写查询日期。", "invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )
    code = forms.RegexField(
        label="查询证券代码",
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"required": "请填写证券代码。", "invalid": "证券代码为 6 位数字。"},
    )
    # 持股变动 only: the period is 起始日期 … 查询日期, optionally narrowed to one account.
    date_from = forms.DateField(
        label="起始日期（持股变动）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的起始日期（YYYY-MM-DD）。"},
    )
    account = forms.RegexField(
        label="证券账户（持股变动，可选）",
        regex=r"^[0-9A-Z]{10}$",
        max_length=10,
        required=False,
        error_messages={"invalid": "证券账户为 10 位数字或大写字母。"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("as_of") and data["date_from"] > data["as_of"]:
            raise ValidationError("起始日期不能晚于查询日期。")
        return data

    def json_data(self) -> dict[str, Any]:
        # Optional fields only when given: the round's content (and what the filer signs) stays as before.
        return {key: value for key, value in super().json_data().items() if value not in (None, "")}


def validate_info_query(context: FilingContext) -> None:
    as_of = dt.date.fromisoformat(context.data["as_of"])
    if as_of > business_today():
        raise ValidationError("查询日期不能晚于今天。")
    if context.data["code"] not in securities_codes_for(context.institution):
        raise ValidationError(f"证券代码 {context.data['code']} 不是本机构的证券，不能查询。")


HEADERS = {
    QueryKind.HOLDER_REGISTER: [
        "序号",
        "一码通账户",
        "证券账户",
        "股东名称",
        "股份性质",
        "持有数量（股）",
        "冻结数量（股）",
        "质押数量（股）",
    ],
    QueryKind.HOLDING_CHANGES: [
        "序号",
        "变动日期",
        "变动类型",
        "证券代码",
        "一码通账户",
        "证券账户",
        "股东名称",
        "股份性质",
        "限售截止日",
        "持有数量变动（股）",
        "冻结数量变动（股）",
        "质押数量变动（股）",
        "变动后持有数量（股）",
        "变动后冻结数量（股）",
        "变动后质押数量（股）",
    ],
    QueryKind.RESTRICTED_DETAILS: [
        "序号",
        "一码通账户",
        "证券账户",
        "股东名称",
        "股份性质",
        "限售截止日",
        "限售数量（股）",
    ],
}


def build_info_query_report(application: Any) -> list[GeneratedFile]:
    round_ = application.rounds.filter(signed_at__isnull=False).order_by("-number").first()
    data = round_.data
    kind, code, as_of = data["query_kind"], data["code"], dt.date.fromisoformat(data["as_of"])
    date_from = dt.date.fromisoformat(data["date_from"]) if data.get("date_from") else None
    if kind == QueryKind.HOLDING_CHANGES:
        rows, note = change_rows(code=code, date_from=date_from, as_of=as_of, account_number=data.get("account"))
        period = f"{date_from.isoformat() if date_from else '首次登记'} 至 {as_of.isoformat()}"
        title = f"持股变动（证券代码 {code}{'，证券账户 ' + data['account'] if data.get('account') else ''}，{period}）"
    else:
        rows, note = holder_rows(kind=kind, code=code, as_of=as_of)
        title = f"{QueryKind.LABELS[kind]}（证券代码 {code}，截至 {as_of.isoformat()}）"
    book = Workbook()
    sheet = book.active
    sheet.title = QueryKind.LABELS[kind]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append([f"申请编号 {application.reference}；申请机构 {application.filer_institution.name}；{note}"])
    sheet.append(HEADERS[kind])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    sheet.append([f"合计 {len(rows)} 条"])
    buffer = io.BytesIO()
    book.save(buffer)
    return [
        GeneratedFile(name=f"{application.reference}-{QueryKind.LABELS[kind]}-{code}.xlsx", content=buffer.getvalue())
    ]


GUIDE = "\n".join(
    [
        "【信息查询】业务指南",
        "在下方填写查询类型（股东名册 / 持股变动 / 限售股份明细）、查询日期和证券代码。",
        "查询持股变动时可填写起始日期（不填则自首次登记起）和证券账户（不填则列示全部账户）。",
        "如需加盖公章的查询申请书，可作为附件上传（1-2 个 ZIP 压缩包或 1 个 PDF），非必需。",
        "本公司受理后系统生成 Excel 查询结果，请在业务列表中查看、下载并确认。",
    ]
)

SPEC = register_business_type(
    BusinessTypeSpec(
        code=CODE,
        name="信息查询",
        filer_kinds=frozenset({"issuer"}),
        form_class=InfoQueryForm,
        validate=validate_info_query,
        result_builder=build_info_query_report,
        attachments_required=False,
        guide=GUIDE,
    )
)
