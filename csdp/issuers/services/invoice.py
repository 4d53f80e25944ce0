"""增值税发票信息维护 (000 §二(三)): a new version effective the next day."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import business_today
from csdp.issuers.choices import INVOICE_TYPES_FOR, InvoiceType
from csdp.issuers.models import InvoiceInfo
from csdp.issuers.selectors import issuer_securities_codes
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.signing import issuer_submission_signed

FIELDS = (
    "taxpayer_type",
    "invoice_type",
    "securities_code",
    "title",
    "taxpayer_id",
    "address_phone",
    "bank_account",
    "email",
)


@transaction.atomic
def invoice_info_submit(
    *, institution, user, values: dict, attachments: list, signature_payload: str | None = None
) -> InvoiceInfo:
    """Record the VAT invoice information; the Company invoices from it from the next day on. Signed with
    the key over the values and attachments (seed 000 §二); SignatureRefused otherwise."""
    # The form checks these too; the service re-checks so that no caller can store a wrong combination.
    if values["invoice_type"] not in INVOICE_TYPES_FOR[values["taxpayer_type"]]:
        raise IssuerRefused("非一般纳税人只能开具增值税电子普通发票。")
    if values["securities_code"] not in issuer_securities_codes(institution):
        raise IssuerRefused("请选择本机构的证券代码。")
    if values["invoice_type"] == InvoiceType.E_ORDINARY and not values.get("email"):
        raise IssuerRefused("开具电子普通发票须填写发送电子邮箱。")
    if not attachments:
        raise IssuerRefused("请上传相关附件。")
    signature = issuer_submission_signed(
        user=user, kind="invoice_info", values=values, files=attachments, payload=signature_payload
    )
    info = InvoiceInfo.objects.create(
        institution=institution,
        effective_from=business_today() + dt.timedelta(days=1),
        signature=signature,
        submitted_by=user,
        **{f: values.get(f) or "" for f in FIELDS},
    )
    info.attachments.set(attachments)
    audit_record(
        actor=user,
        obj=info,
        action="invoice_info.submit",
        to_state="effective_next_day",
        data={"effective_from": info.effective_from.isoformat(), "signature_id": getattr(signature, "pk", None)},
    )
    return info
