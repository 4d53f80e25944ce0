"""Staff pages: review (004 §十一), recheck flags, reports (004 §十六), moderation (004 §四),
lender applications (004 §六(二)) and the rule tables (rules.md §9, 004 §九)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, access_object, allow
from csdp.accounts.roles import Role
from csdp.lib.listing import Column, Listing, listing
from csdp.pledge import forms as f
from csdp.pledge import selectors
from csdp.pledge.models import (
    ApplicationStatus,
    BoardSettings,
    EligibleKind,
    LenderApplication,
    LprRate,
    PledgeProfile,
    Posting,
    Side,
)
from csdp.pledge.models_social import ModerationAction, ModerationKind, Report, Thread
from csdp.pledge.services import (
    PledgeError,
    check_holdings,
    check_rate,
    posting_approve,
    posting_return,
    posting_flag_decide,
)
from csdp.pledge.services_access import lender_approve, lender_reject
from csdp.pledge.services_rules import (
    lpr_add,
    lpr_delete,
    rate_cap_multiple_set,
    restricted_pledgeable_set,
    eligible_add,
    eligible_delete,
)
from csdp.pledge.services_social import moderation_apply, report_handle as handle
from csdp.pledge.states import PostingStatus

DECIDERS = (Role.REVIEWER, Role.ADMIN)


def review_context(posting: Posting) -> dict:
    """What the reviewer sees next to a posting: the result of the check review would run."""
    problem = ""
    if posting.status == PostingStatus.PENDING_REVIEW:
        try:
            check_holdings(posting=posting) if posting.side == Side.PLEDGOR else check_rate(posting=posting)
        except PledgeError as error:
            problem = error.message
    return {
        "review_problem": problem,
        "review_checked": posting.status == PostingStatus.PENDING_REVIEW,
        "cap_bp": selectors.rate_cap_bp(),
        "as_of": selectors.previous_trading_day(),
    }


def _done(request, action, *args, ok: str, **kwargs):
    try:
        action(*args, **kwargs)
    except PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ok)


@allow(STAFF)
def review_queue(request):
    pending = listing(
        request,
        Posting.objects.filter(status=PostingStatus.PENDING_REVIEW).select_related("owner"),
        columns=PENDING_COLUMNS,
        default_sort="since",
        search=("title", "owner__username"),
        filename="待审核信息",
    )
    flagged = listing(
        request,
        Posting.objects.filter(flagged_at__isnull=False).select_related("owner"),
        columns=FLAGGED_COLUMNS,
        default_sort="flagged_at",
        search=("title", "owner__username", "flag_reason"),
        filename="每日核查异常",
        prefix="f",
    )
    for table in (pending, flagged):
        if not isinstance(table, Listing):  # an export
            return table
    return render(request, "pledge/review_queue.html", {"pending": pending, "flagged": flagged})


PENDING_COLUMNS = [
    Column("title", "标题", "title", sort="title"),
    Column("side", "类别", "get_side_display", sort="side"),
    Column("owner", "发布人", "owner.username", sort="owner__username"),
    Column("amount", "金额（元）", lambda p: p.amount_fen / 100, sort="amount_fen", numeric=True),
    Column("since", "提交时间", "status_since", sort="status_since"),
]
FLAGGED_COLUMNS = [
    Column("title", "标题", "title", sort="title"),
    Column("owner", "发布人", "owner.username", sort="owner__username"),
    Column("reason", "异常", "flag_reason"),
    Column("flagged_at", "发现时间", "flagged_at", sort="flagged_at"),
]


@allow(DECIDERS)
@require_POST
def posting_review(request, posting_id: int):
    posting = access_object(request.user, Posting, pk=posting_id)
    if request.POST.get("decision") == "approve":
        _done(request, posting_approve, posting=posting, actor=request.user, ok="审核通过，信息已发布。")
    else:
        _done(
            request,
            posting_return,
            posting=posting,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            ok="信息已退回。",
        )
    return redirect("pledge:posting_detail", posting_id=posting.pk)


@allow(DECIDERS)
@require_POST
def posting_flag(request, posting_id: int):
    posting = access_object(request.user, Posting, pk=posting_id)
    _done(
        request,
        posting_flag_decide,
        posting=posting,
        actor=request.user,
        keep=request.POST.get("keep") == "1",
        reason=request.POST.get("reason", ""),
        ok="核查异常已处理。",
    )
    return redirect("pledge:posting_detail", posting_id=posting.pk)


@allow(DECIDERS)
@require_POST
def posting_correct(request, posting_id: int):
    """004 §四: the depository requires the user to correct a posting (it goes back as 被退回)."""
    posting = access_object(request.user, Posting, pk=posting_id)
    _done(
        request,
        moderation_apply,
        actor=request.user,
        kind=ModerationKind.CORRECTION,
        posting=posting,
        reason=request.POST.get("reason", ""),
        ok="已要求用户更正，信息已退回。",
    )
    return redirect("pledge:posting_detail", posting_id=posting.pk)


@allow(STAFF)
def reports(request):
    rows = listing(
        request,
        Report.objects.select_related("reporter", "posting", "message"),
        columns=REPORT_COLUMNS,
        default_sort="-status",  # "open" sorts after "handled": descending shows the open reports first
        search=("reason", "reporter__username", "posting__title"),
        filename="举报",
    )
    threads = listing(
        request,
        Thread.objects.select_related("posting", "starter", "recipient"),
        columns=THREAD_COLUMNS,
        default_sort="-last",
        search=("posting__title", "starter__username", "recipient__username"),
        filename="私信会话",
        prefix="t",
    )
    for table in (rows, threads):
        if not isinstance(table, Listing):  # an export
            return table
    return render(request, "pledge/reports.html", {"reports": rows, "threads": threads})


REPORT_COLUMNS = [
    Column("target", "举报对象", lambda r: r.posting.title if r.posting else f"私信 #{r.message_id}"),
    Column("reporter", "举报人", "reporter.username", sort="reporter__username"),
    Column("reason", "理由", "reason"),
    Column("status", "状态", "get_status_display", sort="status"),
    Column("created_at", "时间", "created_at", sort="created_at"),
]
THREAD_COLUMNS = [
    Column("posting", "信息", "posting.title", sort="posting__title"),
    Column("starter", "发起人", "starter.username", sort="starter__username"),
    Column("recipient", "接收人", "recipient.username", sort="recipient__username"),
    Column("last", "最近消息", "last_message_at", sort="last_message_at"),
]


@allow(STAFF)
def report_detail(request, report_id: int):
    report = access_object(
        request.user, Report.objects.select_related("posting", "message__thread", "reporter"), pk=report_id
    )
    return render(request, "pledge/report_detail.html", {"report": report, "reason_form": f.ReasonForm()})


@allow(DECIDERS)
@require_POST
def report_handle(request, report_id: int):
    report = access_object(request.user, Report, pk=report_id)
    _done(request, handle, report=report, actor=request.user, outcome=request.POST.get("reason", ""), ok="举报已处理。")
    return redirect("pledge:report_detail", report_id=report.pk)


@allow(STAFF)
def users(request):
    table = listing(
        request,
        PledgeProfile.objects.select_related("user"),
        default_sort="name",
        filename="质押信息平台用户",
        search=("name", "user__username"),
        columns=[
            Column("name", "名称", "name", sort="name"),
            Column("username", "用户名", "user.username", sort="user__username"),
            Column("kind", "类别", "get_kind_display", sort="kind"),
            Column("access", "使用权限", "get_access_state_display", sort="access_state"),
            Column("restricted", "发布受限", "postings_restricted", sort="postings_restricted"),
        ],
    )
    if not isinstance(table, Listing):  # an export
        return table
    return render(request, "pledge/users.html", {"table": table})


@allow(STAFF)
def user_detail(request, profile_id: int):
    profile = access_object(request.user, PledgeProfile.objects.select_related("user", "investor"), pk=profile_id)
    postings = listing(
        request,
        Posting.objects.filter(owner=profile.user),
        columns=[
            Column("title", "标题", "title", sort="title"),
            Column("status", "状态", "get_status_display", sort="status"),
            Column("created_at", "创建时间", "created_at", sort="created_at"),
        ],
        default_sort="-created_at",
        search=("title",),
        filename="发布的信息",
    )
    actions = listing(
        request,
        ModerationAction.objects.filter(target=profile.user).select_related("actor"),
        columns=[
            Column("at", "时间", "at", sort="at"),
            Column("kind", "措施", "get_kind_display", sort="kind"),
            Column("reason", "原因", "reason"),
            Column("actor", "执行人", "actor.username", sort="actor__username"),
        ],
        default_sort="-at",
        search=("reason",),
        filename="管理记录",
        prefix="a",
    )
    for table in (postings, actions):
        if not isinstance(table, Listing):  # an export
            return table
    kinds = [k for k in ModerationKind if k != ModerationKind.CORRECTION]
    return render(
        request,
        "pledge/user_detail.html",
        {"profile": profile, "postings": postings, "actions": actions, "kinds": kinds, "reason_form": f.ReasonForm()},
    )


@allow(DECIDERS)
@require_POST
def moderate(request, profile_id: int):
    profile = access_object(request.user, PledgeProfile, pk=profile_id)
    kind = request.POST.get("kind", "")
    if kind not in ModerationKind.values or kind == ModerationKind.CORRECTION:
        messages.error(request, "请选择管理措施。")
    else:
        _done(
            request,
            moderation_apply,
            actor=request.user,
            kind=kind,
            profile=profile,
            reason=request.POST.get("reason", ""),
            ok="管理措施已执行并通知用户。",
        )
    return redirect("pledge:user_detail", profile_id=profile.pk)


@allow(STAFF)
def lender_queue(request):
    rows = listing(
        request,
        LenderApplication.objects.all(),
        columns=[
            Column("name", "名称", "name", sort="name"),
            Column("username", "拟用用户名", "username", sort="username"),
            Column("status", "状态", "get_status_display", sort="status"),
            Column("created_at", "提交时间", "created_at", sort="created_at"),
        ],
        default_sort="-created_at",
        search=("name", "username"),
        filename="出借方申请",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "pledge/lender_queue.html", {"applications": rows})


@allow(STAFF)
def lender_detail(request, lender_application_id: int):
    application = access_object(request.user, LenderApplication, pk=lender_application_id)
    return render(
        request,
        "pledge/lender_detail.html",
        {
            "application": application,
            "materials": application.materials.all(),
            "reason_form": f.ReasonForm(),
            "pending": application.status == ApplicationStatus.PENDING,
        },
    )


@allow(DECIDERS)
@require_POST
def lender_decide(request, lender_application_id: int):
    application = access_object(request.user, LenderApplication, pk=lender_application_id)
    if request.POST.get("decision") == "approve":
        _done(request, lender_approve, application=application, actor=request.user, ok="已通过，用户已开通。")
    else:
        _done(
            request,
            lender_reject,
            application=application,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            ok="已不予通过。",
        )
    return redirect("pledge:lender_detail", lender_application_id=application.pk)


@allow(STAFF)
def rules(request):
    settings_row = BoardSettings.objects.first()
    return render(
        request,
        "pledge/rules.html",
        {
            "lprs": LprRate.objects.all(),
            "eligible": EligibleKind.objects.all(),
            "lpr_form": f.LprForm(),
            "multiple_form": f.MultipleForm(initial={"rate_cap_multiple": selectors.rate_cap_multiple()}),
            "restricted_pledgeable": selectors.restricted_pledgeable(),
            "eligible_form": f.EligibleForm(),
            "settings_row": settings_row,
            "cap_bp": selectors.rate_cap_bp(),
            "lpr_now": selectors.lpr_in_force(),
        },
    )


@allow(DECIDERS)
@require_POST
def rules_lpr_add(request):
    form = f.LprForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _done(
            request,
            lpr_add,
            effective_date=d["effective_date"],
            one_year_bp=f.to_bp(d["one_year_percent"]),
            source=d["source"],
            actor=request.user,
            ok="LPR 已录入。",
        )
    else:
        messages.error(request, "请完整填写生效日期、利率和来源。")
    return redirect("pledge:rules")


@allow(DECIDERS)
@require_POST
def rules_lpr_delete(request, lpr_id: int):
    _done(request, lpr_delete, row=access_object(request.user, LprRate, pk=lpr_id), actor=request.user, ok="已删除。")
    return redirect("pledge:rules")


@allow(DECIDERS)
@require_POST
def rules_multiple(request):
    if "restricted_pledgeable_form" in request.POST:  # the 限售 setting shares this staff form's URL
        _done(
            request,
            restricted_pledgeable_set,
            allowed=request.POST.get("restricted_pledgeable") == "on",
            actor=request.user,
            ok="限售股份设置已更新。",
        )
        return redirect("pledge:rules")
    form = f.MultipleForm(request.POST)
    if form.is_valid():
        _done(
            request,
            rate_cap_multiple_set,
            multiple=form.cleaned_data["rate_cap_multiple"],
            actor=request.user,
            ok="利率上限倍数已更新。",
        )
    else:
        messages.error(request, "倍数须在 1 至 10 之间。")
    return redirect("pledge:rules")


@allow(DECIDERS)
@require_POST
def rules_eligible_add(request):
    form = f.EligibleForm(request.POST)
    if form.is_valid():
        _done(request, eligible_add, actor=request.user, ok="已加入允许范围。", **form.cleaned_data)
    else:
        messages.error(request, "请选择市场和证券类别。")
    return redirect("pledge:rules")


@allow(DECIDERS)
@require_POST
def rules_eligible_delete(request, eligible_id: int):
    _done(
        request,
        eligible_delete,
        row=access_object(request.user, EligibleKind, pk=eligible_id),
        actor=request.user,
        ok="已移出允许范围。",
    )
    return redirect("pledge:rules")
