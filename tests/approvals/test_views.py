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
