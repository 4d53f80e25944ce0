import datetime as dt

import pytest

from csdp.approvals.services import approval_approve, approval_reject
from csdp.register.models import Position
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import Pledge, PledgeStatus, ReleaseStatus
from csdp.restrictions.services_pledge import pledge_apply, pledge_confirm, pledge_review_prepare
from csdp.restrictions.services_release import release_apply, release_confirm, release_review_prepare
from tests.pledge.factories import board_user
from tests.restrictions.factories import elements, registered_pledge, stored_pdf


def _lot(w, nature="00"):
    return Position.objects.get(account=w["account"], security=w["stock"], share_nature=nature)


def test_a_joint_application_needs_the_other_party_to_confirm_under_its_own_login(w, cast):
    pledge = pledge_apply(by=w["zhang"], data=elements(w), files=[stored_pdf(w["zhang"])])
    assert pledge.status == PledgeStatus.APPLIED and pledge.started_signature is not None
    with pytest.raises(RestrictionError, match="另一方"):
        pledge_confirm(pledge=pledge, by=w["zhang"])
    with pytest.raises(RestrictionError, match="复核|确认"):
        pledge_review_prepare(pledge=pledge, by=cast.operator)
    pledge_confirm(pledge=pledge, by=w["lender"])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CONFIRMED and pledge.confirmed_signature.user_id == w["lender"].pk
    assert _lot(w).pledged == 0  # nothing on the register before four-eyes


def test_approval_registers_the_pledge_and_the_register_together(w, cast):
    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    assert pledge.status == PledgeStatus.REGISTERED and len(pledge.verify_code) == 16
    lot = _lot(w)
    assert (lot.quantity, lot.pledged, lot.available) == (10_000, 3_000, 7_000)
    assert restrictions_rebuild_check() == []


def test_the_same_operator_cannot_approve_what_it_prepared(w, cast):
    from csdp.approvals.services import ApprovalRefused

    pledge = pledge_apply(by=w["zhang"], data=elements(w), files=[stored_pdf(w["zhang"])])
    pledge_confirm(pledge=pledge, by=w["lender"])
    approval = pledge_review_prepare(pledge=pledge, by=cast.admin)
    with pytest.raises(ApprovalRefused, match="同一人"):
        approval_approve(approval=approval, by=cast.admin)
    assert _lot(w).pledged == 0


def test_nobody_files_over_another_investors_account(w, cast):
    other = board_user("other_investor", name="第三人")
    with pytest.raises(RestrictionError, match="本人名下"):
        pledge_apply(
            by=other, data=elements(w, role="pledgee", counterparty=w["lender"].username), files=[stored_pdf(other)]
        )
    with pytest.raises(RestrictionError, match="本人名下"):  # the lender names 第三人 as pledgor of 张明's account
        pledge_apply(
            by=w["lender"],
            data=elements(w, role="pledgee", counterparty="other_investor"),
            files=[stored_pdf(w["lender"])],
        )


def test_registration_rechecks_the_register_and_leaves_nothing_half_applied(w, cast):
    from csdp.register.services import register_apply

    pledge = pledge_apply(by=w["zhang"], data=elements(w, quantity_shares=8_000), files=[stored_pdf(w["zhang"])])
    pledge_confirm(pledge=pledge, by=w["lender"])
    approval = pledge_review_prepare(pledge=pledge, by=cast.operator)
    # meanwhile another business freezes 3 000 shares
    register_apply(
        events=[
            {
                "key": "other:freeze",
                "account": w["account"],
                "security": w["stock"],
                "event_type": "freeze",
                "frozen_delta": 3_000,
                "business_date": dt.date(2026, 4, 15),
            }
        ]
    )
    with pytest.raises(RestrictionError, match="冻结 3,000 股.*可用 7,000 股.*申请质押 8,000 股"):
        approval_approve(approval=approval, by=cast.reviewer)
    pledge.refresh_from_db()
    approval.refresh_from_db()
    assert pledge.status == PledgeStatus.CONFIRMED and approval.status == "prepared"
    assert _lot(w).pledged == 0


def test_shares_already_pledged_cannot_be_pledged_again(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=6_000)
    with pytest.raises(RestrictionError, match="已质押 6,000 股"):
        pledge_apply(
            by=w["zhang"],
            data=elements(w, quantity_shares=6_000, contract_number="HT-2"),
            files=[stored_pdf(w["zhang"])],
        )


def test_restricted_shares_are_pledged_on_their_own_lot(w, cast):
    registered_pledge(
        w, cast.operator, cast.reviewer, share_nature="05", lockup_end=dt.date(2027, 3, 30), quantity_shares=5_000
    )
    assert _lot(w, "05").pledged == 5_000 and _lot(w).pledged == 0


def test_a_rejected_approval_leaves_the_application_for_another_review(w, cast):
    pledge = pledge_apply(by=w["zhang"], data=elements(w), files=[stored_pdf(w["zhang"])])
    pledge_confirm(pledge=pledge, by=w["lender"])
    approval_reject(
        approval=pledge_review_prepare(pledge=pledge, by=cast.operator), by=cast.reviewer, reason="材料不全"
    )
    second = pledge_review_prepare(pledge=pledge, by=cast.operator)
    approval_approve(approval=second, by=cast.reviewer)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REGISTERED


def test_partial_then_full_release_keeps_the_history(w, cast):
    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    release = release_apply(pledge=pledge, by=w["zhang"], quantity_shares=1_000)  # the pledgor: jointly
    assert release.status == ReleaseStatus.AWAITING_PLEDGEE
    with pytest.raises(RestrictionError, match="质权人"):
        release_confirm(release=release, by=w["zhang"])
    release_confirm(release=release, by=w["lender"])
    approval_approve(approval=release_review_prepare(release=release, by=cast.operator), by=cast.reviewer)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PARTLY_RELEASED and _lot(w).pledged == 2_000
    with pytest.raises(RestrictionError, match="1 至 2,000"):
        release_apply(pledge=pledge, by=w["lender"], quantity_shares=2_001)
    rest = release_apply(pledge=pledge, by=w["lender"], quantity_shares=2_000)  # the pledgee alone
    approval_approve(approval=release_review_prepare(release=rest, by=cast.operator), by=cast.reviewer)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.RELEASED and _lot(w).pledged == 0
    assert [t.to_state for t in pledge.transitions.all()] == [
        "applied",
        "confirmed",
        "registered",
        "partly_released",
        "released",
    ]
    assert restrictions_rebuild_check() == []


def test_a_posting_reaches_pledged_when_its_pledge_is_registered(w, cast):
    from csdp.pledge.models_social import Thread
    from csdp.pledge.models import Side
    from tests.pledge.factories import posting

    p = posting(
        w["zhang"],
        side=Side.PLEDGOR,
        world={"account": w["account"], "stock": w["stock"]},
        quantity=3_000,
        status="negotiating",
    )
    Thread.objects.create(posting=p, starter=w["lender"], recipient=w["zhang"], last_message_at=p.created_at)
    pledge = registered_pledge(w, cast.operator, cast.reviewer, posting_id=p.pk)
    p.refresh_from_db()
    assert pledge.posting_id == p.pk and p.status == "pledged" and not p.listed


def test_the_certificate_is_a_pdf_with_the_verification_code(w, cast, client_for):
    import io
    import re

    from pypdf import PdfReader

    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    response = client_for(w["lender"]).get(f"/restrictions/pledges/{pledge.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    stream = reader.pages[0].get_contents().get_data()
    text = "".join(bytes.fromhex(h.decode()).decode("utf-16-be") for h in re.findall(rb"<([0-9A-F]+)>", stream))
    assert pledge.verify_code in text and pledge.number in text and "证券质押登记证明" in text
    page = client_for(None).get(f"/restrictions/verify/?code={pledge.verify_code}")
    assert pledge.number in page.content.decode() and "已登记" in page.content.decode()
    assert "未找到" in client_for(None).get("/restrictions/verify/?code=NOPE").content.decode()
    assert Pledge.objects.filter(verify_code="").count() == 0
