"""增值税发票信息维护 (000 §二(三)): certificate login only; effective the next day."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from csdp.accounts.access import Role, allow
from csdp.clock.services import business_today
from csdp.issuers.forms.invoice import InvoiceForm
from csdp.issuers.models import InvoiceInfo
from csdp.issuers.selectors import effective_invoice_info, institution_info_as_of, issuer_securities_codes
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.invoice import invoice_info_submit
from csdp.issuers.signing import key_session
from csdp.issuers.views.files import Slot, collect, slot_rows
from csdp.issuers.views.signed import submit_signed, summary_of

SLOTS = [
    Slot("tax_registration", "税务登记证"),
    Slot("general_taxpayer", "一般纳税人资格证明（一般纳税人）"),
    Slot("business_licence", "营业执照（已完成“三证合一”的可代替以上两项）"),
]


def _initial(current: InvoiceInfo | None) -> dict:
    if current is None:
        return {}
    values = {
        f: getattr(current, f)
        for f in (
            "taxpayer_type",
            "invoice_type",
            "securities_code",
            "title",
            "taxpayer_id",
            "address_phone",
            "bank_account",
            "email",
        )
    }
    return values  # the *_again fields stay empty: the double entry is typed, not copied


@allow(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def invoice_info(request):
    institution = request.user.institution
    today = business_today()
    if not key_session(request):
        # 000 §二(三): 使用“证书登录”的方式 … 登录.
        return render(request, "issuers/certificate_required.html", {"title": "增值税发票信息"}, status=403)
    current = effective_invoice_info(institution, today)
    pending = InvoiceInfo.objects.filter(institution=institution, effective_from__gt=today).order_by("-id").first()
    form = InvoiceForm(
        request.POST or None, codes=issuer_securities_codes(institution), initial=_initial(pending or current)
    )
    collected = collect(request, SLOTS) if request.method == "POST" else None
    if collected is not None and form.is_valid() and not collected.errors:
        info = institution_info_as_of(institution, today)
        collected.errors.update(form.attachment_problems(collected.files, bool(info and info.three_in_one)))
        if not collected.errors:

            def apply(signature_payload):
                saved = invoice_info_submit(
                    institution=institution,
                    user=request.user,
                    values=form.cleaned_data,
                    attachments=collected.ordered(SLOTS),
                    signature_payload=signature_payload,
                )
                messages.success(request, f"增值税发票信息已提交，自 {saved.effective_from:%Y-%m-%d} 起生效。")
                return redirect("issuers:invoice_info")

            try:
                return submit_signed(
                    request,
                    kind="invoice_info",
                    form=form,
                    slots=SLOTS,
                    collected=collected,
                    title="确认增值税发票信息",
                    summary=summary_of(form),
                    apply=apply,
                )
            except IssuerRefused as refused:
                form.add_error(None, refused.message)
    return render(
        request,
        "issuers/invoice_info.html",
        {
            "form": form,
            "current": current,
            "pending": pending,
            "slots": slot_rows(SLOTS, collected),
            "codes": issuer_securities_codes(institution),
        },
    )
