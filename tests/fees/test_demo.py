"""The demo world: the example schedule, issuer A's notice paid and invoiced, issuer B's unpaid;
seeding twice changes nothing."""

from __future__ import annotations

from csdp.accounts.models import User
from csdp.fees.demo import seed_fees
from csdp.fees.models import FeeSchedule, Invoice, Payment, PaymentNotice
from csdp.fees.states import NoticeStatus
from csdp.issuers.demo import seed_issuers
from csdp.ledger.demo import seed_ledger
from csdp.ledger.models import Transfer
from csdp.accounts.demo import seed_users


def _counts():
    return [m.objects.count() for m in (FeeSchedule, PaymentNotice, Payment, Invoice, Transfer)]


def demo_seed():
    # This app's part on top of what it builds on (users, issuers' VAT info, the ledger accounts).
    seed_users()
    seed_ledger()
    seed_issuers()
    seed_fees()


def test_the_demo_has_example_rates_a_paid_and_invoiced_notice_and_an_unpaid_one(db):
    demo_seed()
    assert FeeSchedule.objects.filter(is_example=False).count() == 0
    assert set(FeeSchedule.objects.values_list("code", flat=True)) == {
        "share_registration",
        "greenshoe_registration",
        "non_trade_transfer",
        "stamp_tax",
    }
    a = User.objects.get(username="issuer_a").institution
    b = User.objects.get(username="issuer_b").institution
    assert PaymentNotice.objects.get(payer=a).status == NoticeStatus.INVOICED
    assert PaymentNotice.objects.get(payer=b).status == NoticeStatus.ISSUED
    assert Invoice.objects.get(notice__payer=a).title == a.name
    before = _counts()
    demo_seed()
    assert _counts() == before


def test_the_demos_transfer_fee_is_the_investors_and_an_older_demo_is_corrected_on_seeding(db):
    from csdp.fees.models import PayerKind

    demo_seed()
    row = FeeSchedule.objects.get(code="non_trade_transfer")
    assert row.payer == PayerKind.INVESTOR  # collected through the applicant's custodian (代收)
    FeeSchedule.objects.filter(pk=row.pk).update(payer=PayerKind.UNDERWRITER)  # as an older demo seeded it
    demo_seed()
    row.refresh_from_db()
    assert row.payer == PayerKind.INVESTOR
