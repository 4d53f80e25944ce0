"""私信 (004 §十五), 举报 (004 §十六), the hand-off (004 §十七) and the public access pages (004 §六)."""

from __future__ import annotations

from django.contrib import messages
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.clients import client_limit_exceeded
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import access_object, allow, public
from csdp.accounts.roles import Role
from csdp.notify.captcha import captcha_check
from csdp.pledge import forms as f, services_holder as holder
from csdp.pledge.handoff import is_party
from csdp.pledge.models import Posting, HolderConfirmation
from csdp.pledge.models_social import Message, Thread
from csdp.pledge.services import PledgeError
from csdp.pledge.services_access import investor_register, lender_apply
from csdp.pledge.services_holder import holder_confirm, holder_refuse
from csdp.pledge.services_social import thread_start, message_send, report_create
from csdp.pledge.views import BROWSERS, _browser_profile, active_profile
from csdp.lib.web import form_errors_text

PUBLIC_PER_HOUR = 10  # registration and lender applications per address and hour


@allow(Role.PLEDGE_USER)
def threads(request):
    active_profile(request)
    rows = listing(
        request,
        Thread.objects.visible_to(request.user).select_related("posting", "starter", "recipient"),
        columns=[
            Column("posting", "相关信息", "posting.title", sort="posting__title"),
            Column("last", "最近消息", "last_message_at", sort="last_message_at"),
        ],
        default_sort="-last",
        search=("posting__title",),
        filename="私信",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "pledge/threads.html", {"threads": rows})


@allow(BROWSERS)
def thread_detail(request, thread_id: int):
    """Only the two parties and staff moderators read a conversation (004 §十五); others get 404."""
    _browser_profile(request)
    thread = access_object(request.user, Thread.objects.select_related("posting", "starter", "recipient"), pk=thread_id)
    rows = thread.messages.select_related("sender")
    return render(
        request,
        "pledge/thread.html",
        {"thread": thread, "rows": rows, "form": f.MessageForm(), "reason_form": f.ReasonForm()},
    )


@allow(Role.PLEDGE_USER)
@require_POST
def posting_message(request, posting_id: int):
    """Start (or continue) the conversation with a posting's owner; needs the details right (§十四)."""
    active_profile(request)
    posting = access_object(request.user, Posting, pk=posting_id)
    form = f.MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("pledge:posting_detail", posting_id=posting.pk)
    try:
        thread = thread_start(posting=posting, user=request.user, body=form.cleaned_data["body"])
    except PledgeError as error:
        messages.error(request, error.message)
        return redirect("pledge:posting_detail", posting_id=posting.pk)
    return redirect("pledge:thread_detail", thread_id=thread.pk)


@allow(Role.PLEDGE_USER)
@require_POST
def thread_reply(request, thread_id: int):
    active_profile(request)
    thread = access_object(request.user, Thread, pk=thread_id)
    form = f.MessageForm(request.POST)
    try:
        if not form.is_valid():
            raise PledgeError("请填写私信内容（不超过 2000 字）。")
        message_send(thread=thread, user=request.user, body=form.cleaned_data["body"])
    except PledgeError as error:
        messages.error(request, error.message)
    return redirect("pledge:thread_detail", thread_id=thread.pk)


@allow(Role.PLEDGE_USER)
@require_POST
def posting_report(request, posting_id: int):
    return _report(request, posting=access_object(request.user, Posting, pk=posting_id))


@allow(Role.PLEDGE_USER)
@require_POST
def message_report(request, message_id: int):
    message = access_object(request.user, Message, pk=message_id)
    return _report(request, message=message)


def _report(request, *, posting=None, message=None):
    active_profile(request)
    try:
        report_create(reporter=request.user, reason=request.POST.get("reason", ""), posting=posting, message=message)
    except PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "举报已提交，管理员将尽快处理。")
    if message is not None:
        return redirect("pledge:thread_detail", thread_id=message.thread_id)
    return redirect("pledge:posting_detail", posting_id=posting.pk)


@allow(Role.PLEDGE_USER)
def posting_handoff(request, posting_id: int):
    """004 §十七: the parties go on to the joint 证券质押登记 (csdp.restrictions), which checks the
    register, needs the other party's confirmation and four-eyes, and only then marks the posting
    已质押. Only the owner and users negotiating with it may start it (issue 20 §6: nobody else is
    shown the pledgor's account)."""
    active_profile(request)
    posting = access_object(request.user, Posting, pk=posting_id)
    if not is_party(posting, request.user):
        messages.error(request, "只有该信息的发布人或与其私信洽谈的用户可以发起质押登记申请。")
        return redirect("pledge:posting_detail", posting_id=posting.pk)
    return redirect(f"{reverse('restrictions:pledge_new')}?posting={posting.pk}")


def _rate_limited(request, what: str) -> bool:
    return client_limit_exceeded(request, scope=f"pledge-{what}", limit=PUBLIC_PER_HOUR, window_s=3600)


NEEDS = {  # what each button of the registration page needs besides ID, account and username
    "send_code": (),
    "register": (("sms_code", "请填写短信验证码。"), ("password", "请设置登录密码。")),
    "request": (("mobile", "请填写接收临时密码的手机号码。"),),
}


def _register_act(request, action: str, d: dict) -> str | None:
    """Run one button of the registration page; returns the success message."""
    who = {"id_number": d["id_number"], "account_number": d["account_number"]}
    if action == "send_code":
        return f"短信验证码已发送至托管参与人处预留的手机 {holder.holder_code_send(**who)}，请填写后完成注册。"
    if action == "register":
        investor_register(
            **who, username=d["username"], password=d["password"], sms_code=d["sms_code"], email=d["email"]
        )
        return None
    holder.holder_confirmation_request(**who, username=d["username"], mobile=d["mobile"], email=d["email"])
    return "申请已提交，待您的托管参与人确认后，临时密码将以短信发送至您填写的手机。"


@public
@require_http_methods(["GET", "POST"])
def register(request):
    """004 §六(一): investors with an account here register with ID number and account number, and
    prove control of the account (SMS to the mobile on file, or the custody participant confirms)."""
    form = f.InvestorRegisterForm(request.POST or None)
    action = request.POST.get("action", "register")
    if request.method == "POST" and action in NEEDS and form.is_valid():
        d = form.cleaned_data
        missing = [message for field, message in NEEDS[action] if not d.get(field)]
        if missing:
            form.add_error(None, missing[0])
        elif action != "register" and not captcha_check(request, d["captcha"]):
            form.add_error("captcha", "图形验证码错误，请重新输入。")  # the SMS code guards the last step
        elif _rate_limited(request, "register"):
            form.add_error(None, "提交过于频繁，请稍后再试。")
        else:
            try:
                done = _register_act(request, action, d)
            except PledgeError as error:
                form.add_error(None, error.message)
            else:
                if action == "send_code":  # the same page again, saying where the code went
                    return render(request, "pledge/register.html", {"form": form, "sent": done})
                messages.success(request, done or "注册成功，已获得证券质押信息平台使用权限，请登录。")
                return redirect("accounts:login")
    return render(request, "pledge/register.html", {"form": form})


@allow(Role.PARTICIPANT)
def holder_confirmations(request):
    """The custody participant's queue of its clients' registration requests (004 §六(一))."""
    rows = listing(
        request,
        HolderConfirmation.objects.visible_to(request.user).select_related("account__investor"),
        columns=[
            Column("account", "证券账户", "account.number", sort="account__number"),
            Column("investor", "投资者", "account.investor.name", sort="account__investor__name"),
            Column("username", "拟用用户名", "username", sort="username"),
            Column("created", "申请时间", "created_at", sort="created_at"),
            Column("status", "状态", "get_status_display", sort="status"),
        ],
        default_sort="-created",
        search=("account__number", "account__investor__name", "username"),
        filename="信息平台注册确认",
    )
    if not isinstance(rows, Listing):  # an export
        return rows
    return render(request, "pledge/holder_confirmations.html", {"rows": rows, "refuse_form": f.HolderRefuseForm()})


@allow(Role.PARTICIPANT)
@require_POST
def holder_decide(request, holder_confirmation_id: int):
    row = access_object(request.user, HolderConfirmation, pk=holder_confirmation_id)
    try:
        if request.POST.get("action") == "refuse":
            holder_refuse(confirmation=row, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "已拒绝该注册申请。")
        else:
            holder_confirm(confirmation=row, by=request.user)
            messages.success(request, "已确认，信息平台用户已开通，临时密码已以短信发送。")
    except PledgeError as error:
        messages.error(request, error.message)
    return redirect("pledge:holder_confirmations")


@public
@require_http_methods(["GET", "POST"])
def lender_apply_view(request):
    """004 §六(二): lenders without an account apply with materials; staff review."""
    form = f.LenderApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if not captcha_check(request, d["captcha"]):
            form.add_error("captcha", "图形验证码错误，请重新输入。")
        elif _rate_limited(request, "apply"):
            form.add_error(None, "提交过于频繁，请稍后再试。")
        else:
            try:
                lender_apply(
                    name=d["name"],
                    id_type=d["id_type"],
                    id_number=d["id_number"],
                    username=d["username"],
                    mobile=d["mobile"],
                    email=d["email"],
                    files=d["materials"],
                )
            except PledgeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "申请已提交。本公司审核后将以短信通知您。")
                return redirect("accounts:login")
    return render(request, "pledge/lender_apply.html", {"form": form})
