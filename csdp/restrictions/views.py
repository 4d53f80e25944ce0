"""The parties' pages: file or confirm a pledge registration, release it, download the certificate;
and the public verify page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import access_object, allow, public
from csdp.accounts.roles import Role
from csdp.counter.forms import MultipleFileField
from csdp.keys.signing import signing_context
from csdp.lib.errors import CsdpError
from csdp.pledge.handoff import HANDOFF_STATES, is_party
from csdp.pledge.models import Posting, Side
from csdp.pledge.models_social import Thread
from csdp.restrictions import forms as f
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.web import form_cleaned, form_refused, refusal_redirect
from csdp.restrictions import services_pledge as svc
from csdp.restrictions import services_release as rel
from csdp.restrictions.certificate import certificate_pdf
from csdp.restrictions.models import PLEDGE_OUTSTANDING, Pledge, PledgeRelease, PledgeStatus, ReleaseStatus
from csdp.uploads.models import StoredFile
from csdp.uploads.services import upload_store


PLEDGE_COLUMNS = [
    Column("number", "编号", "number", sort="number"),
    Column("pledgor", "出质人", "pledgor_name", sort="pledgor_name"),
    Column("pledgee", "质权人", "pledgee_name", sort="pledgee_name"),
    Column("security", "证券", "security.code", sort="security__code"),
    Column("quantity", "质押数量（股）", "pledged_shares", sort="quantity_shares", numeric=True),  # with its 送转股
    Column("released", "已解除（股）", "released_shares", sort="released_shares", numeric=True),
    Column("status", "状态", "get_status_display", sort="status"),
]


@allow(Role.PLEDGE_USER)
def pledge_list(request):
    rows = listing(
        request,
        Pledge.objects.visible_to(request.user).select_related("security", "pledgor_account"),
        columns=PLEDGE_COLUMNS,
        default_sort="-number",
        search=("number", "pledgor_name", "pledgee_name", "security__code"),
        filename="质押登记",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "restrictions/pledge_list.html", {"pledges": rows})


def _posting_initial(request, posting_id):
    """From the board (004 §十七): only the posting's parties may start here; the pledgor's account
    is filled in for them alone."""
    posting = access_object(request.user, Posting.objects.select_related("security", "account", "owner"), pk=posting_id)
    if not is_party(posting, request.user):
        raise CsdpError("只有该质押信息的发布人或与其洽谈的用户可以由此发起质押登记。", code="restrictions.not_party")
    if posting.status not in HANDOFF_STATES:
        raise CsdpError("只有“洽谈中”的质押信息可以发起质押登记申请。", code="restrictions.state")
    thread = (
        Thread.objects.filter(posting=posting).filter(starter=request.user).first()
        or Thread.objects.filter(posting=posting).order_by("-last_message_at").first()
    )
    owner_is_me = posting.owner_id == request.user.pk
    other = (thread.starter if owner_is_me else posting.owner) if thread or not owner_is_me else None
    owner_role = "pledgor" if posting.side == Side.PLEDGOR else "pledgee"
    initial = {
        "role": owner_role if owner_is_me else ("pledgee" if owner_role == "pledgor" else "pledgor"),
        "counterparty": other.get_username() if other else "",
    }
    if posting.side == Side.PLEDGOR:
        initial.update(
            pledgor_account=posting.account.number,
            security_code=posting.security_code,
            quantity_shares=posting.quantity_shares,
        )
    return posting, initial


@allow(Role.PLEDGE_USER)
@require_http_methods(["GET", "POST"])
def pledge_new(request):
    """Fill in → check and sign → filed. Materials are stored at the first step."""
    posting, initial = None, {}
    posting_id = request.GET.get("posting") or request.POST.get("posting")
    try:
        if posting_id:
            posting, initial = _posting_initial(request, int(posting_id) if str(posting_id).isdigit() else 0)
    except CsdpError as error:
        messages.error(request, error.message)
        return redirect("pledge:board")
    form = f.PledgeForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields["materials"] = MultipleFileField(label="申请材料（质押合同等，PDF 或 ZIP）", required=False)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service(posting.pk if posting else None)
        try:
            if request.POST.get("step") == "sign":
                ids = [int(i) for i in request.POST.getlist("file_ids") if i.isdigit()]
                files = list(StoredFile.objects.filter(pk__in=ids, uploaded_by=request.user))
                pledge = svc.pledge_apply(
                    by=request.user, data=data, files=files, signature=request.POST.get("key_signature", "")
                )
                messages.success(request, f"质押登记申请 {pledge.number} 已提交，待对方确认。")
                return redirect("restrictions:pledge_detail", pledge_id=pledge.pk)
            files = [
                upload_store(file=u, kind="archive_or_pdf", owner=request.user.institution, actor=request.user)
                for u in form.cleaned_data["materials"]
            ]
            preview = svc.pledge_preview(by=request.user, data=data, files=files)
            return render(
                request,
                "restrictions/pledge_sign.html",
                {
                    "form": form,
                    "preview": preview,
                    "files": files,
                    "posting": posting,
                    "signing": signing_context(user=request.user, digest=svc.pledge_digest(preview, files)),
                },
            )
        except CsdpError as error:  # an UploadRejected among them
            form_refused(form, error)
    return render(request, "restrictions/pledge_new.html", {"form": form, "posting": posting})


@allow(Role.PLEDGE_USER, Role.REVIEWER, Role.OPERATOR, Role.ADMIN)
def pledge_detail(request, pledge_id: int):
    pledge = access_object(request.user, Pledge.objects.select_related("security", "pledgor_account"), pk=pledge_id)
    user = request.user
    context = {
        "pledge": pledge,
        "transitions": pledge.transitions.select_related("actor"),
        "releases": pledge.releases.all(),
        "is_party": user.pk in (pledge.pledgor_user_id, pledge.pledgee_user_id),
        "release_form": f.ReleaseForm(),
    }
    if pledge.status == PledgeStatus.APPLIED and context["is_party"] and user.pk != pledge.started_by_id:
        context["signing"] = signing_context(user=user, digest=svc.pledge_digest(pledge))
    waiting = pledge.releases.filter(status=ReleaseStatus.AWAITING_PLEDGEE).first()
    if waiting and user.pk == pledge.pledgee_user_id:
        context["release_waiting"] = waiting
        context["release_signing"] = signing_context(user=user, digest=rel.release_digest(waiting))
    context["outstanding"] = pledge.status in PLEDGE_OUTSTANDING
    return render(request, "restrictions/pledge_detail.html", context)


@allow(Role.PLEDGE_USER)
@require_POST
@refusal_redirect("restrictions:pledge_detail", "pledge_id")
def pledge_confirm_view(request, pledge_id: int):
    pledge = access_object(request.user, Pledge, pk=pledge_id)
    svc.pledge_confirm(pledge=pledge, by=request.user, signature=request.POST.get("key_signature", ""))
    messages.success(request, "已确认，待本公司审核。")
    return redirect("restrictions:pledge_detail", pledge_id=pledge.pk)


@allow(Role.PLEDGE_USER)
@require_POST
@refusal_redirect("restrictions:pledge_detail", "pledge_id")
def pledge_withdraw_view(request, pledge_id: int):
    pledge = access_object(request.user, Pledge, pk=pledge_id)
    svc.pledge_withdraw(pledge=pledge, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, "申请已撤回。")
    return redirect("restrictions:pledge_detail", pledge_id=pledge.pk)


@allow(Role.PLEDGE_USER, Role.REVIEWER, Role.OPERATOR, Role.ADMIN)
def pledge_certificate(request, pledge_id: int):
    pledge = access_object(request.user, Pledge.objects.select_related("security", "pledgor_account"), pk=pledge_id)
    if not pledge.verify_code:
        messages.error(request, "该质押尚未登记，没有质押登记证明。")
        return redirect("restrictions:pledge_detail", pledge_id=pledge.pk)
    response = HttpResponse(
        certificate_pdf(pledge, base_url=request.build_absolute_uri("/")[:-1]), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{pledge.number}.pdf"'
    return response


@allow(Role.PLEDGE_USER)
@require_POST
@refusal_redirect("restrictions:pledge_detail", "pledge_id")
def release_new(request, pledge_id: int):
    """Two steps like filing: the quantity, then the signature over it."""
    pledge = access_object(request.user, Pledge, pk=pledge_id)
    quantity = form_cleaned(f.ReleaseForm(request.POST))["quantity_shares"]
    if request.POST.get("step") != "sign":
        rel.release_check(pledge=pledge, by=request.user, quantity_shares=quantity)  # refused before signing
        return render(
            request,
            "restrictions/release_sign.html",
            {
                "pledge": pledge,
                "quantity": quantity,
                "signing": signing_context(user=request.user, digest=rel.release_quantity_digest(pledge, quantity)),
            },
        )
    rel.release_apply(
        pledge=pledge, by=request.user, quantity_shares=quantity, signature=request.POST.get("key_signature", "")
    )
    messages.success(request, "解除质押申请已提交。")
    return redirect("restrictions:pledge_detail", pledge_id=pledge.pk)


@allow(Role.PLEDGE_USER)
@require_POST
def release_confirm_view(request, release_id: int):
    release = access_object(request.user, PledgeRelease, pk=release_id)
    try:
        rel.release_confirm(release=release, by=request.user, signature=request.POST.get("key_signature", ""))
        messages.success(request, "已确认解除质押申请，待本公司审核。")
    except CsdpError as error:
        messages.error(request, error.message)
    return redirect("restrictions:pledge_detail", pledge_id=release.pledge_id)


@allow(Role.PLEDGE_USER)
@require_POST
def release_withdraw_view(request, release_id: int):
    release = access_object(request.user, PledgeRelease, pk=release_id)
    try:
        rel.release_withdraw(release=release, by=request.user)
        messages.success(request, "解除申请已撤回。")
    except CsdpError as error:
        messages.error(request, error.message)
    return redirect("restrictions:pledge_detail", pledge_id=release.pledge_id)


@public
def verify(request):
    """Anyone holding a certificate checks its code: the pledge as the register has it now."""
    code = request.GET.get("code", "").strip().upper()[:20]
    pledge = None
    if code:
        pledge = Pledge.objects.select_related("security").filter(verify_code=code).exclude(verify_code="").first()
    return render(request, "restrictions/verify.html", {"code": code, "pledge": pledge})
