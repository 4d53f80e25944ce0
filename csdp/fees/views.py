"""Fee pages: the schedule, notices (payer and office), the printable 付款通知 and invoices."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.clock.services import business_today
from csdp.fees import services
from csdp.fees.forms import CancelForm, PaymentForm, ScheduleVersionForm
from csdp.fees.models import Invoice, PaymentNotice
from csdp.fees.money import fen_to_yuan, yuan_to_fen
from csdp.fees.selectors import notice_detail_qs, notices_for, payee_details, schedule_rows
from csdp.fees.states import FeeRefused, NoticeStatus
from csdp.fees.templatetags.fees_tags import notice_status
from csdp.fees.views_declare import declaration_form
from csdp.lib.listing import Column, Listing, listing
from csdp.lib.web import form_errors_text, refusal_redirect

# A participant is billed for what it collects on its clients' behalf (代收: the 非交易过户 fee).
PAYERS = (Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT)
OFFICE = (Role.OPERATOR, Role.ADMIN)


def _detail(notice_id: int):
    return redirect("fees:notice_detail", fee_notice_id=notice_id)


@allow(PAYERS, STAFF)
def schedule(request):
    return render(request, "fees/schedule.html", {"rows": schedule_rows(), "today": business_today()})


@allow(Role.ADMIN)
def schedule_new(request):
    form = ScheduleVersionForm(request.POST or None, initial={"effective_from": business_today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.fee_schedule_version_add(**form.values(), actor=request.user)
        except FeeRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "已新增收费标准版本；原版本在新版本生效前一日失效。")
            return redirect("fees:schedule")
    return render(request, "fees/schedule_form.html", {"form": form})


@allow(PAYERS, STAFF)
def notice_list(request):
    status = request.GET.get("status", "")
    status = status if status in NoticeStatus.values else ""
    table = listing(
        request,
        notices_for(request.user, status=status).select_related("payer"),
        columns=NOTICE_COLUMNS,
        default_sort="-due_date",
        search=("number", "payer__name", "reference_label"),
        filename="付款通知",
    )
    if not isinstance(table, Listing):  # an export
        return table
    return render(
        request, "fees/notice_list.html", {"table": table, "status": status, "statuses": NoticeStatus.choices}
    )


def _notice_status(notice) -> str:
    return notice_status(notice)


NOTICE_COLUMNS = [
    Column("number", "通知编号", "number", sort="number"),
    Column("payer", "缴费机构", "payer.name", sort="payer__name"),
    Column("reference", "业务", "reference_label", sort="reference_label"),
    Column("total", "应缴金额（元）", lambda n: Decimal(n.total_fen) / 100, sort="total_fen", numeric=True),
    Column("due_date", "截止日", "due_date", sort="due_date"),
    Column("status", "状态", _notice_status, sort="status"),
]


def notice_context(request, notice: PaymentNotice) -> dict:
    role = request.user.role
    return {
        "notice": notice,
        "payee": payee_details(),
        "invoice": getattr(notice, "invoice", None),
        "is_payer": role in PAYERS,
        "is_office": role in OFFICE,
        "declaration_form": declaration_form(notice) if role in PAYERS else None,
        "payment_form": PaymentForm(
            initial={"amount_yuan": fen_to_yuan(notice.total_fen), "received_on": business_today()}
        ),
        "cancel_form": CancelForm(),
    }


@allow(PAYERS, STAFF)
def notice_detail(request, fee_notice_id: int):
    notice = access_object(request.user, notice_detail_qs(), pk=fee_notice_id)
    return render(request, "fees/notice_detail.html", notice_context(request, notice))


@allow(PAYERS, STAFF)
def notice_print(request, fee_notice_id: int):
    notice = access_object(request.user, notice_detail_qs(), pk=fee_notice_id)
    return render(request, "fees/notice_print.html", {"notice": notice, "payee": payee_details()})


@allow(OFFICE)
@require_POST
@refusal_redirect("fees:notice_detail", "fee_notice_id")
def payment_record(request, fee_notice_id: int):
    notice = access_object(request.user, PaymentNotice, pk=fee_notice_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _detail(notice.pk)
    payment = services.payment_record(
        notice=notice,
        amount_fen=yuan_to_fen(form.cleaned_data["amount_yuan"]),
        bank_reference=form.cleaned_data["bank_reference"],
        actor=request.user,
        received_on=form.cleaned_data["received_on"],
    )
    messages.success(request, f"已登记到账（银行流水号 {payment.bank_reference}）。")
    return _detail(notice.pk)


@allow(OFFICE)
@require_POST
@refusal_redirect("fees:notice_detail", "fee_notice_id")
def invoice_issue(request, fee_notice_id: int):
    notice = access_object(request.user, PaymentNotice, pk=fee_notice_id)
    invoice = services.invoice_issue(notice=notice, actor=request.user)
    messages.success(request, f"已开具发票 {invoice.number}（{invoice.get_delivery_display()}）。")
    return _detail(notice.pk)


@allow(OFFICE)
@require_POST
@refusal_redirect("fees:notice_detail", "fee_notice_id")
def notice_cancel(request, fee_notice_id: int):
    notice = access_object(request.user, PaymentNotice, pk=fee_notice_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        raise FeeRefused("作废付款通知须填写原因。")
    services.payment_notice_cancel(notice=notice, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, "付款通知已作废。")
    return _detail(notice.pk)


@allow(PAYERS, STAFF)
def invoice_detail(request, fee_invoice_id: int):
    invoice = access_object(request.user, Invoice.objects.select_related("notice", "notice__payer"), pk=fee_invoice_id)
    return render(request, "fees/invoice_detail.html", {"invoice": invoice, "lines": invoice.notice.lines.all()})


@allow(PAYERS, STAFF)
def invoice_download(request, fee_invoice_id: int):
    """The invoice as a plain-text file (the paper or e-invoice itself comes from the tax system)."""
    invoice = access_object(request.user, Invoice.objects.select_related("notice", "notice__payer"), pk=fee_invoice_id)
    text = render_to_string("fees/invoice.txt", {"invoice": invoice, "lines": invoice.notice.lines.all()})
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.txt"'
    return response
