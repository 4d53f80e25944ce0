"""Pages of board users (004 §六–§十七). Staff pages are in views_staff.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, access_object, allow
from csdp.accounts.roles import Role
from csdp.pledge import forms as f
from csdp.pledge import selectors
from csdp.pledge.models import AccessState, Posting, Side
from csdp.pledge.services import PledgeError, posting_edit, posting_set_status, posting_submit, posting_archive
from csdp.pledge.services_access import PLATFORM_FIELDS, platform_info_update
from csdp.pledge.states import TRANSITIONS, USER, PostingStatus
from csdp.pledge.views_staff import review_context

BROWSERS = (Role.PLEDGE_USER, *STAFF)


def active_profile(request):
    """The board user's profile; staff and suspended, ended or unregistered users are refused."""
    profile = selectors.profile_of(request.user)
    if profile is None:
        raise PermissionDenied("您尚未开通证券质押信息平台，请先注册或提交使用申请。")
    if profile.access_state != AccessState.ACTIVE:
        raise PermissionDenied(f"您的信息平台使用权限{profile.get_access_state_display()}。")
    return profile


def _browser_profile(request):
    return None if request.user.staff_role else active_profile(request)


@allow(BROWSERS)
def board(request):
    """信息浏览与筛选 (004 §十四): summaries for everyone with access; details, filters and sorting only
    for users with a published posting within validity."""
    _browser_profile(request)
    detailed = selectors.has_valid_posting(request.user)
    form = f.BoardFilterForm(request.GET or None)
    spec = form.spec() if detailed and form.is_valid() else selectors.BoardFilter()
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    rows, has_next = selectors.board_page(selectors.board_filtered(spec).select_related("security"), page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pledge/board.html",
        {
            "report_phone": settings.CSDP_PLEDGE_REPORT_PHONE,
            "form": form,
            "detailed": detailed,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
        },
    )


@allow(Role.PLEDGE_USER)
def posting_new(request):
    """信息发布 (004 §八): the 出质人 area or the 质权人 area."""
    profile = active_profile(request)
    side = Side.LENDER if request.GET.get("side") == Side.LENDER else Side.PLEDGOR
    form = f.PostingForm(request.POST or None, side=side, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            posting = posting_submit(user=request.user, data=form.to_data())
        except PledgeError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "信息已提交，本公司审核通过后发布。")
            return redirect("pledge:posting_detail", posting_id=posting.pk)
    return render(
        request,
        "pledge/posting_form.html",
        {"form": form, "side": side, "profile": profile, "cap": selectors.rate_cap_bp()},
    )


@allow(Role.PLEDGE_USER)
def posting_edit_view(request, posting_id: int):
    profile = active_profile(request)
    posting = access_object(request.user, Posting.objects.filter(owner=request.user), pk=posting_id)
    form = f.PostingForm(request.POST or None, side=posting.side, profile=profile, initial=f.initial_from(posting))
    if request.method == "POST" and form.is_valid():
        try:
            posting_edit(posting=posting, user=request.user, data=form.to_data())
        except PledgeError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "修改已提交，须经本公司审核后重新发布。")
            return redirect("pledge:posting_detail", posting_id=posting.pk)
    return render(
        request,
        "pledge/posting_form.html",
        {"form": form, "side": posting.side, "posting": posting, "profile": profile, "cap": selectors.rate_cap_bp()},
    )


@allow(Role.PLEDGE_USER)
def my_postings(request):
    """已提交信息管理 (004 §十一): 已发布 and 被退回 columns, plus the others."""
    active_profile(request)
    rows = list(selectors.my_postings(request.user).order_by("-status_since"))
    columns = [
        ("已发布", [p for p in rows if p.status in (PostingStatus.OPEN, PostingStatus.NEGOTIATING)]),
        ("待审核", [p for p in rows if p.status == PostingStatus.PENDING_REVIEW]),
        ("被退回", [p for p in rows if p.status == PostingStatus.RETURNED]),
        ("已质押 / 失效", [p for p in rows if p.status in (PostingStatus.PLEDGED, PostingStatus.EXPIRED)]),
    ]
    return render(request, "pledge/my_postings.html", {"columns": columns})


@allow(BROWSERS)
def posting_detail(request, posting_id: int):
    _browser_profile(request)
    posting = access_object(
        request.user, Posting.objects.select_related("security", "account", "owner__pledge_profile"), pk=posting_id
    )
    own = posting.owner_id == request.user.pk
    moves = (
        [
            PostingStatus(s)
            for s, who in TRANSITIONS[posting.status].items()
            if USER in who and s != PostingStatus.PENDING_REVIEW
        ]
        if own
        else []
    )
    context = {
        "posting": posting,
        "own": own,
        "moves": moves,
        "transitions": posting.transitions.select_related("actor"),
        "message_form": f.MessageForm(),
        "reason_form": f.ReasonForm(),
        "can_handoff": posting.status in (PostingStatus.NEGOTIATING, PostingStatus.PLEDGED),
        "report_phone": settings.CSDP_PLEDGE_REPORT_PHONE,
    }
    if request.user.staff_role:
        context.update(review_context(posting))
    return render(request, "pledge/posting_detail.html", context)


@allow(Role.PLEDGE_USER)
@require_POST
def posting_status(request, posting_id: int):
    """004 §十二: 待洽谈 ⇄ 洽谈中, → 已质押, → 失效, or delete (004 §十三)."""
    active_profile(request)
    posting = access_object(request.user, Posting.objects.filter(owner=request.user), pk=posting_id)
    try:
        if request.POST.get("to_state") == "archived":
            posting_archive(posting=posting, user=request.user)
            messages.success(request, "信息已归档。")
            return redirect("pledge:my_postings")
        posting_set_status(
            posting=posting,
            user=request.user,
            to_state=request.POST.get("to_state", ""),
            reason=request.POST.get("reason", ""),
        )
    except PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "信息状态已调整。")
        if request.POST.get("to_state") == PostingStatus.DELETED:
            return redirect("pledge:my_postings")
    return redirect("pledge:posting_detail", posting_id=posting.pk)


@allow(Role.PLEDGE_USER)
def profile_view(request):
    """用户信息维护 (004 §七): 基本信息 read-only, 业务平台信息 editable."""
    profile = active_profile(request)
    initial = {name: getattr(profile, name) for name in PLATFORM_FIELDS}
    form = f.PlatformInfoForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        platform_info_update(profile=profile, actor=request.user, **form.cleaned_data)
        messages.success(request, "业务平台信息已保存。")
        return redirect("pledge:profile")
    accounts = selectors.investor_accounts(profile)
    return render(request, "pledge/profile.html", {"profile": profile, "form": form, "accounts": accounts})
