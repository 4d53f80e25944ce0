"""The staff outbox page and the demo login page's codes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from csdp.notify.codes import code_issue
from csdp.notify.services import notify_email, notify_sms
from csdp.notify.testing import last_code

URL = reverse("notify:outbox")


@pytest.fixture
def messages(cast, settings):
    settings.EMAIL_BACKEND = "csdp.notify.backends.OutboxEmailBackend"
    notify_sms(mobile="13911112222", text="【中国结算】申请已受理。", purpose="counter", user=cast.issuer_a)
    notify_email(to="x@example.test", subject="发票", body="<script>alert(1)</script>", purpose="invoice")
    code_issue(purpose="register", mobile="13933334444")


def test_staff_see_every_message_with_user_text_escaped(cast, client_for, messages):
    page = client_for(cast.reviewer).get(URL).content.decode()
    assert "【中国结算】申请已受理。" in page and last_code("13933334444") in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("who", ["issuer_a", "participant", "pledge_user"])
def test_members_are_refused_the_outbox(cast, client_for, messages, who):
    assert client_for(getattr(cast, who)).get(URL).status_code == 403


def test_the_outbox_filters_by_channel_purpose_and_recipient(cast, client_for, messages):
    client = client_for(cast.operator)
    by_channel = client.get(URL, {"channel": "email"}).content.decode()
    assert "x@example.test" in by_channel and "13911112222" not in by_channel
    by_purpose = client.get(URL, {"purpose": "register"}).content.decode()
    assert "13933334444" in by_purpose and "13911112222" not in by_purpose
    by_recipient = client.get(URL, {"recipient": "1111"}).content.decode()
    assert "13911112222" in by_recipient and "13933334444" not in by_recipient


def test_htmx_refreshes_only_the_table(cast, client_for, messages):
    response = client_for(cast.admin).get(URL, {"channel": "sms"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "<form" not in body and 'id="outbox-table"' in body and 'hx-trigger="every 5s"' in body
    assert "x@example.test" not in body


def test_the_outbox_page_query_count_does_not_grow_with_messages(cast, client_for, messages):
    from csdp.clock.services import _state

    client = client_for(cast.admin)
    _state.clock = None  # the business clock is read again after a second: read it in both pages alike
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(20):
        notify_sms(mobile="13955556666", text=f"消息 {n}", purpose="counter", user=cast.issuer_b)
    _state.clock = None
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_staff_find_the_outbox_in_the_function_bar_and_members_do_not(cast, client_for):
    assert "消息发件箱" in client_for(cast.reviewer).get(reverse("portal:home")).content.decode()
    assert "消息发件箱" not in client_for(cast.issuer_a).get(reverse("portal:home")).content.decode()


def test_the_demo_login_page_shows_the_latest_code_only_in_demo_mode(cast, client, settings):
    code_issue(purpose="register", mobile="13977778888")
    code = last_code("13977778888")
    settings.CSDP_DEMO = True
    page = client.get(reverse("accounts:login")).content.decode()
    assert "最近的短信验证码" in page and f"<code>{code}</code>" in page
    settings.CSDP_DEMO = False
    page = client.get(reverse("accounts:login")).content.decode()
    assert "最近的短信验证码" not in page and code not in page


def test_the_demo_login_page_keeps_an_enrolment_code_when_login_codes_follow(cast, client, settings):
    notify_sms(
        mobile="13900001111",
        text="【中国结算】您的 USB-KEY 已制作，启用验证码为 246810，请妥善保管。",
        purpose="key_issue",
    )
    for n in range(60):  # a busy demo: many messages, and login codes to one phone again and again
        notify_sms(mobile="13900002222", text="【中国结算】申请已受理。", purpose="counter")
        notify_sms(mobile="13900003333", text=f"【中国结算】您的验证码为 {100000 + n}，5 分钟内有效。", purpose="login")
    settings.CSDP_DEMO = True
    page = client.get(reverse("accounts:login")).content.decode()
    assert "<code>246810</code>" in page  # still there
    assert "<code>100059</code>" in page and page.count("13900003333") == 1  # the latest only
