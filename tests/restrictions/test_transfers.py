import datetime as dt

import pytest

from csdp.approvals.services import approval_approve
from csdp.fees.models import PaymentNotice
from csdp.register.models import Position
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import NonTradeTransfer
from csdp.restrictions.services_transfer import TransferData, transfer_prepare
from tests.restrictions.factories import registered_pledge
from tests.restrictions.test_freezes import _freeze, _totals


def _data(w, **over):
    data = {
        "reason": "inheritance",
        "from_account": w["account"].number,
        "to_account": w["heir"].number,
        "security_code": w["stock"].code,
        "quantity_shares": 12_000,
        "document": "（2026）京长安证字第1号",
    }
    data.update(over)
    return TransferData(**data)


def test_a_transfer_keeps_nature_and_lockup_and_charges_the_schedule(w, cast):
    approval_approve(approval=transfer_prepare(by=cast.operator, data=_data(w)), by=cast.reviewer)
    transfer = NonTradeTransfer.objects.get()
    assert transfer.fee_fen == 1_200  # 1‰ × 12 000 shares = 12 yuan
    heir = {(p.share_nature, p.lockup_end): p.quantity for p in Position.objects.filter(account=w["heir"])}
    assert heir == {("00", None): 10_000, ("05", dt.date(2027, 3, 30)): 2_000}
    assert _totals(w)[0] + _totals(w, w["heir"])[0] == 15_000


def test_the_fee_is_billed_to_the_custodian_of_the_applying_account(w, cast):
    approval_approve(approval=transfer_prepare(by=cast.operator, data=_data(w)), by=cast.reviewer)
    transfer = NonTradeTransfer.objects.get()
    notice = PaymentNotice.objects.get(reference_type="restrictions.transfer", reference_id=transfer.number)
    assert transfer.fee_notice == notice and transfer.payer_account == w["heir"]  # the heir applied
    assert notice.payer == cast.participant.institution and notice.total_fen == 1_200
    assert notice.lines.get().item_code == "non_trade_transfer"
    assert "代收" in notice.reference_label and w["heir"].number in notice.reference_label


def test_the_transferring_party_may_be_the_applicant(w, cast):
    approval = transfer_prepare(by=cast.operator, data=_data(w, applicant="from", reason="donation"))
    approval_approve(approval=approval, by=cast.reviewer)
    assert NonTradeTransfer.objects.get().payer_account == w["account"]


def test_a_transfer_nobody_could_be_billed_for_is_refused_and_leaves_nothing(w, cast):
    w["heir"].custody_unit = None
    w["heir"].save(update_fields=["custody_unit"])
    with pytest.raises(RestrictionError, match="未指定托管单元，无法由托管参与人代收过户费"):
        transfer_prepare(by=cast.operator, data=_data(w))
    assert not NonTradeTransfer.objects.exists() and not PaymentNotice.objects.exists()


def test_pledged_or_frozen_shares_do_not_move(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    _freeze(w, cast, quantity=2_000)
    with pytest.raises(RestrictionError, match="可过户数量为 10000 股"):
        transfer_prepare(by=cast.operator, data=_data(w, reason="court", quantity_shares=10_001, document="裁定书"))


def test_the_billed_participant_reads_its_notice_online_and_no_one_elses(w, cast, client):
    from django.urls import reverse

    approval_approve(approval=transfer_prepare(by=cast.operator, data=_data(w)), by=cast.reviewer)
    notice = PaymentNotice.objects.get(reference_type="restrictions.transfer")
    client.force_login(cast.participant)
    listed = client.get(reverse("fees:notice_list")).content.decode()
    assert notice.number in listed
    assert client.get(reverse("fees:notice_detail", args=[notice.pk])).status_code == 200
    client.force_login(cast.issuer_b)
    assert client.get(reverse("fees:notice_detail", args=[notice.pk])).status_code == 404
