"""Sending: the outbox backends deliver in the caller's transaction; the HTTP SMS gateway and SMTP
run after commit in a task, and their failures are recorded on the message."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import transaction

from csdp.notify.backends import OUTBOX_ID_HEADER
from csdp.notify.models import Channel, MessageStatus, OutboxMessage
from csdp.notify.services import notify_email, notify_sms, notify_user

MOBILE = "13912345678"


class Gateway(BaseHTTPRequestHandler):
    """A stand-in SMS gateway: answers with ``status`` after ``delay_s`` and records each request."""

    status, delay_s, received = 200, 0.0, []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append({"headers": dict(self.headers), "json": json.loads(self.rfile.read(length))})
        time.sleep(type(self).delay_s)
        answer = json.dumps({"id": "gw-42"} if self.status < 300 else {"error": "quota exhausted"}).encode()
        try:
            self.send_response(type(self).status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    handler = type("TestGateway", (Gateway,), {"status": 200, "delay_s": 0.0, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CSDP_SMS_BACKEND = "http"
    settings.CSDP_SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.CSDP_SMS_HTTP_TOKEN = "gateway-token"
    settings.CSDP_SMS_HTTP_TIMEOUT_S = 1
    yield handler
    server.shutdown()
    server.server_close()


def test_the_outbox_sms_backend_keeps_the_message_as_delivered_at_once(db, settings):
    settings.CSDP_SMS_BACKEND = "outbox"
    message = notify_sms(mobile=MOBILE, text="【中国结算】您的申请已受理。", purpose="counter")
    assert (message.channel, message.status, message.attempts) == (Channel.SMS, MessageStatus.SENT, 1)
    assert message.sent_at is not None and message.body == "【中国结算】您的申请已受理。"


def test_the_http_gateway_gets_the_documented_json_after_commit(db, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = notify_sms(
            mobile=MOBILE, text="【中国结算】您的验证码为 123456。", purpose="register", sensitive=True
        )
        assert gateway.received == [] and message.status == MessageStatus.QUEUED
    assert len(callbacks) == 1
    [request] = gateway.received
    assert request["json"] == {
        "to": MOBILE,
        "text": "【中国结算】您的验证码为 123456。",
        "purpose": "register",
        "id": str(message.pk),
    }
    assert request["headers"]["Authorization"] == "Bearer gateway-token"
    message.refresh_from_db()
    assert (message.status, message.provider_ref, message.error) == (MessageStatus.SENT, "gw-42", "")
    # Staff reading the outbox no longer see the code once the gateway has it.
    assert message.body == "（含验证码或口令，发送后已隐去，原文 20 字）"


def test_a_rolled_back_transaction_sends_nothing_to_the_gateway(db, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_sms(mobile=MOBILE, text="不会发出", purpose="counter")
            raise RuntimeError("business write failed")
    assert gateway.received == [] and not OutboxMessage.objects.exists()


def test_a_gateway_500_fails_the_message_with_the_answer_recorded(db, gateway, django_capture_on_commit_callbacks):
    gateway.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sms(mobile=MOBILE, text="hello", purpose="counter")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.sent_at is None
    assert message.error.startswith("HTTP 500: ") and "quota exhausted" in message.error


def test_a_gateway_timeout_fails_the_message(db, gateway, django_capture_on_commit_callbacks):
    gateway.delay_s = 2.5
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sms(mobile=MOBILE, text="hello", purpose="counter")
    message.refresh_from_db()
    assert (message.status, message.error) == (MessageStatus.FAILED, "短信网关超时（1 秒）。")


def test_an_unreachable_gateway_fails_the_message(db, settings, django_capture_on_commit_callbacks):
    settings.CSDP_SMS_BACKEND, settings.CSDP_SMS_HTTP_URL = "http", "http://127.0.0.1:9/sms"
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sms(mobile=MOBILE, text="hello", purpose="counter")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.error.startswith("无法连接短信网关")


def test_email_goes_to_the_outbox_backend_or_through_djangos_locmem_backend(
    db, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "csdp.notify.backends.OutboxEmailBackend"
    stored = notify_email(to="a@example.test", subject="发票已开具", body="请查收。", purpose="invoice")
    assert stored.status == MessageStatus.SENT and mail.outbox == []
    mail.send_mail("Django 自己发的邮件", "正文", "csdp@localhost", ["b@example.test", "c@example.test"])
    assert set(OutboxMessage.objects.filter(purpose="django_mail").values_list("recipient", flat=True)) == {
        "b@example.test",
        "c@example.test",
    }

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        sent = notify_email(to="d@example.test", subject="结果报告", body="已办结。", purpose="counter")
        assert mail.outbox == []  # nothing leaves before commit
    [email] = mail.outbox
    assert (email.to, email.subject, email.body) == (["d@example.test"], "结果报告", "已办结。")
    assert email.extra_headers[OUTBOX_ID_HEADER] == str(sent.pk)
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT


def test_notify_user_sends_an_sms_and_an_email_where_the_user_has_them(cast, settings):
    settings.EMAIL_BACKEND = "csdp.notify.backends.OutboxEmailBackend"
    messages = notify_user(user=cast.issuer_a, subject="申请已受理", body="请留意办理进度。", purpose="counter")
    assert [(m.channel, m.recipient) for m in messages] == [
        (Channel.SMS, cast.issuer_a.mobile),
        (Channel.EMAIL, cast.issuer_a.email),
    ]
    assert messages[0].body == "【中国结算】申请已受理：请留意办理进度。"
    assert all(m.user == cast.issuer_a for m in messages)
    # Staff in the cast have no mobile: e-mail only.
    assert [m.channel for m in notify_user(user=cast.reviewer, subject="s", body="b", purpose="p")] == [Channel.EMAIL]


def test_it_refuses_to_queue_a_message_without_a_usable_address(db):
    with pytest.raises(ValueError):
        notify_sms(mobile="12345", text="x", purpose="p")
    with pytest.raises(ValueError):
        notify_email(to="nobody", subject="s", body="b", purpose="p")
