"""信息查询 as a structured type (seed 000 §一(四) function bar): the filer asks for a 股东名册,
持股变动 or 限售股份明细 of one of its codes as of a date; when staff accept the application an
Excel report is built from the share register and attached as its result."""
from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.core.exceptions import ValidationError

from csdp.counter.registry import BusinessTypeSpec, FilingContext, GeneratedFile, register_business_type

CODE = "07"


class QueryKind:
    HOLDER_REGISTER = "holder_register"
    HOLDING_CHANGES = "holding_changes"
    RESTRICTED_DETAILS = "restricted_details"
    CHOICES = [(HOLDER_REGISTER, "股东名册"), (HOLDING_CHANGES, "持股变动"), (RESTRICTED_DETAILS, "限售股份明细")]
    LABELS = dict(CHOICES)


class InfoQueryForm(forms.Form):
    query_kind = forms.ChoiceField(label="查询类型", choices=QueryKind.CHOICES,
                                   error_messages={"required": "请选择查询类型。", "invalid_choice": "请选择有效的查询类型。"})
    as_of = forms.DateField(label="查询日期（权益登记日）", widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"required": "请填写查询日期。", "invalid": "请填写有效的日期（YYYY-MM-DD）。"})
    code = forms.RegexField(label="查询证券代码", regex=r"^\d{6}$", max_length=6,
                            error_messages={"required": "请填写证券代码。", "invalid": "证券代码为 6 位数字。"})

    def json_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["as_of"] = data["as_of"].isoformat()
        return data


def validate_info_query(context: FilingContext) -> None:
    from csdp.clock.services import business_today
    from csdp.counter.selectors import securities_codes_for

    as_of = dt.date.fromisoformat(context.data["as_of"])
    if as_of > business_today():
        raise ValidationError("查询日期不能晚于今天。")
    if context.data["code"] not in securities_codes_for(context.institution):
        raise ValidationError(f"证券代码 {context.data['code']} 不是本机构的证券，不能查询。")


HEADERS = {
    QueryKind.HOLDER_REGISTER: ["序号", "一码通账户", "证券账户", "股东名称", "股份性质", "持有数量（股）", "冻结数量（股）", "质押数量（股）"],
    QueryKind.HOLDING_CHANGES: ["序号", "一码通账户", "证券账户", "股东名称", "股份性质", "持有数量（股）", "冻结数量（股）", "质押数量（股）"],
    QueryKind.RESTRICTED_DETAILS: ["序号", "一码通账户", "证券账户", "股东名称", "股份性质", "限售截止日", "限售数量（股）"],
}


def build_info_query_report(application) -> list[GeneratedFile]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from csdp.counter.register_source import holder_rows

    round_ = application.rounds.filter(signed_at__isnull=False).order_by("-number").first()
    data = round_.data
    kind, code, as_of = data["query_kind"], data["code"], dt.date.fromisoformat(data["as_of"])
    rows, note = holder_rows(kind=kind, code=code, as_of=as_of)
    book = Workbook()
    sheet = book.active
    sheet.title = QueryKind.LABELS[kind]
    sheet.append([f"{QueryKind.LABELS[kind]}（证券代码 {code}，截至 {as_of.isoformat()}）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([f"申请编号 {application.reference}；申请机构 {application.filer_institution.name}；{note}"])
    sheet.append(HEADERS[kind])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    sheet.append([f"合计 {len(rows)} 条"])
    buffer = io.BytesIO()
    book.save(buffer)
    return [GeneratedFile(name=f"{application.reference}-{QueryKind.LABELS[kind]}-{code}.xlsx", content=buffer.getvalue())]


GUIDE = "\n".join([
    "【信息查询】业务指南",
    "在下方填写查询类型（股东名册 / 持股变动 / 限售股份明细）、查询日期和证券代码。",
    "如需加盖公章的查询申请书，可作为附件上传（1-2 个 ZIP 压缩包或 1 个 PDF），非必需。",
    "本公司受理后系统生成 Excel 查询结果，请在业务列表中查看、下载并确认。",
])

SPEC = register_business_type(BusinessTypeSpec(
    code=CODE, name="信息查询", filer_kinds=frozenset({"issuer"}), form_class=InfoQueryForm,
    validate=validate_info_query, result_builder=build_info_query_report, attachments_required=False, guide=GUIDE,
))
