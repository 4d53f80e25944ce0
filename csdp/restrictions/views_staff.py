"""Staff pages: review pledge registrations and releases (经办 → 复核 at /approvals/), record court
freezes, renewals, unfreezes (whole or partial) and deductions, record non-trade transfers; participants download their files."""

from __future__ import annotations


from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import STAFF, access_object, allow
from csdp.accounts.roles import Role
from csdp.fees.money import fen_to_yuan
from csdp.lib.errors import CsdpError
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.web import form_cleaned, form_refused, refusal_redirect
from csdp.lib.publish import published_file_response
from csdp.restrictions.views import PLEDGE_COLUMNS
from csdp.restrictions import forms as f
from csdp.restrictions import services_deduct as dd
from csdp.restrictions import services_freeze as fz
from csdp.restrictions import services_pledge as pl
from csdp.restrictions import services_release as rl
from csdp.restrictions import services_transfer as tr
from csdp.restrictions.models import (
    Freeze,
    NonTradeTransfer,
    Pledge,
    PledgeRelease,
    PledgeStatus,
    ReleaseStatus,
    RestrictionFile,
)

PREPARERS = (Role.OPERATOR, Role.ADMIN)


@allow(STAFF)
def staff_pledges(request):
    open_states = [PledgeStatus.APPLIED, PledgeStatus.CONFIRMED]
    search = ("number", "pledgor_name", "pledgee_name", "security__code")
    pending = listing(
        request,
        Pledge.objects.filter(status__in=open_states).select_related("security", "approval"),
        columns=PLEDGE_COLUMNS,
        default_sort="number",
        search=search,
        filename="待审核质押登记",
    )
    releases = listing(
        request,
        PledgeRelease.objects.filter(status=ReleaseStatus.SUBMITTED).select_related("pledge", "approval"),
        columns=[
            Column("pledge", "质押", "pledge.number", sort="pledge__number"),
            Column("quantity", "数量（股）", "quantity_shares", sort="quantity_shares", numeric=True),
        ],
        default_sort="pledge",
        search=("pledge__number",),
        filename="待审核解除质押",
        prefix="r",
    )
    recent = listing(
        request,
        Pledge.objects.exclude(status__in=open_states).select_related("security"),
        columns=PLEDGE_COLUMNS,
        default_sort="-number",
        search=search,
        filename="已办结质押登记",
        prefix="d",
    )
    for table in (pending, releases, recent):
        if not isinstance(table, Listing):  # an export
            return table
    return render(
        request,
        "restrictions/staff_pledges.html",
        {"pending": pending, "releases": releases, "recent": recent, "reason_form": f.ReasonForm()},
    )


@allow(*PREPARERS)
@require_POST
@refusal_redirect("restrictions:pledge_detail", "pledge_id")
def pledge_review(request, pledge_id: int):
    pledge = access_object(request.user, Pledge, pk=pledge_id)
    if request.POST.get("action") == "reject":
        pl.pledge_reject(pledge=pledge, by=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"{pledge.number} 已驳回。")
    else:
        approval = pl.pledge_review_prepare(pledge=pledge, by=request.user)
        messages.success(request, f"已经办，待其他复核人员复核（复核 #{approval.pk}）。")
    return redirect("restrictions:pledge_detail", pledge_id=pledge.pk)


@allow(*PREPARERS)
@require_POST
def release_review(request, release_id: int):
    release = access_object(request.user, PledgeRelease, pk=release_id)
    try:
        if request.POST.get("action") == "reject":
            rl.release_reject(release=release, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "解除申请已驳回。")
        else:
            approval = rl.release_review_prepare(release=release, by=request.user)
            messages.success(request, f"已经办，待其他复核人员复核（复核 #{approval.pk}）。")
    except CsdpError as error:
        messages.error(request, error.message)  # back to the pledge, which the URL does not name
    return redirect("restrictions:pledge_detail", pledge_id=release.pledge_id)


# --- 司法冻结 ----------------------------------------------------------------------------------------


@allow(STAFF)
def freeze_list(request):
    rows = listing(
        request,
        Freeze.objects.select_related("account", "security"),
        columns=[
            Column("number", "编号", "number", sort="number"),
            Column("court", "法院", "court", sort="court"),
            Column("document", "文号", "document_number", sort="document_number"),
            Column("account", "账户", "account.number", sort="account__number"),
            Column("security", "证券", "security.code", sort="security__code"),
            Column("requested", "要求（股）", "requested_shares", sort="requested_shares", numeric=True),
            Column("frozen", "已冻结（股）", "frozen_shares", sort="frozen_shares", numeric=True),
            Column("end_date", "期限至", "end_date", sort="end_date"),
            Column("status", "状态", "get_status_display", sort="status"),
        ],
        default_sort="-number",
        search=("number", "court", "document_number", "account__number", "security__code"),
        filename="司法冻结",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "restrictions/freeze_list.html", {"freezes": rows})


@allow(*PREPARERS)
@require_http_methods(["GET", "POST"])
def freeze_new(request):
    form = f.FreezeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            approval = fz.freeze_prepare(
                by=request.user,
                data=fz.FreezeData(
                    court=d["court"],
                    document_number=d["document_number"],
                    account_number=d["account_number"],
                    security_code=d["security_code"],
                    whole_holding=d["whole_holding"],
                    quantity_shares=d["quantity_shares"],
                    start_date=d["start_date"],
                    end_date=d["end_date"],
                    share_nature=d["share_nature"],
                    lockup_end=d["lockup_end"],
                ),
            )
        except CsdpError as error:
            form_refused(form, error)
        else:
            messages.success(request, f"已经办，待其他复核人员复核（复核 #{approval.pk}）。")
            return redirect("approvals:detail", approval_id=approval.pk)
    return render(request, "restrictions/form.html", {"form": form, "title": "司法冻结登记（协助执行）"})


@allow(STAFF)
def freeze_detail(request, freeze_id: int):
    freeze = access_object(request.user, Freeze.objects.select_related("account", "security"), pk=freeze_id)
    queue = Freeze.objects.filter(account=freeze.account, security=freeze.security).order_by("pk")
    return render(
        request,
        "restrictions/freeze_detail.html",
        {
            "freeze": freeze,
            "transitions": freeze.transitions.select_related("actor"),
            "queue": queue,
            "renew_form": f.RenewForm(),
            "unfreeze_form": f.UnfreezeForm(),
            "deduct_form": f.DeductForm(),
            "deductions": freeze.deductions.select_related("to_account"),
        },
    )


@allow(*PREPARERS)
@require_POST
@refusal_redirect("restrictions:freeze_detail", "freeze_id")
def freeze_renew(request, freeze_id: int):
    freeze = access_object(request.user, Freeze, pk=freeze_id)
    approval = fz.freeze_renew_prepare(freeze=freeze, by=request.user, **form_cleaned(f.RenewForm(request.POST)))
    messages.success(request, f"续冻已经办，待复核（复核 #{approval.pk}）。")
    return redirect("restrictions:freeze_detail", freeze_id=freeze.pk)


@allow(*PREPARERS)
@require_POST
@refusal_redirect("restrictions:freeze_detail", "freeze_id")
def freeze_unfreeze(request, freeze_id: int):
    freeze = access_object(request.user, Freeze.objects.select_related("account", "security"), pk=freeze_id)
    data = form_cleaned(f.UnfreezeForm(request.POST))
    approval = fz.freeze_release_prepare(freeze=freeze, by=request.user, **data)
    messages.success(request, f"解除冻结已经办，待复核（复核 #{approval.pk}）。")
    return redirect("restrictions:freeze_detail", freeze_id=freeze.pk)


@allow(*PREPARERS)
@require_POST
@refusal_redirect("restrictions:freeze_detail", "freeze_id")
def freeze_deduct(request, freeze_id: int):
    """司法扣划 of a freeze's frozen shares to the account the court names."""
    freeze = access_object(request.user, Freeze.objects.select_related("account", "security"), pk=freeze_id)
    approval = dd.deduct_prepare(freeze=freeze, by=request.user, **form_cleaned(f.DeductForm(request.POST)))
    messages.success(request, f"司法扣划已经办，待复核（复核 #{approval.pk}）。")
    return redirect("restrictions:freeze_detail", freeze_id=freeze.pk)


# --- 非交易过户 ---------------------------------------------------------------------------------------


@allow(STAFF)
def transfer_list(request):
    rows = listing(
        request,
        NonTradeTransfer.objects.select_related("from_account", "to_account", "security", "fee_notice__payer"),
        columns=[
            Column("number", "编号", "number", sort="number"),
            Column("reason", "原因", "get_reason_display", sort="reason"),
            Column("from", "转出", "from_account.number", sort="from_account__number"),
            Column("to", "转入", "to_account.number", sort="to_account__number"),
            Column("security", "证券", "security.code", sort="security__code"),
            Column("quantity", "数量（股）", "quantity_shares", sort="quantity_shares", numeric=True),
            Column("fee", "过户费（元）", lambda t: fen_to_yuan(t.fee_fen), sort="fee_fen", numeric=True),
            Column("notice", "付款通知", "fee_notice.number"),
            Column("date", "日期", "business_date", sort="business_date"),
        ],
        default_sort="-number",
        search=("number", "from_account__number", "to_account__number", "security__code"),
        filename="非交易过户",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "restrictions/transfer_list.html", {"transfers": rows})


@allow(*PREPARERS)
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    form = f.TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approval = tr.transfer_prepare(by=request.user, data=tr.TransferData(**form.cleaned_data))
        except CsdpError as error:
            form_refused(form, error)
        else:
            messages.success(request, f"已经办，待其他复核人员复核（复核 #{approval.pk}）。")
            return redirect("approvals:detail", approval_id=approval.pk)
    return render(request, "restrictions/form.html", {"form": form, "title": "非交易过户登记"})


# --- participant files -------------------------------------------------------------------------------


@allow(Role.PARTICIPANT, *STAFF)
def files(request):
    rows = listing(
        request,
        RestrictionFile.objects.visible_to(request.user).select_related("participant"),
        columns=[
            Column("date", "业务日期", "business_date", sort="business_date"),
            Column("participant", "结算参与人", "participant.code", sort="participant__code"),
            Column("format", "格式", "file_format", sort="file_format"),
            Column("rows", "记录数", "rows", sort="rows", numeric=True),
        ],
        default_sort="-date",
        search=("participant__code",),
        filename="权利限制数据文件",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "restrictions/files.html", {"files": rows})


@allow(Role.PARTICIPANT, *STAFF)
def file_download(request, restriction_file_id: int):
    record = access_object(request.user, RestrictionFile, pk=restriction_file_id)
    return published_file_response(record.path)
