"""Counter business types 01 股份初始登记, 02 新增股份登记, 03 股份解除限售登记, 04 股份限售登记 and
06 退出登记 as structured types (seed 000 §一(四), §三; rules.md §11), on the counter's engine like the
IPO's T-1 application: a typed form with the Excel data sheet (template at
/register/businesses/<code>/template.xlsx), every row checked against the securities master and the
register with every problem listed at once, the catalogue's materials as attachments, the USB-KEY
signature and the handling rounds of the counter. Accepting the application prepares the four-eyes
approval of its effect (csdp.register.issuer_businesses); the results go back once it is applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from csdp.approvals.models import Approval, Status as ApprovalStatus
from csdp.approvals.services import approval_prepare
from csdp.clock.services import CalendarError, business_today, is_trading_day
from csdp.counter.catalogue import DEFAULT_TYPES, default_guide
from csdp.counter.registry import BusinessTypeSpec, FilingContext, StructuredForm, register_business_type
from csdp.counter.selectors import securities_codes_for
from csdp.counter.states import CounterError, Status as ApplicationStatus
from csdp.register.issuer_businesses import (
    BUSINESSES,
    EXIT,
    INITIAL,
    KIND,
    WITH_ROWS,
    Business,
    business_payload,
    business_problems,
    business_summary,
)
from csdp.register.issuer_business_review import business_progress
from csdp.register.issuer_sheet import SheetRow, sheet_read

DECLARATION = "发行人对申报数据的真实性、准确性、完整性负责（申报制）"


def _problem_messages(problems: Sequence[object]) -> list[str]:
    shown = [str(p) for p in problems[:200]]
    if len(problems) > 200:
        shown.append(f"另有 {len(problems) - 200} 处问题未列出。")
    return shown


class RegisterBusinessForm(StructuredForm):
    """The typed part of 01–04: the effective date, the declared total, the data sheet."""

    business: Business = INITIAL
    effective_date = forms.DateField(
        label="登记生效日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写登记生效日。", "invalid": "请填写有效日期（YYYY-MM-DD）。"},
    )
    declared = forms.IntegerField(
        label="申报股份合计（股）",
        min_value=1,
        error_messages={"required": "请填写申报股份合计。", "min_value": "申报股份合计应为正整数。"},
    )
    data_file = forms.FileField(
        label="持有明细数据（按数据模板填写的 Excel）", error_messages={"required": "请上传持有明细数据（Excel）。"}
    )
    declaration = forms.BooleanField(label=DECLARATION, error_messages={"required": "须确认对申报数据负责。"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["declared"].label = self.business.declared_label
        self._rows: list[SheetRow] = []

    def clean_data_file(self) -> Any:
        upload = self.cleaned_data["data_file"]
        content = upload.read()
        rows, problems = sheet_read(content)
        if problems:
            raise ValidationError(["持有明细数据有误，整份文件不予接收："] + _problem_messages(problems))
        self._rows = rows
        self._file = (upload.name, hashlib.sha256(content).hexdigest())
        return upload

    def data_files(self) -> list[Any]:
        """The sheet as filed, kept with the round (申报文件: staff and the issuer download it)."""
        return [self.cleaned_data["data_file"]]

    def json_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        name, sha256 = self._file
        return {
            "business": self.business.code,
            "effective_date": data["effective_date"].isoformat(),
            "declared": data["declared"],
            "declaration": True,
            "file_name": name,
            "file_sha256": sha256,
            "rows": [r.as_json() for r in self._rows],
        }


class ExitForm(StructuredForm):
    business: Business = EXIT
    effective_date = forms.DateField(
        label="退出登记生效日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写退出登记生效日。"},
    )
    reason = forms.CharField(
        label="退出原因（终止上市/挂牌的决定文件文号）", max_length=200, error_messages={"required": "请填写退出原因。"}
    )
    declaration = forms.BooleanField(
        label="申请以生效日日终的证券持有人名册办理移交，此后不再办理登记业务",
        error_messages={"required": "须确认移交与关闭登记簿。"},
    )

    def json_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "business": EXIT.code,
            "effective_date": data["effective_date"].isoformat(),
            "reason": data["reason"],
            "declaration": True,
            "rows": [],
        }


def _form_for(business: Business) -> type[forms.Form]:
    base = ExitForm if business is EXIT else RegisterBusinessForm
    return type(f"Form{business.code}", (base,), {"business": business})


def _validate(business: Business) -> Callable[[FilingContext], None]:
    def validate(context: FilingContext) -> None:
        if context.securities_code not in securities_codes_for(context.institution):
            raise ValidationError(f"证券代码 {context.securities_code} 不是本机构的证券。")
        data = context.data
        effective = dt.date.fromisoformat(data["effective_date"])
        if effective < business_today():
            raise ValidationError("登记生效日不能早于今天。")
        _check_trading_day(effective)
        _, problems = _filing_problems(business, context.securities_code, data)
        if problems:
            raise ValidationError(["申报数据与证券登记簿核对不符，整份申报不予接收："] + _problem_messages(problems))

    return validate


def _filing_problems(business: Business, code: str, data: dict[str, Any]) -> tuple[list[SheetRow], list[Any]]:
    """The filing's rows and its problems against the securities master and the register (at filing, and
    again at 受理)."""
    rows = [SheetRow.from_json(r) for r in data.get("rows", [])]
    problems = business_problems(
        business=business,
        code=code,
        rows=rows,
        effective_date=dt.date.fromisoformat(data["effective_date"]),
        declared=data.get("declared"),
    )
    return rows, problems


def _check_trading_day(effective: dt.date) -> None:
    """The register changes at a trading day's end (the end of day applies it): a day without one is refused."""
    try:
        trading = is_trading_day(effective)
    except CalendarError:
        raise ValidationError(f"{effective:%Y-%m-%d} 所在年度的交易日历尚未公布，暂不能以该日为登记生效日。") from None
    if not trading:
        raise ValidationError(f"登记生效日 {effective:%Y-%m-%d} 不是交易日，请选择交易日。")


def _derived_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What the page says of the sheet's rows (kept in the round's data, which the issuer signs)."""
    rows = data.get("rows") or []
    if not rows:
        return []
    return [("持有明细", f"{len(rows):,} 行，合计 {sum(int(r[5]) for r in rows):,} 股")]


def _accepted(application: Any) -> None:
    """受理 prepares the effect for a different reviewer (csdp.approvals); nothing changes yet."""
    round_ = application.rounds.filter(signed_at__isnull=False).order_by("-number").first()
    data = round_.data
    business = BUSINESSES[application.business_type.code]
    accepted_by = application.transitions.filter(to_state=ApplicationStatus.ACCEPTED).order_by("-id").first().actor
    effective = dt.date.fromisoformat(data["effective_date"])
    # Checked again at 受理: the register or the security may have changed since the filing (a 06 applied
    # meanwhile would otherwise leave this business to fail at its end of day, after four-eyes).
    rows, problems = _filing_problems(business, application.securities_code, data)
    if problems:
        raise CounterError(
            "申报数据与证券登记簿核对不符，不能受理：" + "；".join(p.message.rstrip("。") for p in problems[:3]) + "。"
        )
    payload = business_payload(
        application=application,
        business=business,
        rows=rows,
        effective_date=effective,
        declared=data.get("declared"),
        reason=data.get("reason", ""),
    )
    approval_prepare(
        kind=KIND,
        key=f"counter:{application.pk}:{round_.number}",
        summary=business_summary(payload),
        payload=payload,
        by=accepted_by,
        subject=application,
        effective_date=effective,
    )


def _results_ready(application: Any) -> None:
    """Results go back only once the reviewer approved and the effect is on the register."""
    applied = Approval.objects.filter(
        kind=KIND, subject_type="counter.application", subject_id=str(application.pk), status=ApprovalStatus.APPLIED
    ).exists()
    if not applied:
        raise CounterError("登记变动尚未经复核并生效，不能发送办理结果。")


def _guide(code: str) -> str:
    item = next(t for t in DEFAULT_TYPES if t.code == code)
    guide = default_guide(item.name, item.materials)
    if code != EXIT.code:
        guide += (
            f"\n持有明细请按本业务的数据模板（Excel，下载：/register/businesses/template/?code={code}）填写后"
            "在申请表中上传：逐行与证券账户资料和证券持有人名册核对，有任何一处不符则整份不予接收，并列出全部问题。"
        )
    return guide + (
        "\n登记生效日应为交易日。本公司受理后由经办人员提交复核：复核未通过的，申请退回并附复核意见，请按意见修改后"
        "重新提交；复核通过的，于登记生效日记载于证券持有人名册，生效时以短信和电子邮件通知，办理结果报表随后发送。"
    )


for _business in (*WITH_ROWS, EXIT):
    register_business_type(
        BusinessTypeSpec(
            code=_business.code,
            name=_business.label,
            filer_kinds=frozenset({"issuer"}),
            form_class=_form_for(_business),
            validate=_validate(_business),
            on_accepted=_accepted,
            on_results=_results_ready,
            attachments_required=True,
            guide=_guide(_business.code),
            derived_rows=_derived_rows,
            progress=business_progress,
        )
    )
