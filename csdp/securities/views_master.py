"""主数据导入: master data from Excel/CSV for operators and administrators (csdp/securities/imports.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from csdp.lib.listing import Column, Listing, listing
from csdp.accounts.access import Role, allow
from csdp.audit.models import AuditEvent
from csdp.ledger.selectors import reserve_accounts_of
from csdp.lib.errors import CsdpError
from csdp.lib.web import form_refused
from csdp.securities.imports import MAX_ROWS, SPECS, master_import, master_template
from csdp.securities.records import master_record_create
from csdp.securities.models import ParticipantProfile
from django.core.paginator import Paginator

IMPORTERS = (Role.OPERATOR, Role.ADMIN)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="数据类型", choices=[(k, s.label) for k, s in SPECS.items()])
    file = forms.FileField(label="文件（.xlsx 或 .csv，首行为表头）")


@allow(*IMPORTERS)
@require_http_methods(["GET", "POST"])
def master_import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = master_import(
                kind=form.cleaned_data["kind"], content=upload.read(), name=upload.name, actor=request.user
            )
        except CsdpError as error:
            form_refused(form, error)
        else:
            messages.success(request, f"已导入{SPECS[result['kind']].label} {result['rows']} 条。")
            return redirect("securities:master_import")
    recent = listing(
        request,
        AuditEvent.objects.filter(action="master_import"),
        columns=[
            Column("at", "时间", "at", sort="at"),
            Column("actor", "操作人", "actor_label", sort="actor_label"),
            Column("kind", "数据类型", lambda e: _kind_label(e)),
            Column("file", "文件", lambda e: e.data.get("file", "")),
            Column("rows", "记录数", lambda e: e.data.get("rows", 0), numeric=True),
        ],
        default_sort="-at",
        search=("actor_label",),
        filename="导入记录",
    )
    if not isinstance(recent, Listing):  # an export
        return recent
    for event in recent.page:  # the import's kind in words, not its code
        event.kind_label = _kind_label(event)
    specs = [
        (kind, spec.label, [c.header + ("" if c.required else "（选填）") for c in spec.columns])
        for kind, spec in SPECS.items()
    ]
    return render(
        request, "securities/master_import.html", {"form": form, "recent": recent, "specs": specs, "max_rows": MAX_ROWS}
    )


def record_form(kind: str, data=None) -> forms.Form:
    """The bulk import's columns as one form: the same headers, checked by the same rule on save."""
    fields = {
        f"c{i}": forms.CharField(label=c.header, required=False, max_length=200)
        for i, c in enumerate(SPECS[kind].columns)
    }
    return type("MasterRecordForm", (forms.Form,), fields)(data)


@allow(*IMPORTERS)
@require_http_methods(["GET", "POST"])
def master_record_new(request):
    """逐条录入: one security, investor, account, participant, custody unit or reserve account."""
    kind = request.GET.get("kind") or "securities"
    if kind not in SPECS:
        raise Http404("未知的数据类型。")
    spec = SPECS[kind]
    form = record_form(kind, request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {c.header: form.cleaned_data[f"c{i}"] for i, c in enumerate(spec.columns)}
        try:
            master_record_create(kind=kind, values=values, actor=request.user)
        except CsdpError as error:
            fields = {c.header: f"c{i}" for i, c in enumerate(spec.columns)}
            for problem in error.problems or []:
                form.add_error(fields.get(problem.field or ""), problem.message)
            if not error.problems:
                form.add_error(None, error.message)
        else:
            messages.success(request, f"已录入{spec.label} {values[spec.key]}，已记入审计日志。")
            return redirect(f"{request.path}?kind={kind}")
    optional = {f"c{i}" for i, c in enumerate(spec.columns) if not c.required}
    return render(
        request,
        "securities/master_record.html",
        {
            "form": form,
            "spec": spec,
            "kind": kind,
            "optional": optional,
            "kinds": [(k, s.label) for k, s in SPECS.items()],
        },
    )


@allow(*IMPORTERS)
def master_template_view(request):
    kind = request.GET.get("kind", "")
    if kind not in SPECS:
        raise Http404("未知的导入类型。")
    response = HttpResponse(master_template(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


@allow(Role.REVIEWER, Role.OPERATOR, Role.ADMIN)
def participant_list(request):
    """结算参与人与托管单元: each participant, its custody units and its reserve account (master data)."""
    rows = ParticipantProfile.objects.select_related("institution").prefetch_related("custody_units").order_by("code")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    reserves = reserve_accounts_of([p.institution_id for p in page])
    items = [(p, list(p.custody_units.all()), reserves.get(p.institution_id)) for p in page]
    return render(request, "securities/participant_list.html", {"page": page, "items": items})


def _kind_label(event) -> str:
    spec = SPECS.get(event.data.get("kind", ""))
    return spec.label if spec else ""
