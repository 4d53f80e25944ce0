"""Greenshoe pages: the issuer files DJ, the lead underwriter records agreements and files CSPLW,
staff create the option and review the filings (002 §2.2, §3.3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.greenshoe import pages
from csdp.greenshoe.errors import FilingRejected, GreenshoeError
from csdp.greenshoe.forms import AgreementForm, LimitReachedForm, OptionForm, RejectForm, SheetForm
from csdp.greenshoe.models import FilingKind, GreenshoeFiling, GreenshoeOption
from csdp.greenshoe.services import (
    agreement_add,
    filing_register,
    filing_reject,
    filing_sign,
    filing_submit,
    limit_reached_declare,
    option_create,
)
from csdp.greenshoe.sheets import template
from csdp.ipo.models import Offering
from csdp.securities.models import SecuritiesAccount
from csdp.uploads.services import UploadRejected, upload_store
from csdp.lib.web import refusal_redirect

SEEN_BY = STAFF | {Role.ISSUER, Role.UNDERWRITER}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Who files which layout: the issuer the DJ issuance data, the lead underwriter the CSPLW transfers.
FILER = {FilingKind.ISSUANCE: "issuer", FilingKind.TRANSFER: "underwriter"}


def _back(request, option, message: str, ok: bool = True):
    (messages.success if ok else messages.error)(request, message)
    return redirect("greenshoe:detail", option_id=option.pk)


@allow(SEEN_BY)
def option_list(request):
    return render(request, "greenshoe/list.html", {"options": pages.options_for(request.user)})


@allow(Role.OPERATOR, Role.ADMIN)
def option_new(request):
    form = OptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        offering = Offering.objects.filter(code=form.cleaned_data["offering_code"]).first()
        try:
            if offering is None:
                raise GreenshoeError("没有该证券代码的公开发行。")
            option = option_create(
                offering=offering,
                exercise_end=form.cleaned_data["exercise_end"],
                limit_shares=form.cleaned_data["limit_shares"],
                actor=request.user,
            )
        except GreenshoeError as error:
            form.add_error(None, error.message)
        else:
            return _back(request, option, "已登记超额配售选择权。")
    return render(request, "greenshoe/option_form.html", {"form": form})


@allow(SEEN_BY)
def option_detail(request, option_id: int, rejected=None, status=200):
    option = access_object(request.user, GreenshoeOption, pk=option_id)
    context = pages.option_context(option, request.user)
    context.update(
        rejected=rejected, agreement_form=AgreementForm(), limit_form=LimitReachedForm(), sheet_form=SheetForm()
    )
    return render(request, "greenshoe/detail.html", context, status=status)


def _underwriter_option(request, option_id: int) -> GreenshoeOption:
    option = access_object(request.user, GreenshoeOption, pk=option_id)
    if option.offering.underwriter_id != request.user.institution_id:
        raise Http404
    return option


@allow(Role.UNDERWRITER)
@require_POST
@refusal_redirect("greenshoe:detail", "option_id")
def agreement_new(request, option_id: int):
    option = _underwriter_option(request, option_id)
    form = AgreementForm(request.POST)
    if not form.is_valid():
        return _back(request, option, "；".join(m for ms in form.errors.values() for m in ms), ok=False)
    account = SecuritiesAccount.objects.filter(number=form.cleaned_data["account_number"]).first()
    if account is None:
        raise GreenshoeError("证券账户不存在。")
    agreement_add(option=option, account=account, shares=form.cleaned_data["shares"], actor=request.user)
    return _back(request, option, f"已记录 {account.number} 的延期交付股票协议。")


@allow(Role.UNDERWRITER)
@require_POST
@refusal_redirect("greenshoe:detail", "option_id")
def limit_reached(request, option_id: int):
    option = _underwriter_option(request, option_id)
    form = LimitReachedForm(request.POST)
    if not form.is_valid():
        raise GreenshoeError("请填写达到限额的日期。")
    limit_reached_declare(option=option, on=form.cleaned_data["on"], actor=request.user)
    return _back(request, option, "已报告累计购买达到限额。")


@allow(SEEN_BY)
def sheet_template(request, option_id: int):
    access_object(request.user, GreenshoeOption, pk=option_id)
    kind = request.GET.get("kind", "")
    if kind not in FilingKind.values:
        raise Http404
    response = HttpResponse(template(kind), content_type=XLSX)
    name = "DJ" if kind == FilingKind.ISSUANCE else "CSPLW"
    response["Content-Disposition"] = f'attachment; filename="{name}_template.xlsx"'
    return response


@allow(Role.ISSUER, Role.UNDERWRITER)
@require_POST
def sheet_upload(request, option_id: int):
    option = access_object(request.user, GreenshoeOption, pk=option_id)
    kind = FilingKind.ISSUANCE if request.user.institution.kind == "issuer" else FilingKind.TRANSFER
    owner_id = option.offering.issuer_id if kind == FilingKind.ISSUANCE else option.offering.underwriter_id
    if owner_id != request.user.institution_id:
        raise Http404
    form = SheetForm(request.POST, request.FILES)
    if not form.is_valid():
        return _back(request, option, "请选择 Excel 文件。", ok=False)
    try:
        stored = upload_store(
            file=form.cleaned_data["file"], kind="spreadsheet", owner=request.user.institution, actor=request.user
        )
        filing = filing_submit(option=option, kind=kind, stored=stored, actor=request.user)
    except UploadRejected as error:
        return _back(request, option, error.message, ok=False)
    except GreenshoeError as error:
        return _back(request, option, error.message, ok=False)
    except FilingRejected as rejected:
        return option_detail(request, option_id=option.pk, rejected=rejected, status=422)
    messages.success(request, f"{filing.get_kind_display()}已通过校验，请核对明细后以 USB-KEY 签名提交。")
    return redirect("greenshoe:filing_detail", greenshoe_filing_id=filing.pk)


@allow(SEEN_BY)
def filing_detail(request, greenshoe_filing_id: int):
    filing = access_object(request.user, GreenshoeFiling, pk=greenshoe_filing_id)
    return render(
        request,
        "greenshoe/filing_detail.html",
        pages.filing_context(filing, request.user) | {"reject_form": RejectForm()},
    )


@allow(Role.ISSUER, Role.UNDERWRITER)
@require_POST
@refusal_redirect("greenshoe:filing_detail", "greenshoe_filing_id")
def filing_sign_view(request, greenshoe_filing_id: int):
    """The filer signs the checked details with its USB-KEY; the filing then waits for staff."""
    filing = access_object(request.user, GreenshoeFiling, pk=greenshoe_filing_id)
    filing_sign(filing=filing, signature_payload=request.POST.get("key_signature", ""), actor=request.user)
    messages.success(request, "已签名提交，等待本公司审核。")
    return redirect("greenshoe:filing_detail", greenshoe_filing_id=filing.pk)


@allow(STAFF)
@require_POST
@refusal_redirect("greenshoe:filing_detail", "greenshoe_filing_id")
def filing_approve(request, greenshoe_filing_id: int):
    filing = access_object(request.user, GreenshoeFiling, pk=greenshoe_filing_id)
    filing_register(filing=filing, actor=request.user)
    messages.success(request, "审核通过，已办理登记。")
    return redirect("greenshoe:filing_detail", greenshoe_filing_id=filing.pk)


@allow(STAFF)
@require_POST
@refusal_redirect("greenshoe:filing_detail", "greenshoe_filing_id")
def filing_refuse(request, greenshoe_filing_id: int):
    filing = access_object(request.user, GreenshoeFiling, pk=greenshoe_filing_id)
    filing_reject(filing=filing, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, "已退回。")
    return redirect("greenshoe:filing_detail", greenshoe_filing_id=filing.pk)
