"""Pages of 权益分派: the list (staff: all; issuer: its own), a distribution with its dates, funding,
steps, payments and held cash; the issuer's funding declaration; staff's confirmation or rejection of a
declared funding (never by the one who declared it: the service); an operator's withdrawal (prepared for
four-eyes); the participants' published files (a participant: its own; staff: all) and their download.
Thin: parse, one service call, render."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.approvals.selectors import approvals_waiting
from csdp.dividend.errors import DividendError
from csdp.dividend.funding import (
    AMOUNT_MAX_FEN,
    CONFIRMERS,
    REFERENCE_MAX_CHARS,
    check_amount_fen,
    check_bank_reference,
    funding_confirm,
    funding_declare,
    funding_reject,
)
from csdp.dividend.kinds import WITHDRAW
from csdp.dividend.models import Distribution, DividendFile, Funding
from csdp.dividend.selectors import (
    cash_figures,
    closed_bonus_of,
    funding_amounts,
    funding_reasons,
    held_summary,
    rates_text,
)
from csdp.dividend.services import distribution_withdraw_prepare
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.publish import published_file_response
from csdp.lib.web import form_cleaned, refusal_redirect


AMOUNT_RULE_YUAN = "金额须为正数，最多两位小数（单位：元）。"
AMOUNT_TOO_LARGE_YUAN = "金额过大，请核对（单位：元）。"


class FundingForm(forms.Form):
    """Each field says what is wrong with it; the rules are the service's (funding.check_*), which the API
    meets too."""

    bank_reference = forms.CharField(
        label="银行流水号",
        widget=forms.TextInput(attrs={"maxlength": REFERENCE_MAX_CHARS}),  # the length is checked after NFKC
        error_messages={"required": "请填写银行流水号。"},
    )
    # The issuer types yuan, as on its bank's transfer; the ledger and the API take fen. Text, not
    # DecimalField: "1e3" is not an amount, and a number past the bigint is refused with a message
    # instead of reaching the database.
    amount_yuan = forms.CharField(
        label="金额（元）",
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
        error_messages={"required": "请填写金额（单位：元）。"},
    )

    def clean_bank_reference(self) -> str:
        return _refused_as_invalid(check_bank_reference, self.cleaned_data["bank_reference"])

    def clean_amount_yuan(self) -> int:
        """The amount in fen, exact (no Decimal or float on the way: the digits are the fen)."""
        text = unicodedata.normalize("NFKC", self.cleaned_data["amount_yuan"]).strip()
        match = re.fullmatch(r"([0-9]+)(?:\.([0-9]{1,2}))?", text)
        if not match:
            raise forms.ValidationError(AMOUNT_RULE_YUAN)
        whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
        if len(whole) > 28:  # int() of thousands of digits is refused by Python itself; too large anyway
            raise forms.ValidationError(AMOUNT_TOO_LARGE_YUAN)
        fen = int(whole) * 100 + int(cents)
        if fen <= 0:
            raise forms.ValidationError(AMOUNT_RULE_YUAN)
        if fen > AMOUNT_MAX_FEN:
            raise forms.ValidationError(AMOUNT_TOO_LARGE_YUAN)
        return _refused_as_invalid(check_amount_fen, fen)


def _refused_as_invalid(check, value):
    try:
        return check(value)
    except DividendError as error:
        raise forms.ValidationError(error.message) from None


class ConfirmForm(forms.Form):
    value_date = forms.DateField(label="到账日期（银行起息日，空为今日）", required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label="驳回原因", max_length=200)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)


@allow(STAFF, Role.ISSUER)
def distribution_list(request):
    rows = listing(
        request,
        Distribution.objects.visible_to(request.user).select_related("security", "issuer"),
        columns=[
            Column("security", "证券", "security.code", sort="security__code"),
            Column("issuer", "发行人", "issuer.name", sort="issuer__name"),
            Column("record_date", "股权登记日", "record_date", sort="record_date"),
            Column("pay_date", "派息日", "pay_date", sort="pay_date"),
            Column("list_date", "红股上市日", "list_date", sort="list_date"),
            Column("status", "状态", "get_status_display", sort="status"),
            Column("cash_status", "现金红利", "get_cash_status_display", sort="cash_status"),
        ],
        default_sort="-record_date",
        search=("security__code", "security__name", "issuer__name"),
        filename="权益分派",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "dividend/list.html", {"distributions": rows})


@allow(STAFF, Role.ISSUER)
def distribution_detail(request, distribution_id: int):
    d = access_object(request.user, Distribution.objects.select_related("security", "issuer"), pk=distribution_id)
    closed = listing(
        request,
        closed_bonus_of(d),
        columns=[
            Column("account", "证券账户", "account_number", sort="account_number"),
            Column("participant", "托管结算参与人", lambda r: r.participant_name or "无托管", sort="participant_name"),
            Column("shares", "送转股（股）", "shares", sort="shares", numeric=True),
        ],
        default_sort="account",
        search=("account_number",),
        filename="已注销账户送转股",
        prefix="closed_",
    )
    if not isinstance(closed, Listing):  # an export
        return closed
    fundings = list(d.fundings.select_related("declared_by", "confirmed_by"))
    reasons = funding_reasons(d)
    for f in fundings:  # one form per row, each with its own element ids
        f.reason = reasons.get(f.pk, "")
        f.confirm_form = ConfirmForm(auto_id=f"id_%s_{f.pk}")
        f.reject_form = RejectForm(auto_id=f"id_%s_{f.pk}")
    return render(
        request,
        "dividend/detail.html",
        {
            "d": d,
            "rates": rates_text(d.cash_micro, d.bonus_micro, d.transfer_micro),
            "cash": cash_figures(d),
            "amounts": funding_amounts(d),
            "fundings": fundings,
            "may_confirm": request.user.staff_role in CONFIRMERS,
            "steps": d.steps.all(),
            "payments": d.payments.select_related("participant"),
            "transitions": d.transitions.all(),
            "held": held_summary(d),
            "closed_bonus": closed,
            "funding_form": FundingForm(auto_id="id_fund_%s"),
            "withdraw_form": WithdrawForm(auto_id="id_withdraw_%s"),
            "withdrawal_waiting": approvals_waiting(kind=WITHDRAW, subject=d).select_related("prepared_by").first(),
            "is_staff": bool(request.user.staff_role),
        },
    )


@require_POST
@allow(Role.ISSUER, Role.OPERATOR)
@refusal_redirect("dividend:detail", "distribution_id")
def fund(request, distribution_id: int):
    d = access_object(request.user, Distribution, pk=distribution_id)
    cleaned = form_cleaned(FundingForm(request.POST))
    funding_declare(
        distribution=d, bank_reference=cleaned["bank_reference"], amount_fen=cleaned["amount_yuan"], by=request.user
    )
    messages.success(request, "代派资金已登记，待本公司核对银行到账后确认。")
    return redirect("dividend:detail", distribution_id=d.pk)


def _funding(request, distribution_id: int, funding_id: int) -> Funding:
    d = access_object(request.user, Distribution, pk=distribution_id)
    return access_object(request.user, Funding.objects.filter(distribution=d), pk=funding_id)


@require_POST
@allow(*CONFIRMERS)
@refusal_redirect("dividend:detail", "distribution_id")
def confirm(request, distribution_id: int, funding_id: int):
    funding = _funding(request, distribution_id, funding_id)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        funding_confirm(funding=funding, by=request.user, value_date=form.cleaned_data["value_date"])
        messages.success(request, f"银行流水号 {funding.bank_reference} 已确认到账，资金已入代派资金账户。")
    else:
        messages.error(request, "到账日期格式不正确。")
    return redirect("dividend:detail", distribution_id=distribution_id)


@require_POST
@allow(*CONFIRMERS)
@refusal_redirect("dividend:detail", "distribution_id")
def reject(request, distribution_id: int, funding_id: int):
    funding = _funding(request, distribution_id, funding_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        funding_reject(funding=funding, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"银行流水号 {funding.bank_reference} 的登记已驳回，已通知发行人。")
    else:
        messages.error(request, "请填写驳回原因。")
    return redirect("dividend:detail", distribution_id=distribution_id)


@require_POST
@allow(Role.OPERATOR, Role.ADMIN)
@refusal_redirect("dividend:detail", "distribution_id")
def withdraw(request, distribution_id: int):
    d = access_object(request.user, Distribution, pk=distribution_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        distribution_withdraw_prepare(distribution=d, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, "撤销申请已提交复核。")
    else:
        messages.error(request, "请填写撤销原因。")
    return redirect("dividend:detail", distribution_id=d.pk)


@allow(STAFF, Role.PARTICIPANT)
def files(request):
    """权益分派数据文件: a participant's own QYMX, QYHZ and QYZC, newest first; staff see all, and may
    narrow to one distribution (``?distribution=<id>``, the link on the distribution's page)."""
    rows = DividendFile.objects.visible_to(request.user).select_related("distribution__security", "participant")
    distribution = request.GET.get("distribution", "")
    if distribution.isdigit():
        rows = rows.filter(distribution_id=int(distribution))
    table = listing(
        request,
        rows,
        columns=[
            Column("date", "业务日期", "business_date", sort="business_date"),
            Column("security", "证券代码", "distribution.security.code", sort="distribution__security__code"),
            Column("name", "证券简称", "distribution.security.name"),
            Column("record_date", "股权登记日", "distribution.record_date", sort="distribution__record_date"),
            Column("participant", "结算参与人", "participant.code", sort="participant__code"),
            Column("type", "文件类型", "file_type", sort="file_type"),
            Column("format", "格式", "file_format", sort="file_format"),
            Column("rows", "记录数", "rows", sort="rows", numeric=True),
            Column("sha256", "SHA-256", "sha256"),
        ],
        default_sort="-date",
        search=("distribution__security__code", "distribution__security__name", "participant__code", "file_type"),
        filename="权益分派数据文件",
    )
    if not isinstance(table, Listing):  # an export
        return table
    return render(
        request,
        "dividend/files.html",
        {
            "files": table,
            "distribution": distribution if distribution.isdigit() else "",
            "is_staff": bool(request.user.staff_role),
        },
    )


@allow(STAFF, Role.PARTICIPANT)
def file_download(request, dividend_file_id: int):
    record = access_object(request.user, DividendFile, pk=dividend_file_id)
    return published_file_response(record.path)
