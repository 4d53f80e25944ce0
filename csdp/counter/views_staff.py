"""Pages of the depository staff: the work queue, handling an application, editing the catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.clock.services import clock_now
from csdp.counter import catalogue as catalogue_services
from csdp.counter import handling, selectors
from csdp.counter.forms import AssignForm, BusinessTypeForm, ListFilterForm, OpinionForm, ResultUploadForm, ReturnForm
from csdp.counter.forms import TemplateUploadForm
from csdp.counter.models import Application, ApplicationFile, BusinessTemplate, BusinessType
from csdp.counter.services import CounterError
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.web import form_errors_text, refusal_redirect
from csdp.uploads.errors import UploadRejected

HANDLERS = (Role.OPERATOR, Role.ADMIN)


@allow(STAFF)
def queue(request):
    """待办 / 我的在办 / 全部在办 / 已办, oldest waiting first, with the time spent in the state."""
    view = request.GET.get("view", "todo")
    view = view if view in selectors.QUEUE_VIEWS else "todo"
    form = ListFilterForm(request.GET or None, types=list(BusinessType.objects.all()))
    filters = selectors.ListFilters(**form.cleaned_data) if form.is_valid() else selectors.ListFilters()
    rows = selectors.staff_queue(request.user, view, filters).select_related(
        "business_type", "filer_institution", "assignee"
    )
    table = listing(
        request,
        rows,
        columns=QUEUE_COLUMNS,
        default_sort="status_since",
        filename="柜台业务队列",
        search=("securities_code", "business_type__name", "filer_institution__name"),
    )
    if not isinstance(table, Listing):  # an export
        return table
    now = clock_now()
    for row in table.page:
        row.waiting = selectors.duration_label(selectors.time_in_state(row, now))
    return render(
        request,
        "counter/queue.html",
        {
            "form": form,
            "table": table,
            "view": view,
            "views": selectors.QUEUE_VIEWS.items(),
        },
    )


QUEUE_COLUMNS = [
    Column("reference", "申请编号", "reference", sort="id"),
    Column("type", "业务类型", lambda a: f"{a.business_type.code}-{a.business_type.name}", sort="business_type__code"),
    Column("filer", "申报机构", "filer_institution.name", sort="filer_institution__name"),
    Column("code", "证券代码", "securities_code", sort="securities_code"),
    Column("status", "状态", "get_status_display", sort="status"),
    Column("status_since", "进入当前状态时间", "status_since", sort="status_since"),
    Column("assignee", "办理人员", lambda a: str(a.assignee) if a.assignee else "未分派", sort="assignee__username"),
]


@refusal_redirect("counter:detail", "application_id")
def _handle(request, application_id: int, action):
    application = access_object(request.user, Application, pk=application_id)
    messages.success(request, action(application))
    return redirect("counter:detail", application_id=application.pk)


@allow(HANDLERS)
@require_POST
def assign(request, application_id: int):
    form = AssignForm(request.POST)

    def act(application):
        if not form.is_valid():
            raise CounterError(form_errors_text(form))
        handling.application_assign(
            application=application,
            assignee=form.cleaned_data["assignee"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        return f"已分派给 {form.cleaned_data['assignee']}。"

    return _handle(request, application_id, act)


@allow(HANDLERS)
@require_POST
def accept(request, application_id: int):
    form = OpinionForm(request.POST, prefix="accept")

    def act(application):
        opinion = form.cleaned_data["opinion"] if form.is_valid() else ""
        handling.application_accept(application=application, actor=request.user, opinion=opinion)
        return "已受理。"

    return _handle(request, application_id, act)


@allow(HANDLERS)
@require_POST
def return_application(request, application_id: int):
    form = ReturnForm(request.POST, prefix="return")

    def act(application):
        if not form.is_valid():
            raise CounterError(form_errors_text(form))
        handling.application_return(
            application=application,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            opinion=form.cleaned_data["opinion"],
        )
        return "已退回，申报机构将收到办理意见。"

    return _handle(request, application_id, act)


@allow(HANDLERS)
@require_POST
def result_upload(request, application_id: int):
    form = ResultUploadForm(request.POST, request.FILES)

    def act(application):
        if not form.is_valid():
            raise CounterError(form_errors_text(form))
        row = handling.result_attach(application=application, actor=request.user, file=form.cleaned_data["file"])
        return f"已添加办理结果 {row.stored_file.original_name}。"

    return _handle(request, application_id, act)


@allow(HANDLERS)
@require_POST
def result_remove(request, attachment_id: int):
    row = access_object(
        request.user, ApplicationFile.objects.select_related("application", "stored_file"), pk=attachment_id
    )
    try:
        handling.result_remove(result=row, actor=request.user)
        messages.success(request, "已删除该办理结果。")
    except CounterError as error:
        messages.error(request, error.message)
    return redirect("counter:detail", application_id=row.application_id)


@allow(HANDLERS)
@require_POST
def issue_results(request, application_id: int):
    def act(application):
        handling.application_issue_results(
            application=application, actor=request.user, note=request.POST.get("note", "")[:200]
        )
        return "办理结果已发送给申报机构。"

    return _handle(request, application_id, act)


@allow(HANDLERS)
def catalogue_edit(request, business_type_id: int):
    """Staff edit a type's name, guide, filers, handlers; and upload or remove its templates."""
    business_type = access_object(request.user, BusinessType, pk=business_type_id)
    form = BusinessTypeForm(request.POST or None, instance=business_type)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        catalogue_services.business_type_update(
            business_type=business_type,
            actor=request.user,
            name=data["name"],
            guide=data["guide"],
            filer_kinds=data["filer_kinds"],
            handlers=list(data["handlers"]),
            is_active=data["is_active"],
            sort_order=data["sort_order"],
        )
        messages.success(request, f"已保存 {business_type}。")
        return redirect("counter:catalogue_edit", business_type_id=business_type.pk)
    return render(
        request,
        "counter/catalogue_edit.html",
        {
            "business_type": business_type,
            "form": form,
            "template_form": TemplateUploadForm(),
            "templates": business_type.templates.select_related("stored_file"),
        },
    )


@allow(HANDLERS)
@require_POST
def template_upload(request, business_type_id: int):
    business_type = access_object(request.user, BusinessType, pk=business_type_id)
    form = TemplateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    else:
        try:
            catalogue_services.template_add(
                business_type=business_type,
                actor=request.user,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            )
            messages.success(request, "模板已上传。")
        except UploadRejected as rejected:
            messages.error(request, rejected.message)
    return redirect("counter:catalogue_edit", business_type_id=business_type.pk)


@allow(HANDLERS)
@require_POST
def template_delete(request, template_id: int):
    template = access_object(request.user, BusinessTemplate.objects.select_related("business_type"), pk=template_id)
    catalogue_services.template_remove(template=template, actor=request.user)
    messages.success(request, "模板已删除。")
    return redirect("counter:catalogue_edit", business_type_id=template.business_type_id)
