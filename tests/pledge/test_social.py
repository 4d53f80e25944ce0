"""私信 never public (004 §十五), 举报 to the administrators (004 §十六), and the depository's
moderation powers with a notice and an audit record each (004 §四)."""

import pytest
from django.urls import reverse

from csdp.audit.models import AuditEvent
from csdp.notify.models import OutboxMessage
from csdp.pledge.models import PledgeProfile
from csdp.pledge.models_social import Message, ModerationAction, Report, Thread
from csdp.pledge.services import PledgeError, posting_submit
from csdp.pledge.services_social import message_send, moderation_apply, report_create, report_handle, thread_start
from csdp.pledge.states import PostingStatus
from tests.pledge.factories import board_user, posting
from tests.pledge.test_services import lender_data


@pytest.fixture
def conversation(lender, outsider):
    posting(outsider, title="我的有效信息")  # gives the outsider the right to details
    loan = posting(lender, title="出借资金")
    thread = thread_start(posting=loan, user=outsider, body="您好，想洽谈。")
    message_send(thread=thread, user=lender, body="可以，请发资料。")
    return thread


def test_the_two_parties_read_and_reply(conversation, lender, outsider, client_for):
    for user in (lender, outsider):
        page = client_for(user).get(reverse("pledge:thread_detail", args=[conversation.pk]))
        assert page.status_code == 200 and "可以，请发资料。" in page.content.decode()
    client_for(outsider).post(reverse("pledge:thread_reply", args=[conversation.pk]), {"body": "好的"})
    assert conversation.messages.count() == 3
    assert OutboxMessage.objects.filter(user=lender, purpose="pledge.message").exists()


def test_a_third_user_gets_404_on_the_conversation_and_cannot_reply(conversation, client_for, clock):
    third = board_user("third")
    client = client_for(third)
    assert client.get(reverse("pledge:thread_detail", args=[conversation.pk])).status_code == 404
    assert client.post(reverse("pledge:thread_reply", args=[conversation.pk]), {"body": "插话"}).status_code == 404
    message = conversation.messages.first()
    assert client.post(reverse("pledge:message_report", args=[message.pk]), {"reason": "x"}).status_code == 404
    assert not client.get(reverse("pledge:threads")).content.decode().count("出借资金")
    with pytest.raises(PledgeError):
        message_send(thread=conversation, user=third, body="插话")


def test_staff_moderators_read_conversations(conversation, cast, client_for):
    assert client_for(cast.reviewer).get(reverse("pledge:thread_detail", args=[conversation.pk])).status_code == 200


def test_messages_never_appear_on_the_board_or_in_the_api(conversation, outsider, client_for):
    client = client_for(outsider)
    assert "可以，请发资料" not in client.get(reverse("pledge:board")).content.decode()
    assert "可以，请发资料" not in client.get("/api/v1/pledge/postings").content.decode()


def test_a_user_without_detail_rights_cannot_start_a_conversation(lender, client_for, clock):
    loan = posting(lender)
    newcomer = board_user("newcomer")
    response = client_for(newcomer).post(reverse("pledge:posting_message", args=[loan.pk]), {"body": "你好"})
    assert response.status_code == 404 and not Thread.objects.exists()


def test_one_cannot_message_ones_own_posting(lender):
    with pytest.raises(PledgeError, match="自己"):
        thread_start(posting=posting(lender), user=lender, body="自言自语")


def test_a_report_of_a_posting_and_of_a_message_reaches_the_staff_and_is_handled(
    conversation, lender, outsider, cast, client_for
):
    client = client_for(outsider)
    client.post(reverse("pledge:posting_report", args=[conversation.posting_id]), {"reason": "疑似诈骗"})
    message = conversation.messages.get(sender=lender)
    client.post(reverse("pledge:message_report", args=[message.pk]), {"reason": "索要保证金"})
    assert Report.objects.filter(posting=conversation.posting).exists()
    report = Report.objects.get(message=message)
    staff_page = client_for(cast.reviewer).get(reverse("pledge:reports")).content.decode()
    assert "疑似诈骗" in staff_page and "索要保证金" in staff_page
    report_handle(report=report, actor=cast.reviewer, outcome="已核实并限制该用户")
    report.refresh_from_db()
    assert report.status == "handled"
    assert OutboxMessage.objects.filter(user=outsider, purpose="pledge.report").exists()
    with pytest.raises(PledgeError):
        report_handle(report=report, actor=cast.reviewer, outcome="再处理")


def test_a_report_needs_a_reason(conversation, outsider):
    with pytest.raises(PledgeError, match="理由"):
        report_create(reporter=outsider, posting=conversation.posting, reason=" ")


def _audited(action: str) -> bool:
    return AuditEvent.objects.filter(action=action).exists()


def test_staff_require_a_correction_which_returns_the_posting(lender, cast):
    row = posting(lender)
    moderation_apply(actor=cast.reviewer, kind="correction", posting=row, reason="金额与资质不符")
    row.refresh_from_db()
    assert row.status == PostingStatus.RETURNED and "金额与资质不符" in row.review_reason
    assert ModerationAction.objects.filter(target=lender, kind="correction").exists()
    assert OutboxMessage.objects.filter(user=lender, purpose="pledge.moderation").exists()


def test_restricting_takes_postings_off_the_board_and_blocks_new_ones(lender, cast):
    moderation_apply(actor=cast.reviewer, kind="restrict", profile=lender.pledge_profile, reason="催告后未更正")
    with pytest.raises(PledgeError, match="限制"):
        posting_submit(user=lender, data=lender_data())
    assert _audited("pledge.moderation.restrict")
    moderation_apply(actor=cast.reviewer, kind="unrestrict", profile=lender.pledge_profile, reason="已更正")
    assert posting_submit(user=lender, data=lender_data()).pk


def test_suspending_refuses_access_and_restoring_gives_it_back(lender, cast, client_for):
    moderation_apply(actor=cast.admin, kind="suspend", profile=lender.pledge_profile, reason="情节较重")
    client = client_for(lender)
    assert client.get(reverse("pledge:board")).status_code == 403
    assert client.get(reverse("pledge:my_postings")).status_code == 403
    moderation_apply(actor=cast.admin, kind="restore", profile=lender.pledge_profile, reason="整改完成")
    assert client.get(reverse("pledge:board")).status_code == 200
    kinds = list(ModerationAction.objects.filter(target=lender).values_list("kind", flat=True))
    assert sorted(kinds) == ["restore", "suspend"]


def test_ending_access_is_final(lender, cast):
    moderation_apply(actor=cast.admin, kind="end", profile=lender.pledge_profile, reason="严重违规")
    assert PledgeProfile.objects.get(user=lender).access_state == "ended"
    for kind in ("restore", "suspend", "end"):
        with pytest.raises(PledgeError):
            moderation_apply(actor=cast.admin, kind=kind, profile=lender.pledge_profile, reason="再试")


def test_moderation_needs_a_reason_and_the_deciding_role(lender, cast, client_for):
    with pytest.raises(PledgeError, match="原因"):
        moderation_apply(actor=cast.reviewer, kind="suspend", profile=lender.pledge_profile, reason="")
    url = reverse("pledge:moderate", args=[lender.pledge_profile.pk])
    assert client_for(cast.operator).post(url, {"kind": "suspend", "reason": "x"}).status_code == 403
    client_for(cast.reviewer).post(url, {"kind": "suspend", "reason": "页面操作"})
    assert PledgeProfile.objects.get(user=lender).access_state == "suspended"


def test_a_message_row_is_kept_as_sent(conversation):
    assert list(Message.objects.filter(thread=conversation).values_list("body", flat=True)) == [
        "您好，想洽谈。",
        "可以，请发资料。",
    ]
