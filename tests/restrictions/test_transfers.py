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
    with pytest.raises(RestrictionError, match="可过户数量为 10,000 股"):
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


def test_a_transfer_goes_from_preparation_to_approval_on_the_demos_own_fee_schedule(cast):
    from csdp.approvals.models import Status
    from csdp.fees.demo import seed_schedule
    from tests.restrictions.factories import freeze_clock, world

    freeze_clock()
    seed_schedule()  # before the world, which adds a schedule only where there is none
    w = world(cast.participant)
    approval = transfer_prepare(by=cast.operator, data=_data(w, quantity_shares=500))
    assert "过户费 1.00 元（向 丁证券股份有限公司 代收" in approval.summary
    approval_approve(approval=approval, by=cast.reviewer)
    approval.refresh_from_db()
    assert approval.status == Status.APPLIED, approval.failure
    notice = NonTradeTransfer.objects.get().fee_notice
    assert notice.payer == cast.participant.institution and notice.total_fen == 100  # the 1.00 元 minimum


def test_a_schedule_that_cannot_bill_the_custodian_is_refused_at_preparation_as_at_approval(w, cast):
    from csdp.approvals.models import Approval
    from csdp.fees.models import FeeSchedule, PayerKind

    FeeSchedule.objects.filter(code="non_trade_transfer").update(payer=PayerKind.UNDERWRITER)
    with pytest.raises(RestrictionError) as refused:
        transfer_prepare(by=cast.operator, data=_data(w))
    assert refused.value.message == ("无法出具过户费付款通知：“非交易过户费”的缴费方为主承销商，不能向结算参与人收取。")
    assert not Approval.objects.exists()


def test_a_transfer_of_a_security_that_left_the_register_is_refused_at_preparation(w, cast):
    from csdp.approvals.models import Approval
    from csdp.securities.models import Security, SecurityStatus

    Security.objects.filter(pk=w["stock"].pk).update(status=SecurityStatus.DELISTED)
    with pytest.raises(RestrictionError, match=f"证券 {w['stock'].code} 已转换代码或退出登记"):
        transfer_prepare(by=cast.operator, data=_data(w))
    assert not Approval.objects.exists()


def test_the_transfer_list_and_the_reviewer_read_the_fee_in_yuan_and_the_reason_in_chinese(w, cast, client_for):
    approval = transfer_prepare(by=cast.operator, data=_data(w))
    approval_approve(approval=approval, by=cast.reviewer)
    listed = client_for(cast.operator).get("/restrictions/transfers/").content.decode()
    assert "<th>过户费（元）</th>" in listed and "<td>12.00</td>" in listed and "<td>12,000</td>" in listed
    page = client_for(cast.reviewer).get(f"/approvals/{approval.pk}/").content.decode()
    for label, value in (("过户原因", "继承"), ("过户费", "12.00 元"), ("过户数量", "12,000 股")):
        assert f"<th>{label}</th><td>{value}</td>" in page
    assert "inheritance" not in page and "（分）" not in page


def test_a_result_stored_with_the_fee_in_fen_is_read_in_yuan(w, cast):
    from csdp.approvals.models import Approval
    from csdp.restrictions.kinds import describe

    stored = Approval(payload={"fee_fen": 1_200}, result={"过户编号": "GH2026000001", "过户费（分）": 1_200})
    assert [(s.label, s.value) for s in describe(stored)] == [("过户费", "12.00 元"), ("过户编号", "GH2026000001")]
