from __future__ import annotations

from django.shortcuts import render

from csdp.accounts.access import ANY_ROLE, MEMBERS, STAFF, allow, public
from csdp.lib.listing import Column, Listing, listing
from csdp.accounts.worklists import my_applications_with_cuts, staff_queue_with_cuts
from csdp.portal.due import due_for


@allow(ANY_ROLE)
def home(request):
    return render(request, "portal/home.html", {"due": due_for(request.user)})


WORK_COLUMNS = [
    Column("kind", "类型", "kind", sort=""),
    Column("title", "事项", "title", sort=""),
    Column("status", "状态", "status", sort=""),
    Column("needs_action", "待处理", "needs_action", sort=""),
    Column("updated_at", "更新时间", "updated_at", sort=""),
]


def _work_list(request, found, template: str, filename: str):
    # The merged list keeps its order (to act on first, newest first) until the user sorts a column.
    items, cuts = found
    table = listing(request, items, columns=WORK_COLUMNS, default_sort="", filename=filename)
    if not isinstance(table, Listing):  # an export
        return table
    return render(request, template, {"table": table, "cuts": cuts})


@allow(MEMBERS)
def my_applications(request):
    return _work_list(request, my_applications_with_cuts(request.user), "portal/my_applications.html", "申请列表")


@allow(STAFF)
def staff_queue(request):
    return _work_list(request, staff_queue_with_cuts(request.user), "portal/staff_queue.html", "待办")


@public
def scope_limited(request):
    return render(request, "portal/scope_limited.html", status=403 if request.user.is_authenticated else 200)


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问此页面的权限。"
    return render(request, "portal/error.html", {"title": "无权访问", "message": message}, status=403)


def not_found(request, exception=None):
    return render(
        request,
        "portal/error.html",
        {"title": "页面不存在", "message": "未找到该页面或记录，或您无权查看。"},
        status=404,
    )
