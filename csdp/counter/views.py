"""Pages of the filer (发行人虚拟柜台, seed 000 §三) and the pages everyone shares (the application
page, downloads, the catalogue)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from csdp.accounts.access import ANY_ROLE, MEMBERS, STAFF, access_object, allow
from csdp.counter import selectors
from csdp.counter.forms import (
    ListFilterForm,
    NewApplicationForm,
    ResubmitForm,
    AssignForm,
    OpinionForm,
    ResultUploadForm,
    ReturnForm,
)
from csdp.counter.models import Application, ApplicationFile, BusinessTemplate, BusinessType, FilePurpose
from csdp.counter.registry import round_key_required
from csdp.counter.services import (
    CounterError,
    application_confirm_results,
    application_draft,
    application_submit,
    application_withdraw,
    pending_round,
    round_prepare,
)
from csdp.counter.states import Status
from csdp.issuers.selectors import agent_postal_address
from csdp.keys.signing import signing_context
from csdp.lib.errors import CsdpError
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.web import form_refused, refusal_redirect

NOTICE_ACK = "counter_notice_ack"
APPLICATION_COLUMNS = [
    Column("reference", "申请编号", "reference", sort="id"),
    Column("type", "业务类型", lambda a: f"{a.business_type.code}-{a.business_type.name}", sort="business_type__code"),
    Column("code", "证券代码", "securities_code", sort="securities_code"),
    Column("status", "状态", "get_status_display", sort="status"),
    Column("created_at", "申报时间", "created_at", sort="created_at"),
]


@allow(MEMBERS)
def application_list(request):
    """业务列表: the institution's applications, filtered, with a count per state."""
    types = selectors.business_types_for(request.user)
    form = ListFilterForm(request.GET or None, types=types)
    filters = selectors.ListFilters(**form.cleaned_data) if form.is_valid() else selectors.ListFilters()
    rows = selectors.filer_applications(request.user, filters).select_related("business_type")
    counts = selectors.status_counts(selectors.filer_applications(request.user, selectors.ListFilters()))
    table = listing(
        request,
        rows,
        columns=APPLICATION_COLUMNS,
        default_sort="-created_at",
        filename="业务列表",
        search=("securities_code", "business_type__name"),
    )
    if not isinstance(table, Listing):  # an export
        return table
    return render(
        request,
        "counter/list.html",
        {
            "form": form,
            "table": table,
            "counts": [(Status(s).label, n) for s, n in counts.items()],
            "total": sum(counts.values()),
        },
    )


@allow(MEMBERS)
def notice(request):
    """温馨提示: read and click 已阅 before a new application (000 §三(一)3)."""
    if request.method == "POST":
        if request.POST.get("acknowledged") != "1":
            messages.error(request, "请阅读温馨提示并勾选“已阅”。")
            return redirect("counter:notice")
        request.session[NOTICE_ACK] = True
        chosen_type = request.POST.get("type", "")
        if chosen_type.isdigit():  # the left bar's business (北京市场发行人服务) is kept through the notice
            return redirect(f"{reverse('counter:new')}?type={chosen_type}")
        return redirect("counter:new")
    return render(request, "counter/notice.html", {"chosen_type": request.GET.get("type", "")[:4]})


def _typed_form(business_type, data=None, files=None):
    spec = business_type.spec if business_type else None
    if spec is None or spec.form_class is None:
        return None
    return spec.form_class(data, files, prefix="typed")  # files: a type's structured file field (an Excel list)


@allow(MEMBERS)
def application_new(request):
    """新申报业务: code → guide → business type → remark → attachments (000 §三(一)4–7)."""
    if not request.session.get(NOTICE_ACK):
        return redirect("counter:notice")
    form = NewApplicationForm(request.POST or None, request.FILES or None, user=request.user)
    preselected = None
    if request.method == "GET" and request.GET.get("type"):
        preselected = form.fields["business_type"].queryset.filter(code=request.GET["type"]).first()
        if preselected is not None:
            form.initial["business_type"] = preselected.pk
    typed = None
    if request.method == "POST" and form.is_valid():
        typed = _typed_form(form.cleaned_data["business_type"], request.POST, request.FILES)
        if typed is None or typed.is_valid():
            try:
                application = application_draft(
                    user=request.user,
                    business_type=form.cleaned_data["business_type"],
                    securities_code=form.cleaned_data["securities_code"],
                    remark=form.cleaned_data["remark"],
                    data=typed.json_data() if typed else None,
                    files=form.cleaned_data["attachments"],
                    data_files=_data_files(typed),
                )
            except CounterError as error:
                form.add_error(None, error.message)
            else:
                request.session.pop(NOTICE_ACK, None)
                return redirect("counter:confirm", application_id=application.pk)
    chosen = form.cleaned_data.get("business_type") if form.is_bound and hasattr(form, "cleaned_data") else preselected
    if typed is None:  # keep what the filer typed into the structured fields when the base form failed
        typed = _typed_form(chosen, request.POST if request.method == "POST" else None)
    return render(request, "counter/new.html", {"form": form, "chosen": chosen, "typed_form": typed})


def _data_files(typed) -> list:
    """The structured form's own files to keep with the round (a register business's data sheet)."""
    return typed.data_files() if typed is not None and hasattr(typed, "data_files") else []


@allow(MEMBERS)
def type_guide(request):
    """The guide (and the structured fields) of the chosen business type, swapped in by htmx."""
    chosen = None
    if request.GET.get("business_type", "").isdigit():
        chosen = next(
            (t for t in selectors.business_types_for(request.user) if t.pk == int(request.GET["business_type"])), None
        )
    return render(request, "counter/_guide.html", {"chosen": chosen, "typed_form": _typed_form(chosen)})


def _signing(user, round_):
    return signing_context(
        user=user, digest=round_.digest, require_key=round_key_required(round_.application.business_type, round_.data)
    )


def _agent_address(user) -> str:
    return agent_postal_address(user) if user.institution.kind == "issuer" else ""


@allow(MEMBERS)
def application_confirm(request, application_id: int):
    """确认经办人信息 → 提交, signed with the USB-KEY (000 §三(一)8)."""
    application = access_object(request.user, Application.objects.select_related("business_type"), pk=application_id)
    round_ = pending_round(application)
    if round_ is None or application.status not in (Status.DRAFT, Status.RETURNED):
        return redirect("counter:detail", application_id=application.pk)
    if request.method == "POST":
        try:
            application_submit(
                application=application, user=request.user, signature_payload=request.POST.get("key_signature", "")
            )
        except CounterError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "业务申请已提交，请关注办理进度。")
            return redirect("counter:detail", application_id=application.pk)
    files = list(round_.files.select_related("stored_file"))
    return render(
        request,
        "counter/confirm.html",
        {
            "application": application,
            "round": round_,
            "files": [f for f in files if f.purpose == FilePurpose.ATTACHMENT],
            "data_rows": selectors.structured_rows(
                application.business_type, round_.data, data_files=[f for f in files if f.purpose == FilePurpose.DATA]
            ),
            "signing": _signing(request.user, round_),
            "agent_address": _agent_address(request.user),
        },
    )


@allow(MEMBERS)
def application_resubmit(request, application_id: int):
    """根据办理意见处理业务: corrected documents, or none to confirm the previous ones (000 §三(二))."""
    application = access_object(request.user, Application.objects.select_related("business_type"), pk=application_id)
    if application.status != Status.RETURNED:
        return redirect("counter:detail", application_id=application.pk)
    form = ResubmitForm(request.POST or None, request.FILES or None)
    last = application.rounds.filter(signed_at__isnull=False).order_by("-number").first()
    typed = _typed_form(
        application.business_type,
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if typed is not None and request.method != "POST":
        typed.initial = dict(last.data)
    if request.method == "POST" and form.is_valid() and (typed is None or typed.is_valid()):
        try:
            round_prepare(
                application=application,
                user=request.user,
                remark=form.cleaned_data["remark"],
                data=typed.json_data() if typed else None,
                files=form.cleaned_data["attachments"],
                data_files=_data_files(typed),
            )
        except CsdpError as error:
            form_refused(form, error)
        else:
            return redirect("counter:confirm", application_id=application.pk)
    opinion = application.opinions.order_by("-id").first()
    return render(
        request,
        "counter/resubmit.html",
        {
            "application": application,
            "form": form,
            "typed_form": typed,
            "opinion": opinion,
            "last": last,
        },
    )


@allow(MEMBERS)
@require_POST
@refusal_redirect("counter:detail", "application_id")
def application_withdraw_view(request, application_id: int):
    application = access_object(request.user, Application, pk=application_id)
    application_withdraw(application=application, user=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, "业务申请已撤回。")
    return redirect("counter:detail", application_id=application.pk)


@allow(MEMBERS)
@require_POST
@refusal_redirect("counter:detail", "application_id")
def results_confirm(request, application_id: int):
    """查看并下载结果报表，确认无误后点击提交 → 办结 (000 §三(三))."""
    application = access_object(request.user, Application, pk=application_id)
    application_confirm_results(application=application, user=request.user)
    messages.success(request, "已确认办理结果，业务办结。")
    return redirect("counter:detail", application_id=application.pk)


@allow(ANY_ROLE)
def application_detail(request, application_id: int):
    """The application page: rounds with documents, opinions and signatures; results; history."""
    application = access_object(
        request.user,
        Application.objects.select_related("business_type", "filed_by", "assignee", "filer_institution"),
        pk=application_id,
    )
    is_staff = request.user.role in STAFF
    context = {
        "application": application,
        "is_staff": is_staff,
        "pending": pending_round(application),
        **selectors.application_detail(application),
    }
    if is_staff:
        context.update(
            assign_form=AssignForm(),
            accept_form=OpinionForm(prefix="accept"),
            return_form=ReturnForm(prefix="return"),
            result_form=ResultUploadForm(),
            may_handle=request.user.role in ("operator", "admin"),
        )
        for r in context["rounds"]:  # staff re-check each round's signature against its certificate
            r.signature_ok = r.signature.verify() if r.signature else None
    return render(request, "counter/detail.html", context)


def _file_response(stored_file):
    return FileResponse(
        stored_file.open(),
        as_attachment=True,
        filename=stored_file.original_name,
        content_type=stored_file.content_type or "application/octet-stream",
    )


@allow(ANY_ROLE)
def file_download(request, attachment_id: int):
    """A document or result report of an application, checked through the application."""
    row = access_object(request.user, ApplicationFile.objects.select_related("stored_file"), pk=attachment_id)
    return _file_response(row.stored_file)


@allow(ANY_ROLE)
def template_download(request, template_id: int):
    row = access_object(request.user, BusinessTemplate.objects.select_related("stored_file"), pk=template_id)
    return _file_response(row.stored_file)


@allow(ANY_ROLE)
def catalogue(request):
    """业务类型目录 with the guides and templates; staff see the edit links."""
    types = BusinessType.objects.visible_to(request.user).prefetch_related("templates", "handlers")
    if request.user.role not in STAFF:
        kind = request.user.institution.kind
        types = [t for t in types.filter(is_active=True) if kind in t.effective_filer_kinds()]
    return render(
        request,
        "counter/catalogue.html",
        {
            "types": types,
            "may_edit": request.user.role in ("operator", "admin"),
        },
    )
