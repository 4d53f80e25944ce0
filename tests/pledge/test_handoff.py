"""004 §十七: from a posting in 洽谈中 or 已质押 a party starts a 证券质押登记 application at the
virtual counter, carrying both parties' data; when it is finished the posting becomes 已质押."""

import pytest
from django.urls import reverse

from csdp.clock.services import clock_now
from csdp.counter.models import BusinessType
from csdp.counter.registry import spec_for
from csdp.pledge.handoff import CODE, handoff_initial, pledge_registration_start
from csdp.pledge.models import Side
from csdp.pledge.services import PledgeError
from csdp.pledge.services_social import thread_start
from csdp.pledge.states import PostingStatus
from tests.counter.factories import pdf_upload
from tests.pledge.factories import posting


@pytest.fixture
def deal(zhang, world, lender):
    posting(lender, title="出借方有效信息")
    offer = posting(zhang, side=Side.PLEDGOR, world=world, quantity=5_000, status=PostingStatus.NEGOTIATING)
    thread = thread_start(posting=offer, user=lender, body="愿意出借。")
    return offer, thread


def _data(offer, **over):
    base = {
        "posting_id": offer.pk,
        "pledgor_name": "张明",
        "pledgor_account": "0180000001",
        "pledgee_name": "华兴小贷",
        "pledgee_account": "6222000011112222",
        "security_code": "920188",
        "security_name": "悦龙科技",
        "quantity_shares": 5_000,
        "contract_number": "ZY-2026-001",
    }
    return {**base, **over}


def test_the_type_is_registered_with_the_counter_for_board_users(db):
    spec = spec_for(CODE)
    assert spec.name == "证券质押登记" and spec.filer_kinds == {"pledge_user"}
    assert BusinessType.objects.filter(code=CODE).exists()


def test_the_form_is_prefilled_with_both_parties(deal, lender):
    offer, thread = deal
    initial = handoff_initial(posting=offer, user=lender, thread=thread)
    assert initial["pledgor_name"] == "张明" and initial["pledgee_name"] == "华兴小贷"
    assert (initial["pledgor_account"], initial["security_code"], initial["quantity_shares"]) == (
        "0180000001",
        "920188",
        5_000,
    )


def test_the_counterparty_starts_a_draft_with_the_structured_data(deal, lender):
    offer, _ = deal
    application = pledge_registration_start(posting=offer, user=lender, data=_data(offer), files=[pdf_upload()])
    assert application.business_type.code == CODE and application.securities_code == "920188"
    assert application.rounds.get().data["contract_number"] == "ZY-2026-001"


def test_the_page_sends_the_parties_to_the_joint_registration(deal, lender, zhang, client_for):
    offer, _ = deal
    for user in (lender, zhang):
        response = client_for(user).get(reverse("pledge:posting_handoff", args=[offer.pk]))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('restrictions:pledge_new')}?posting={offer.pk}"
    page = client_for(lender).get(f"{reverse('restrictions:pledge_new')}?posting={offer.pk}").content.decode()
    assert "0180000001" in page


def test_a_board_user_who_is_not_a_party_never_sees_the_pledgors_account(deal, outsider, client_for):
    """issue 20 §6: the hand-off pre-filled the pledgor's account for any board user."""
    from tests.pledge.factories import posting as make_posting

    offer, _ = deal
    make_posting(outsider, title="第三人的有效信息")  # may see the posting's details (004 §十四)
    client = client_for(outsider)
    response = client.get(reverse("pledge:posting_handoff", args=[offer.pk]), follow=True)
    assert "0180000001" not in response.content.decode()
    response = client.get(f"{reverse('restrictions:pledge_new')}?posting={offer.pk}", follow=True)
    assert "0180000001" not in response.content.decode() and "发布人或与其洽谈" in response.content.decode()


def test_an_open_posting_cannot_be_handed_off(lender, zhang, world):
    offer = posting(zhang, side=Side.PLEDGOR, world=world, quantity=5_000)
    with pytest.raises(PledgeError, match="洽谈中"):
        pledge_registration_start(posting=offer, user=zhang, data=_data(offer), files=[pdf_upload()])


def test_a_user_who_is_not_a_party_is_refused(deal, outsider):
    offer, _ = deal
    with pytest.raises(PledgeError, match="发布人或与其私信洽谈"):
        pledge_registration_start(posting=offer, user=outsider, data=_data(offer), files=[pdf_upload()])


def test_more_than_the_posted_quantity_is_refused(deal, zhang):
    offer, _ = deal
    with pytest.raises(PledgeError, match="不得超过发布数量"):
        pledge_registration_start(
            posting=offer, user=zhang, data=_data(offer, quantity_shares=5_001), files=[pdf_upload()]
        )


def test_finishing_the_counter_paperwork_no_longer_marks_the_posting_pledged(deal, lender):
    """A document is not a business: only a registered pledge (csdp.restrictions) does that."""
    offer, _ = deal
    application = pledge_registration_start(posting=offer, user=lender, data=_data(offer), files=[pdf_upload()])
    application.rounds.update(signed_at=clock_now())
    spec_for(CODE).on_finished(application)
    offer.refresh_from_db()
    assert offer.status == PostingStatus.NEGOTIATING
