"""主数据维护: the records of each master-data kind, and the page that corrects one of them
(csdp/securities/records.py: the import's row rule, the entity's services, an audit event)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from csdp.accounts.access import Role, allow
from csdp.lib.errors import CsdpError
from csdp.lib.listing import Column, Listing, listing
from csdp.securities.imports import SPECS
from csdp.securities.records import EDITABLE, master_record_get, master_record_update

EDITORS = (Role.OPERATOR, Role.ADMIN)
KINDS = [(k, s.label) for k, s in SPECS.items()]


def _kind(request) -> str:
    kind = request.GET.get("kind") or "securities"
    if kind not in EDITABLE:
        raise Http404("未知的数据类型。")
    return kind


@allow(*EDITORS)
def master_record_list(request):
    """Each kind's records, searchable and exportable, each with its 修改 link."""
    kind = _kind(request)
    spec, editable = SPECS[kind], EDITABLE[kind]
    columns = [
        Column(
            f"c{i}",
            c.header,
            (lambda row, h=c.header: editable.values(row)[h]),
            sort=editable.key_field if c.header == spec.key else None,
        )
        for i, c in enumerate(spec.columns)
    ]
    table = listing(
        request,
        editable.rows(),
        columns=columns,
        default_sort="c0",
        search=editable.search,
        search_lookup=editable.search_lookup,
        whole_table=True,  # a million accounts are not COUNT(*)ed for every page (a filtered kind is)
        filename=spec.label,
    )
    if not isinstance(table, Listing):  # an export
        return table
    rows = [(editable.values(row), getattr(row, editable.key_field)) for row in table.page]
    placeholder = f"{spec.key}（开头几位）" if editable.search_lookup == "startswith" else "代码或名称"
    return render(
        request,
        "securities/master_records.html",
        {
            "table": table,
            "rows": rows,
            "spec": spec,
            "kind": kind,
            "kinds": KINDS,
            "locked": editable.locked,
            "placeholder": placeholder,
        },
    )


def edit_form(kind: str, values: dict[str, str], data=None) -> forms.Form:
    """Every column of the import, pre-filled; the columns an edit may not change are shown, disabled
    (a disabled field ignores what is posted for it)."""
    editable = EDITABLE[kind]
    fields = {
        f"c{i}": forms.CharField(
            label=c.header,
            required=False,
            max_length=200,
            initial=values[c.header],
            disabled=c.header not in editable.editable,
        )
        for i, c in enumerate(SPECS[kind].columns)
    }
    return type("MasterRecordEditForm", (forms.Form,), fields)(data)


@allow(*EDITORS)
@require_http_methods(["GET", "POST"])
def master_record_edit(request):
    """修改: one record pre-filled; the key and whatever moves holdings or money cannot be changed here."""
    kind = _kind(request)
    key = request.GET.get("key", "")
    obj = master_record_get(kind, key)
    if obj is None:
        raise Http404("记录不存在。")
    spec, editable = SPECS[kind], EDITABLE[kind]
    form = edit_form(kind, editable.values(obj), request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {c.header: form.cleaned_data[f"c{i}"] for i, c in enumerate(spec.columns)}
        try:
            changed = master_record_update(kind=kind, key=key, values=values, actor=request.user)
        except CsdpError as error:
            fields = {c.header: f"c{i}" for i, c in enumerate(spec.columns)}
            for problem in error.problems or []:
                form.add_error(fields.get(problem.field or ""), problem.message)
            if not error.problems:
                form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, f"已修改{spec.label} {key}：{'、'.join(changed)}，已记入审计日志。")
            else:
                messages.info(request, f"{spec.label} {key} 没有修改。")
            return redirect(f"{reverse('securities:master_record_list')}?kind={kind}")
    return render(
        request,
        "securities/master_record_edit.html",
        {"form": form, "spec": spec, "kind": kind, "key": key, "locked": editable.locked},
    )
