from django.urls import reverse

from csdp.approvals.models import Status
from tests.approvals.kinds import prepare


def test_a_reviewer_approves_from_the_page_and_the_preparer_sees_no_button(cast, client):
    approval = prepare(cast.operator)
    client.force_login(cast.operator)
    page = client.get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    assert "您是经办人" in page and 'value="approve"' not in page
    client.force_login(cast.reviewer)
    assert 'value="approve"' in client.get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    response = client.post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"}, follow=True)
    approval.refresh_from_db()
    assert approval.status == Status.APPLIED
    assert "已复核通过" in response.content.decode()
    page = client.get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    assert "业务内容" in page and "待执行内容" not in page  # executed: nothing waits any more


def test_the_same_person_posting_approve_gets_a_chinese_refusal(cast, client):
    approval = prepare(cast.admin)  # an administrator may both prepare and approve this kind, not both at once
    client.force_login(cast.admin)
    response = client.post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"}, follow=True)
    assert "经办人与复核人不能为同一人" in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == Status.PREPARED


def test_the_list_shows_open_approvals_and_they_reach_the_staff_queue(cast, client):
    prepare(cast.operator)
    client.force_login(cast.reviewer)
    assert "测试" in client.get(reverse("approvals:list")).content.decode()
    assert "复核：测试业务" in client.get(reverse("portal:staff_queue")).content.decode()


def test_the_staff_queue_asks_for_review_only_those_whose_role_may_approve_it(cast, client):
    prepare(cast.admin)  # test.note is approved by reviewers and administrators, not by operators
    client.force_login(cast.operator)
    assert "复核：测试业务" not in client.get(reverse("portal:staff_queue")).content.decode()
    client.force_login(cast.reviewer)
    assert "复核：测试业务" in client.get(reverse("portal:staff_queue")).content.decode()


def test_a_preparer_sees_their_own_approval_waiting_in_the_queue(cast, client):
    prepare(cast.operator)
    client.force_login(cast.operator)
    assert "复核：测试业务" in client.get(reverse("portal:staff_queue")).content.decode()


def test_a_kind_that_describes_itself_is_shown_by_its_lines_instead_of_its_payload(cast, client):
    from csdp.approvals.kinds import Shown, register_kind
    from csdp.approvals.services import approval_prepare

    register_kind(
        code="test.described",
        label="测试说明业务",
        apply=lambda approval: {"internal_id": 7},
        describe=lambda approval: [Shown("数量", f"{approval.payload['n']} 股", "/somewhere/")],
    )
    approval = approval_prepare(kind="test.described", key="d1", summary="测试", payload={"n": 5}, by=cast.operator)
    client.force_login(cast.reviewer)
    page = client.get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    assert '<th>数量</th><td><a href="/somewhere/">5 股</a></td>' in page and "<th>n</th>" not in page


def test_the_preparer_is_named_by_display_name(cast, client):
    cast.operator.display_name = "王经办"
    cast.operator.save(update_fields=["display_name"])
    approval = prepare(cast.operator)
    client.force_login(cast.reviewer)
    page = client.get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    assert "<dt>经办</dt><dd>王经办，" in page
    assert "王经办" in client.get(reverse("approvals:list")).content.decode()
