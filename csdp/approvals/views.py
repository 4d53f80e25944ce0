from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, access_object, allow
from csdp.approvals import services
from csdp.approvals.kinds import kind_description, kind_label
from csdp.approvals.models import MACHINE, Approval, Status
from csdp.approvals.selectors import approvals_for
from csdp.lib.errors import CsdpError

FILTERS = [("open", "未结"), *Status.choices, ("", "全部")]


@allow(STAFF)
def approval_list(request):
    status = request.GET.get("status", "open")
    if status not in dict(FILTERS):
        status = "open"
    page = Paginator(approvals_for(request.user, status=status), 50).get_page(request.GET.get("page"))
    for a in page:
        a.kind_label = kind_label(a.kind)
    return render(request, "approvals/list.html", {"page": page, "status": status, "filters": FILTERS})


@allow(STAFF)
def approval_detail(request, approval_id: int):
    approval = access_object(request.user, Approval, pk=approval_id)
    transitions = list(approval.transitions.select_related("actor"))
    return render(
        request,
        "approvals/detail.html",
        {
            "approval": approval,
            "kind_label": kind_label(approval.kind),
            "description": kind_description(approval),
            "transitions": transitions,
            "is_preparer": approval.prepared_by_id == request.user.pk,
            "can_review": approval.status == Status.PREPARED and approval.prepared_by_id != request.user.pk,
            "can_retry": approval.status == Status.FAILED and approval.prepared_by_id != request.user.pk,
            "can_cancel": MACHINE.allowed(approval.status, Status.CANCELLED)
            and approval.prepared_by_id == request.user.pk,
        },
    )


@allow(STAFF)
@require_POST
def approval_decide(request, approval_id: int):
    approval = access_object(request.user, Approval, pk=approval_id)
    action = request.POST.get("action")
    try:
        if action == "approve":
            approval = services.approval_approve(approval=approval, by=request.user)
            messages.success(request, f"已复核通过：{approval.get_status_display()}。")
        elif action == "reject":
            services.approval_reject(approval=approval, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "已驳回。")
        elif action == "cancel":
            services.approval_cancel(approval=approval, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "已撤销。")
        elif action == "retry":
            services.approval_retry(approval=approval, by=request.user)
            messages.success(request, "已重新提交执行，将于日终处理。")
        else:
            messages.error(request, "未知的操作。")
    except CsdpError as refusal:
        messages.error(request, str(refusal))
    return redirect("approvals:detail", approval_id=approval.pk)
