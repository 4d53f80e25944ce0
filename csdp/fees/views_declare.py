"""The payer's signed 付款申报 (every business submission is signed with the USB-KEY, seed 000).

Two steps: the first POST validates and shows the confirmation with the values in hidden fields and
a challenge bound to their digest; the second POST (``confirm``) recomputes the digest from what was
posted and verifies the key's signature before anything is written.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import Role, access_object, allow
from csdp.clock.services import business_today
from csdp.fees import services
from csdp.fees.forms import DeclarationForm
from csdp.fees.models import PaymentNotice
from csdp.fees.money import fen_to_yuan, yuan_to_fen
from csdp.fees.states import NoticeStatus
from csdp.keys.signing import signing_context, submission_digest
from csdp.lib.web import form_errors_text, refusal_redirect


def declaration_form(notice: PaymentNotice) -> DeclarationForm | None:
    if notice.status != NoticeStatus.ISSUED:
        return None
    return DeclarationForm(initial={"amount_yuan": fen_to_yuan(notice.total_fen), "received_on": business_today()})


def declaration_digest(notice: PaymentNotice, cleaned: dict) -> str:
    return submission_digest(
        content=services.declaration_content(
            notice=notice,
            amount_fen=yuan_to_fen(cleaned["amount_yuan"]),
            bank_reference=cleaned["bank_reference"],
            paid_on=cleaned["received_on"],
        )
    )


@allow(Role.ISSUER, Role.UNDERWRITER)
@require_POST
@refusal_redirect("fees:notice_detail", "fee_notice_id")
def notice_declare(request, fee_notice_id: int):
    notice = access_object(request.user, PaymentNotice, pk=fee_notice_id)
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("fees:notice_detail", fee_notice_id=notice.pk)
    digest = declaration_digest(notice, form.cleaned_data)
    if "confirm" not in request.POST:
        return render(
            request,
            "fees/declare_confirm.html",
            {
                "notice": notice,
                "form": form,
                "signing": signing_context(user=request.user, digest=digest),
            },
        )
    services.payment_declare(
        notice=notice,
        amount_fen=yuan_to_fen(form.cleaned_data["amount_yuan"]),
        bank_reference=form.cleaned_data["bank_reference"],
        paid_on=form.cleaned_data["received_on"],
        user=request.user,
        signature_payload=request.POST.get("key_signature", ""),
    )
    messages.success(request, "已提交付款申报；本公司确认到账后将开具发票。")
    return redirect("fees:notice_detail", fee_notice_id=notice.pk)
