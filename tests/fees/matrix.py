"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS): issuer A's notice and invoice,
seen by issuer A and depository staff only."""

from __future__ import annotations

from tests.fees import factories

SEEN_BY = {"issuer_a", "reviewer", "operator", "admin"}


def fee_notice(cast):
    return str(factories.notice(cast.issuer_a, actor=cast.operator).pk), SEEN_BY


def fee_invoice(cast):
    from csdp.fees.services import invoice_issue, payment_record

    notice = factories.notice(cast.issuer_a, actor=cast.operator, reference_id="invoice")
    factories.invoice_info(cast.issuer_a.institution)
    payment_record(
        notice=notice, amount_fen=notice.total_fen, bank_reference=f"MATRIX-{notice.pk}", actor=cast.operator
    )
    return str(invoice_issue(notice=notice, actor=cast.operator).pk), SEEN_BY
