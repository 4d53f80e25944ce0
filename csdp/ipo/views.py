from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.clock.services import business_today
from csdp.ipo.issuer import detail_filings as filings
from csdp.ipo import pages
from csdp.ipo.issuer.counter_types import lockup_template as template
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.errors import IpoError
from csdp.ipo.subscription.exchange_subscriptions import ExchangeFileRejected
from csdp.ipo.forms import AmountForm, DeclarationFormSet, ExchangeFileForm, OfferingForm, StopForm
from csdp.ipo.models import DetailFiling, FilingKind, Offering, OfferingStatus, ParticipantFile
from csdp.lib.errors import CsdpError
from csdp.lib.listing import Listing
from csdp.ipo.seams import underwriter_account_late_prepare
from csdp.ipo.services import (
    DeclarationRow,
    offering_create,
    offering_report_account,
    proceeds_pay,
    reserve_deposit,
    reserve_withdraw,
    shortfall_declare,
    shortfall_withdraw,
)
from csdp.ipo.services import code_switch_confirm as confirm
from csdp.ipo.failure.stop import offering_stop_prepare
from csdp.keys.signing import SignatureRefused
from csdp.ledger.selectors import reserve_account_of
from csdp.lib.listing import Column, listing
from csdp.lib.publish import published_file_response
from csdp.uploads.services import UploadRejected, upload_store
from csdp.lib.web import form_errors_text

OFFERING_ROLES = STAFF | {Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT}


def _done(request, message: str, target: str, **kwargs):
    messages.success(request, message)
    return redirect(target, **kwargs)


@allow(OFFERING_ROLES)
def offering_list(request):
    return render(request, "ipo/offering_list.html", {"offerings": pages.offerings_for(request.user)})


@allow(Role.OPERATOR, Role.ADMIN)
def offering_new(request):
    form = OfferingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["price_fen"] = data.pop("price")
        try:
            offering = offering_create(**data, actor=request.user)
        except IpoError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, f"已登记发行 {offering}。", "ipo:offering_detail", offering_id=offering.pk)
    return render(request, "ipo/offering_form.html", {"form": form})


@allow(OFFERING_ROLES)
def offering_detail(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    return render(request, "ipo/offering_detail.html", pages.offering_context(offering, request.user))


@allow(Role.OPERATOR)
@require_POST
def subscriptions_upload(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    form = ExchangeFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择申购数据文件。")
        return redirect("ipo:offering_detail", offering_id=offering.pk)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subscriptions.csv"
        with open(path, "wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        try:
            rows = offering_subscriptions_load(offering=offering, path=path, actor=request.user)
        except ExchangeFileRejected as rejected:
            return render(
                request, "ipo/exchange_rejected.html", {"offering": offering, "rejected": rejected}, status=422
            )
        except IpoError as error:
            messages.error(request, error.message)
            return redirect("ipo:offering_detail", offering_id=offering.pk)
    return _done(request, f"已接收申购数据 {rows} 笔。", "ipo:offering_detail", offering_id=offering.pk)


@allow(Role.OPERATOR)
@require_POST
def eod_run_view(request):
    try:
        reports = eod_run(actor=request.user)
    except IpoError as error:
        messages.error(request, error.message)
    else:
        ran = [r for r in reports if not r.skipped and not r.error]
        for failed in (r for r in reports if r.error):
            messages.error(request, f"{failed.offering} {failed.step}：{failed.error}")
        messages.success(request, f"日终处理完成：{len(ran)} 个步骤。" if ran else "没有到期的日终步骤。")
    return redirect("ipo:offering_list")


@allow(Role.UNDERWRITER)
@require_POST
def report_account(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    account = reserve_account_of(request.user.institution)
    try:
        if account is None:
            raise IpoError("本机构尚未开立自营结算备付金账户。")
        offering_report_account(offering=offering, account=account, actor=request.user)
    except IpoError as error:
        messages.error(request, error.message)
        return redirect("ipo:offering_detail", offering_id=offering.pk)
    return _done(request, "已报备自营结算备付金账户。", "ipo:offering_detail", offering_id=offering.pk)


@allow(Role.UNDERWRITER)
@require_POST
def pay_proceeds(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    try:
        amount = proceeds_pay(
            offering=offering, actor=request.user, signature_payload=request.POST.get("key_signature", "")
        )
    except IpoError as error:
        messages.error(request, error.message)
        return redirect("ipo:offering_detail", offering_id=offering.pk)
    return _done(request, f"已划付认购资金 {amount / 100:,.2f} 元。", "ipo:payment_notice", offering_id=offering.pk)


@allow(Role.OPERATOR)
@require_POST
def stop_record(request, offering_id: int):
    """002 第五章: staff record the exchange's confirmation of a failure or suspension."""
    offering = access_object(request.user, Offering, pk=offering_id)
    form = StopForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("ipo:offering_detail", offering_id=offering.pk)
    try:
        approval = offering_stop_prepare(offering=offering, by=request.user, **form.cleaned_data)
    except IpoError as error:
        messages.error(request, error.message)
        return redirect("ipo:offering_detail", offering_id=offering.pk)
    messages.success(request, "已提交，须由另一名工作人员复核后记录并生效。")
    return redirect("approvals:detail", approval_id=approval.pk)


@allow(Role.UNDERWRITER)
@require_POST
def underwriter_deposit(request, offering_id: int):
    """The lead underwriter funds its 自营结算备付金账户 for a 第五章 refund (interest, principal)."""
    offering = access_object(request.user, Offering, pk=offering_id)
    back = reverse("ipo:offering_detail", kwargs={"offering_id": offering.pk})
    return _reserve_move(request, reserve_deposit, "已存入自营结算备付金账户。", back=back)


@allow(STAFF, Role.ISSUER, Role.UNDERWRITER)
def payment_notice(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    return render(request, "ipo/payment_notice.html", pages.payment_notice_context(offering))


@allow(Role.PARTICIPANT)
def participant_home(request):
    context = pages.participant_context(request.user)
    table = listing(
        request,
        context.pop("files"),
        default_sort="-business_date",
        filename="参与人数据文件",
        search=("offering__code", "file_type"),
        columns=[
            Column("date", "日期", "business_date", sort="business_date"),
            Column("code", "证券", "offering.code", sort="offering__code"),
            Column("type", "类型", "file_type", sort="file_type"),
            Column("format", "格式", lambda f: f.file_format.upper(), sort="file_format"),
            Column("rows", "记录数", "rows", sort="rows", numeric=True),
        ],
    )
    if not isinstance(table, Listing):  # an export
        return table
    return render(request, "ipo/participant_home.html", {**context, "table": table})


def _reserve_move(request, service, done: str, *, back: str = "ipo:participant_home"):
    """Deposit or withdraw (the participant page, the underwriter's offering page): one form, one
    service, back to the page (``back``: a URL name or path)."""
    form = AmountForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(back)
    try:
        service(
            institution=request.user.institution,
            amount_fen=form.cleaned_data["amount"],
            reference=form.cleaned_data["reference"],
            actor=request.user,
        )
    except IpoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(back)


@allow(Role.PARTICIPANT)
@require_POST
def deposit(request):
    return _reserve_move(request, reserve_deposit, "存入成功。")


@allow(Role.PARTICIPANT)
@require_POST
def withdraw(request):
    return _reserve_move(request, reserve_withdraw, "划出成功。")


def _declarations_page(request, offering, formset, status=200):
    participant = pages.participant_of(request.user)
    return render(
        request,
        "ipo/declare.html",
        {
            "offering": offering,
            "formset": formset,
            "declarations": pages.declarations_of(offering, participant),
        },
        status=status,
    )


@allow(Role.PARTICIPANT)
def declare(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    formset = DeclarationFormSet(request.POST or None)
    if request.method == "POST" and formset.is_valid():
        rows = [DeclarationRow(**f.cleaned_data) for f in formset if f.cleaned_data]
        participant = pages.participant_of(request.user)
        try:
            saved = shortfall_declare(offering=offering, participant=participant, rows=rows, actor=request.user)
        except IpoError as error:
            messages.error(request, error.message)
        else:
            receipts = "、".join(d.receipt for d in saved)
            return _done(
                request,
                f"已受理 {len(saved)} 名资金不足的投资者的申报（受理编号 {receipts}）；"
                "T+1 日日终其申购按无效申购处理。",
                "ipo:declare",
                offering_id=offering.pk,
            )
    return _declarations_page(request, offering, formset)


@allow(Role.PARTICIPANT)
@require_POST
def declaration_withdraw(request, offering_id: int):
    """002 §4.1.2(四): a declaration may be withdrawn until 15:30 on T+1."""
    offering = access_object(request.user, Offering, pk=offering_id)
    participant = pages.participant_of(request.user)
    try:
        seqs = [int(seq) for seq in request.POST.getlist("seq")]
        count = shortfall_withdraw(offering=offering, participant=participant, seqs=seqs, actor=request.user)
    except ValueError:
        messages.error(request, "成交号码无效。")
    except IpoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已撤回 {count} 条资金不足申报。")
    return redirect("ipo:declare", offering_id=offering.pk)


@allow(STAFF, Role.PARTICIPANT)
def file_download(request, participant_file_id: int):
    record = access_object(request.user, ParticipantFile, pk=participant_file_id)
    return published_file_response(record.path)


# --- the issuer's T+2 filings (002 §2.1.2(一)–(四)) and the L-day result ------------------------


@allow(Role.ISSUER)
def filing_template(request, offering_id: int, kind: str):
    offering = access_object(request.user, Offering, pk=offering_id)
    if kind not in FilingKind.values:
        raise Http404("没有这种明细。")
    response = HttpResponse(
        filings.filing_template(kind), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{offering.code}-{kind}.xlsx"'
    return response


@allow(Role.ISSUER, STAFF)
def filing_list(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    context = pages.filings_context(request, offering)
    for row in context["rows"]:
        if row["details"] is not None and not isinstance(row["details"], Listing):  # an export
            return row["details"]
    return render(request, "ipo/filings.html", context)


@allow(Role.ISSUER)
@require_POST
def filing_upload(request, offering_id: int, kind: str):
    offering = access_object(request.user, Offering, pk=offering_id)
    if kind not in FilingKind.values or "file" not in request.FILES:
        messages.error(request, "请选择要上传的明细文件。")
        return redirect("ipo:filing_list", offering_id=offering.pk)
    try:
        stored = upload_store(
            file=request.FILES["file"], kind="spreadsheet", owner=request.user.institution, actor=request.user
        )
        filings.detail_filing_submit(offering=offering, kind=kind, stored=stored, actor=request.user)
    except UploadRejected as rejected:
        messages.error(request, rejected.message)
    except filings.FilingRejected as rejected:
        context = pages.filings_context(request, offering, rejected_kind=kind)
        context.update(rejected=rejected, rejected_kind=FilingKind(kind).label)
        return render(request, "ipo/filings.html", context, status=422)
    except IpoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{FilingKind(kind).label}校验通过，请核对申报明细清单并确认。")
    return redirect("ipo:filing_list", offering_id=offering.pk)


@allow(Role.ISSUER)
@require_POST
def filing_confirm(request, offering_id: int, kind: str):
    offering = access_object(request.user, Offering, pk=offering_id)
    filing = access_object(request.user, DetailFiling.objects.live(), offering=offering, kind=kind)
    try:
        filings.detail_filing_confirm(
            filing=filing, signature_payload=request.POST.get("key_signature", ""), actor=request.user
        )
    except (IpoError, SignatureRefused) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已确认申报明细清单。")
    return redirect("ipo:filing_list", offering_id=offering.pk)


@allow(Role.OPERATOR)
@require_POST
def filing_return(request, offering_id: int, kind: str):
    """Staff return a confirmed 申报明细清单 to the issuer for correction (before registration)."""
    offering = access_object(request.user, Offering, pk=offering_id)
    filing = access_object(request.user, DetailFiling.objects.live(), offering=offering, kind=kind)
    try:
        filings.detail_filing_return(filing=filing, reason=request.POST.get("reason", ""), actor=request.user)
    except IpoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已将{filing.get_kind_display()}退回发行人更正。")
    return redirect("ipo:filing_list", offering_id=offering.pk)


@allow(Role.ISSUER, STAFF)
def registration_result(request, offering_id: int):
    """002 §2.1.2(八): the issuer reads the registration result from L."""
    offering = access_object(request.user, Offering, pk=offering_id)
    if request.user.role == Role.ISSUER and (
        business_today() < offering.listing_date
        or offering.status not in (OfferingStatus.REGISTERED, OfferingStatus.LISTED)
    ):
        messages.error(request, f"股份登记结果于上市日（{offering.listing_date}）起可查看。")
        return redirect("ipo:offering_detail", offering_id=offering.pk)
    response = HttpResponse(
        pages.registration_result_xlsx(offering),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{offering.code}-registration.xlsx"'
    return response


@allow(Role.ISSUER)
@require_POST
def code_switch_confirm(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    try:
        confirm(offering=offering, signature_payload=request.POST.get("key_signature", ""), actor=request.user)
    except (IpoError, SignatureRefused) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已确认代码切换结果。")
    return redirect("ipo:offering_detail", offering_id=offering.pk)


@allow(Role.ISSUER)
def lockup_template(request):
    """The Excel template of the T-1 lock-up list (the counter's 新股发行股份登记申请 reads it)."""
    response = HttpResponse(
        template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="lockup-template.xlsx"'
    return response


@allow(Role.OPERATOR, Role.ADMIN)
@require_POST
def underwriter_account_late(request, offering_id: int):
    """Staff record the lead underwriter's late-reported account; a reviewer approves it (/approvals/)."""
    offering = access_object(request.user, Offering, pk=offering_id)
    try:
        underwriter_account_late_prepare(offering=offering, by=request.user)
    except CsdpError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已提交登记主承销商补报的账户，须由复核岗复核后生效。")
    return redirect("ipo:offering_detail", offering_id=offering.pk)
