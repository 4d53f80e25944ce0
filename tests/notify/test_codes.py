"""Verification codes: TTL on the business clock, resend interval, hourly caps, attempts, single use,
HMAC-only storage."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import transaction

from csdp.clock.services import SHANGHAI
from csdp.notify.codes import CodeRefused, code_check, code_issue
from csdp.notify.models import OutboxMessage, VerificationCode
from csdp.notify.testing import last_code

MOBILE = "13912345678"
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at(business_clock):
    """at(seconds) freezes the business clock that many seconds after T0."""

    def move(seconds: float = 0):
        business_clock(moment=T0 + dt.timedelta(seconds=seconds), frozen=True)

    move(0)
    return move


def refusal(**kwargs) -> CodeRefused:
    with pytest.raises(CodeRefused) as caught:
        (code_check if "code" in kwargs else code_issue)(**kwargs)
    return caught.value


def test_it_sends_six_digits_by_sms_and_accepts_them_once(at):
    code_issue(purpose="register", mobile=MOBILE)
    code = last_code(MOBILE)
    assert len(code) == 6 and code.isdigit()
    sms = OutboxMessage.objects.get(recipient=MOBILE)
    assert sms.body == f"【中国结算】您的验证码为 {code}，5 分钟内有效。请勿告诉他人。"
    code_check(purpose="register", mobile=MOBILE, code=code)
    assert refusal(purpose="register", mobile=MOBILE, code=code).message == "该验证码已使用，请重新获取。"


def test_a_code_is_valid_until_its_ttl_on_the_business_clock_and_not_after(at, settings):
    code_issue(purpose="register", mobile=MOBILE)
    at(settings.CSDP_CODE_TTL_S - 1)
    code_check(purpose="register", mobile=MOBILE, code=last_code(MOBILE))

    at(1000)
    code_issue(purpose="register", mobile=MOBILE)
    at(1000 + settings.CSDP_CODE_TTL_S)
    assert refusal(purpose="register", mobile=MOBILE, code=last_code(MOBILE)).message == "验证码已过期，请重新获取。"


def test_a_code_is_bound_to_its_purpose_and_mobile(at):
    code_issue(purpose="register", mobile=MOBILE)
    code = last_code(MOBILE)
    assert refusal(purpose="login_sms", mobile=MOBILE, code=code).message == "请先获取短信验证码。"
    assert refusal(purpose="register", mobile="13900000001", code=code).message == "请先获取短信验证码。"
    code_check(purpose="register", mobile=MOBILE, code=code)


def test_it_refuses_a_resend_within_the_interval_with_the_seconds_left(at, settings):
    settings.CSDP_CODE_RESEND_S = 60
    code_issue(purpose="register", mobile=MOBILE)
    at(45)
    refused = refusal(purpose="register", mobile=MOBILE)
    assert refused.message == "验证码已发送，请 15 秒后再重新获取。"
    assert OutboxMessage.objects.filter(recipient=MOBILE).count() == 1
    at(60)
    code_issue(purpose="register", mobile=MOBILE)
    # Another purpose is not held back by this one's interval.
    code_issue(purpose="login_sms", mobile=MOBILE)


def test_a_new_code_replaces_the_previous_one(at):
    code_issue(purpose="register", mobile=MOBILE)
    first = last_code(MOBILE)
    at(120)
    code_issue(purpose="register", mobile=MOBILE)
    second = last_code(MOBILE)
    if first != second:
        assert refusal(purpose="register", mobile=MOBILE, code=first).message.startswith("验证码错误")
    code_check(purpose="register", mobile=MOBILE, code=second)
    assert VerificationCode.objects.filter(mobile=MOBILE, dead_at__isnull=False).count() == 1


def test_it_caps_codes_per_hour_per_mobile_and_purpose(at, settings):
    settings.CSDP_CODE_RESEND_S = 0
    settings.CSDP_CODE_MAX_PER_HOUR = 3
    for minute in range(3):
        at(minute * 60)
        code_issue(purpose="register", mobile=MOBILE)
    at(10 * 60)
    assert refusal(purpose="register", mobile=MOBILE).message == "该手机号获取验证码次数过多，请一小时后再试。"
    at(3600 + 1)  # the first code has left the hour window
    code_issue(purpose="register", mobile=MOBILE)


def test_it_caps_codes_per_hour_per_mobile_across_purposes(at, settings):
    settings.CSDP_CODE_RESEND_S = 0
    settings.CSDP_CODE_MAX_PER_HOUR = 2
    for purpose in ("register", "register", "login_sms", "login_sms"):
        code_issue(purpose=purpose, mobile=MOBILE)
    assert refusal(purpose="password_reset", mobile=MOBILE).message == "该手机号接收验证码次数过多，请一小时后再试。"
    code_issue(purpose="password_reset", mobile="13900000001")


def test_wrong_codes_count_down_and_then_kill_the_code(at, settings):
    settings.CSDP_CODE_MAX_ATTEMPTS = 3
    code_issue(purpose="register", mobile=MOBILE)
    right = last_code(MOBILE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert refusal(purpose="register", mobile=MOBILE, code=wrong).message == "验证码错误，还可尝试 2 次。"
    assert refusal(purpose="register", mobile=MOBILE, code="abc").message == "验证码错误，还可尝试 1 次。"
    assert (
        refusal(purpose="register", mobile=MOBILE, code=wrong).message
        == "验证码错误次数过多，该验证码已失效，请重新获取。"
    )
    assert refusal(purpose="register", mobile=MOBILE, code=right).message == "该验证码已失效，请重新获取。"
    from csdp.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="code.locked", to_state="dead").count() == 1


def test_a_wrong_attempt_is_counted_even_when_the_caller_catches_the_refusal_in_a_transaction(at):
    code_issue(purpose="register", mobile=MOBILE)
    with transaction.atomic():
        try:
            code_check(purpose="register", mobile=MOBILE, code="000000" if last_code(MOBILE) != "000000" else "111111")
        except CodeRefused:
            pass
    assert VerificationCode.objects.get(mobile=MOBILE).failed_attempts == 1


def test_only_an_hmac_of_the_code_is_stored_and_the_plain_code_only_in_the_sms(at, settings):
    import hashlib
    import hmac

    code_issue(purpose="register", mobile=MOBILE)
    code = last_code(MOBILE)
    row = VerificationCode.objects.values().get(mobile=MOBILE)
    assert all(code not in str(value) for value in row.values())
    material = "\x1f".join((row["salt"], "register", MOBILE, code)).encode()
    assert row["code_hmac"] == hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()
    # Every column of every table: the SMS body in the outbox is the one place the code is written.
    holders = [
        (model.__name__, values.get("id"))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for values in model._default_manager.values()
        if any(code in str(value) for value in values.values())
    ]
    assert holders == [("OutboxMessage", OutboxMessage.objects.get(recipient=MOBILE).pk)]


def test_it_refuses_a_malformed_mobile_in_chinese(at):
    assert refusal(purpose="register", mobile="1391234").message == "手机号码格式不正确，应为 11 位数字。"
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_issue_leaves_neither_code_nor_sms(at):
    with pytest.raises(RuntimeError), transaction.atomic():
        code_issue(purpose="register", mobile=MOBILE)
        raise RuntimeError("the caller's write failed")
    assert not VerificationCode.objects.exists()
    assert not OutboxMessage.objects.exists()
    with pytest.raises(AssertionError):
        last_code(MOBILE)


def test_a_mobiles_codes_older_than_a_day_are_removed_when_it_gets_a_new_one(at):
    code_issue(purpose="register", mobile=MOBILE)
    code_issue(purpose="register", mobile="13900000001")
    at(24 * 3600 + 1)
    code_issue(purpose="login_sms", mobile=MOBILE)
    assert list(VerificationCode.objects.filter(mobile=MOBILE).values_list("purpose", flat=True)) == ["login_sms"]
    assert VerificationCode.objects.filter(mobile="13900000001").count() == 1
