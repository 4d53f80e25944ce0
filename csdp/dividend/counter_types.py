"""权益分派 as structured counter business type 05 (seed 000 §一(四); issue 4 §6 plug-in).

The issuer files the plan — per 10 shares: cash (yuan, tax-inclusive, ≤ 6 decimals), 送股, 转增 — with
the record date it proposes, and attaches the shareholders' resolution and the draft announcement.
Staff accept it (受理): an operator's acceptance prepares the four-eyes approval ``dividend.plan``
with the seed of the fraction draw; a different reviewer's approval schedules the distribution.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from csdp.approvals.services import approval_prepare
from csdp.clock.services import business_today
from csdp.counter.registry import BusinessTypeSpec, FilingContext, StructuredForm, register_business_type
from csdp.counter.selectors import securities_codes_for
from csdp.counter.services import CounterError
from csdp.dividend.dates import dates_for, deadline_text, rule_text
from csdp.dividend.engine import RateError, Rates
from csdp.dividend.kinds import PLAN
from csdp.dividend.models import Method
from csdp.dividend.errors import DividendError
from csdp.dividend.services import check_has_capital
from csdp.lib.env import ConfigError
from csdp.lib.errors import CsdpError
from csdp.securities.models import Security

CODE = "05"
RATE_HELP = "最多 6 位小数；为 0 表示不实施该项"
# Django's own Chinese texts for these end with an ASCII full stop
RATE_MESSAGES = {
    "max_digits": "总共不超过 %(max)s 位数字。",
    "max_whole_digits": "整数部分不超过 %(max)s 位。",
}


# rules.md §12: a rate per 10 shares is a plain decimal with at most six decimals — "1e3", "+1", ".5" are not
PLAIN_RATE = re.compile(r"[0-9]+(\.[0-9]{1,6})?")
RATE_FIELDS = {"cash_per_10": "每10股派现金", "bonus_per_10": "每10股送股", "transfer_per_10": "每10股转增"}


def _plain_rate_problem(what: str, text: object) -> str | None:
    if PLAIN_RATE.fullmatch(str(text).strip()):
        return None
    return f"{what}须为普通小数写法的非负数（如 1.5），最多 6 位小数。"


class RateField(forms.DecimalField):
    """A DecimalField that takes only the plain notation (Decimal itself reads "1e3" as 1000, shown "1E+3")."""

    def __init__(self, label: str, what: str) -> None:
        super().__init__(
            label=label,
            min_value=Decimal(0),
            max_digits=16,
            decimal_places=6,
            initial=Decimal(0),
            help_text=RATE_HELP,
            error_messages=RATE_MESSAGES,
        )
        self.what = what

    def to_python(self, value):
        if value not in self.empty_values:
            problem = _plain_rate_problem(self.what, value)
            if problem:
                raise ValidationError(problem, code="invalid")
        return super().to_python(value)


class DistributionForm(StructuredForm):
    cash_per_10 = RateField("每10股派现金（元，含税）", RATE_FIELDS["cash_per_10"])
    bonus_per_10 = RateField("每10股送股（股）", RATE_FIELDS["bonus_per_10"])
    transfer_per_10 = RateField("每10股转增（股）", RATE_FIELDS["transfer_per_10"])
    record_date = forms.DateField(
        label="股权登记日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写股权登记日。", "invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )
    resolution_date = forms.DateField(
        label="股东大会决议日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写股东大会决议日期。"},
    )
    method = forms.ChoiceField(label="尾数处理", choices=Method.choices, initial=Method.PRECISE)

    def clean(self):
        data = super().clean()
        if all(not data.get(k) for k in ("cash_per_10", "bonus_per_10", "transfer_per_10")):
            raise ValidationError("派现金、送股、转增至少填写一项。")
        record_date, resolution_date = data.get("record_date"), data.get("resolution_date")
        if record_date and resolution_date:
            problem = resolution_date_problem(resolution_date, record_date)
            if problem:
                self.add_error("resolution_date", problem)
        return data


def resolution_date_problem(resolution_date: dt.date, record_date: dt.date) -> str | None:
    """The shareholders' meeting resolved the plan before it is filed, and before its record date."""
    if resolution_date > business_today():
        return f"股东大会决议日期 {resolution_date} 晚于今天，请填写已召开的股东大会的决议日期。"
    if resolution_date > record_date:
        return f"股东大会决议日期 {resolution_date} 晚于股权登记日 {record_date}。"
    return None


def plan_of(data: dict) -> tuple[Rates, dt.date]:
    return (
        Rates.parse(data.get("cash_per_10", "0"), data.get("bonus_per_10", "0"), data.get("transfer_per_10", "0")),
        dt.date.fromisoformat(data["record_date"]),
    )


def _resolution_date(data: dict) -> dt.date:
    try:
        return dt.date.fromisoformat(str(data["resolution_date"]))
    except KeyError:
        raise ValidationError("请填写股东大会决议日期。") from None
    except ValueError:
        raise ValidationError("股东大会决议日期须为有效的日期（YYYY-MM-DD）。") from None


def validate_distribution(context: FilingContext) -> None:
    """The filing's checks, whatever the form (the page's form checks the same, field by field)."""
    if context.securities_code not in securities_codes_for(context.institution):
        raise ValidationError(f"证券代码 {context.securities_code} 不是本机构的证券。")
    security = Security.objects.filter(code=context.securities_code).first()
    if security is None:
        raise ValidationError(f"证券代码 {context.securities_code} 未在本公司登记。")
    try:
        check_has_capital(security)
    except DividendError as error:
        raise ValidationError(error.message) from None
    for key, what in RATE_FIELDS.items():
        problem = _plain_rate_problem(what, context.data.get(key, "0"))
        if problem:
            raise ValidationError(problem)
    try:
        rates, record_date = plan_of(context.data)
        dates = dates_for(record_date)
    except (RateError, ValueError, KeyError, ConfigError) as error:
        raise ValidationError(str(error)) from None
    problem = resolution_date_problem(_resolution_date(context.data), record_date)
    if problem:
        raise ValidationError(problem)
    if not (rates.cash_micro or rates.shares_micro):
        raise ValidationError("派现金、送股、转增至少填写一项。")
    if rates.cash_micro and dates.funding_deadline <= business_today():
        raise ValidationError(
            f"代派资金截止日 {dates.funding_deadline}（{deadline_text()}）应晚于今天，请改定股权登记日。"
        )
    if record_date <= business_today():
        raise ValidationError("股权登记日应晚于今天。")


def distribution_accepted(application) -> None:
    """受理 prepares the four-eyes approval of the plan (by the accepting operator)."""
    round_ = application.rounds.filter(signed_at__isnull=False).order_by("-number").first()
    data = round_.data
    rates, record_date = plan_of(data)
    security = Security.objects.get(code=application.securities_code)
    payload = {
        "application_id": application.pk,
        "code": security.code,
        "issuer_id": application.filer_institution_id,
        "cash_micro": rates.cash_micro,
        "bonus_micro": rates.bonus_micro,
        "transfer_micro": rates.transfer_micro,
        "record_date": record_date.isoformat(),
        "method": data.get("method", Method.PRECISE),
        "seed": secrets.randbits(62),
    }  # the fraction draw's seed, recorded and approved with the plan
    text = (
        f"{security.code} 权益分派：每10股派 {data.get('cash_per_10', '0')} 元、送 {data.get('bonus_per_10', '0')} 股、"
        f"转增 {data.get('transfer_per_10', '0')} 股，股权登记日 {record_date}"
    )
    try:
        approval_prepare(
            kind=PLAN,
            # one approval per accepted round: a round the reviewer rejected comes back corrected as the next
            key=f"dividend:plan:{application.pk}:{round_.number}",
            summary=text,
            payload=payload,
            by=application.assignee,
            subject=application,
        )
    except CsdpError as error:
        raise CounterError(error.message) from None


def derived_rows(data: dict) -> list[tuple[str, str]]:
    """The dates the plan's record date gives (dates.py), shown with the plan before the issuer signs."""
    try:
        rates, record_date = plan_of(data)
        dates = dates_for(record_date)
    except (RateError, ValueError, KeyError, ConfigError):
        return []  # nothing to derive from: the form's own errors say why
    rows = [
        ("除权除息日（推算）", f"{dates.ex_date:%Y-%m-%d}"),
        ("派息日（推算）", f"{dates.pay_date:%Y-%m-%d}"),
        ("红股上市日（推算）", f"{dates.list_date:%Y-%m-%d}"),
    ]
    if rates.cash_micro:
        rows.append(("代派资金到账截止日（推算）", f"{dates.funding_deadline:%Y-%m-%d} 日终"))
    return rows


def guide_text() -> str:
    """The initial 业务指南, with the dates' rule as configured (dates.py; the spec is registered once the
    settings are loaded, from DividendConfig.ready). Funding is not filed here: it is declared on the
    distribution's page once the plan is approved, and counts only when the depository confirms it
    (funding.py)."""
    return "\n".join(
        [
            "【权益分派】业务指南",
            "1. 申报：在申请表中填写每10股派现金（元，含税，最多 6 位小数）、送股、转增比例，股权登记日，"
            "股东大会决议日期及尾数处理方式（精确算法或截尾），并上传股东大会决议和权益分派实施公告（草案）。",
            f"2. 日期：除权除息日、派息日、红股上市日分别为{rule_text()}，代派资金截止日为{deadline_text()}，"
            "均按交易日历推算；确认提交前页面列示推算结果。",
            "3. 受理与复核：本公司受理后由经办人员提交复核，复核通过后排期，本业务在“权益分派”页面可查。",
            "4. 代派资金（有现金红利的）：复核通过后，请将现金红利划至本公司，并在该权益分派页面登记银行流水号和金额；"
            "本公司核对银行到账后确认。应付金额为股权登记日日终登记的总股本 × 每10股派现金 ÷ 10，"
            f"于代派资金截止日（{deadline_text()}）日终前经确认到账的资金方计入；"
            "未足额到账的，现金红利不实施，已到账资金退回，送股、转增照常实施。",
            "5. 结果：派息日将现金红利派发至各托管结算参与人，红股上市日登记送转股，并向发行人发送权益分派结果。",
        ]
    )


DISTRIBUTION = register_business_type(
    BusinessTypeSpec(
        code=CODE,
        name="权益分派",
        filer_kinds={"issuer"},
        form_class=DistributionForm,
        validate=validate_distribution,
        on_accepted=distribution_accepted,
        attachments_required=True,
        guide=guide_text(),
        derived_rows=derived_rows,
    )
)
