from __future__ import annotations

from django.shortcuts import render

from csdp.accounts.access import ANY_ROLE, MEMBERS, STAFF, allow, public
from csdp.portal.worklists import my_applications as select_my_applications
from csdp.portal.worklists import staff_queue as select_staff_queue


@allow(ANY_ROLE)
def home(request):
    from csdp.portal.due import due_for

    return render(request, "portal/home.html", {"due": due_for(request.user)})


@allow(MEMBERS)
def my_applications(request):
    return render(request, "portal/my_applications.html", {"items": select_my_applications(request.user)})


@allow(STAFF)
def staff_queue(request):
    return render(request, "portal/staff_queue.html", {"items": select_staff_queue(request.user)})


@public
def scope_limited(request):
    return render(request, "portal/scope_limited.html", status=403 if request.user.is_authenticated else 200)


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问此页面的权限。"
    return render(request, "portal/error.html", {"title": "无权访问", "message": message}, status=403)


def not_found(request, exception=None):
    return render(request, "portal/error.html", {"title": "页面不存在", "message": "未找到该页面或记录，或您无权查看。"}, status=404)
