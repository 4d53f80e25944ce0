"""SMS verification codes: the 经办人 mobile "receives the verification codes" (# 000 §一(一)7) used at
registration, password recovery and 口令登录's dynamic code (# 000 §二(六)).

A code is 6 random digits, stored only as HMAC-SHA256(SECRET_KEY, salt · purpose · mobile · code),
valid CSDP_CODE_TTL_S seconds on the business clock, single use, and dead after
CSDP_CODE_MAX_ATTEMPTS wrong tries. Issuing is limited per mobile and purpose (one per
CSDP_CODE_RESEND_S, CSDP_CODE_MAX_PER_HOUR per hour) and per mobile across purposes
(MOBILE_MAX_PER_HOUR_FACTOR times that), so nobody can flood a phone or farm codes.

code_check records a wrong attempt in its own transaction before refusing. Call it where that write
can commit: outside your own ``transaction.atomic()``, or catch CodeRefused inside the block —
an exception leaving an outer atomic block would roll the attempt counter back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from django.conf import settings
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.notify.models import VerificationCode
from csdp.notify.services import MOBILE_RE, notify_sms
from csdp.lib.errors import CsdpError

CODE_DIGITS = 6
HOUR = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=1)  # old rows are deleted after this, or after TTL + the hour window if longer
MOBILE_MAX_PER_HOUR_FACTOR = 2  # all purposes together may use twice one purpose's hourly cap


class CodeRefused(CsdpError):
    code = "notify.code_refused"


def _digest(*, salt: str, purpose: str, mobile: str, code: str) -> str:
    material = "\x1f".join((salt, purpose, mobile, code)).encode()
    return hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()


def _clean(purpose: str, mobile: str) -> tuple[str, str]:
    mobile = (mobile or "").strip()
    if not MOBILE_RE.match(mobile):
        raise CodeRefused("手机号码格式不正确，应为 11 位数字。", code="notify.bad_mobile")
    if not purpose or len(purpose) > 50:
        raise ValueError(f"a code purpose is 1–50 characters, got {purpose!r}")
    return purpose, mobile


def code_sms_text(code: str) -> str:
    minutes = math.ceil(settings.CSDP_CODE_TTL_S / 60)
    return f"【中国结算】您的验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人。"


def code_issue(*, purpose: str, mobile: str) -> None:
    """Send a new code to ``mobile`` for ``purpose``; the previous live code of that purpose dies."""
    purpose, mobile = _clean(purpose, mobile)
    now = clock_now()
    with transaction.atomic():
        # Locking the mobile's recent codes serialises two requests racing for the same phone.
        recent = list(
            VerificationCode.objects.select_for_update()
            .filter(mobile=mobile, created_at__gt=now - HOUR)
            .order_by("-created_at", "-pk")
        )
        _check_limits(recent, purpose=purpose, now=now)
        # Rows past every window are useless: each mobile's old codes go when it gets a new one.
        keep = max(KEEP, dt.timedelta(seconds=settings.CSDP_CODE_TTL_S) + HOUR)
        VerificationCode.objects.filter(mobile=mobile, created_at__lt=now - keep).delete()
        VerificationCode.objects.filter(
            mobile=mobile, purpose=purpose, used_at__isnull=True, dead_at__isnull=True
        ).update(dead_at=now)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        VerificationCode.objects.create(
            purpose=purpose,
            mobile=mobile,
            salt=salt,
            code_hmac=_digest(salt=salt, purpose=purpose, mobile=mobile, code=code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.CSDP_CODE_TTL_S),
        )
        notify_sms(mobile=mobile, text=code_sms_text(code), purpose=purpose, sensitive=True)


def _check_limits(recent: list[VerificationCode], *, purpose: str, now: dt.datetime) -> None:
    same = [row for row in recent if row.purpose == purpose]
    if same:
        wait_s = settings.CSDP_CODE_RESEND_S - (now - same[0].created_at).total_seconds()
        if wait_s > 0:
            raise CodeRefused(f"验证码已发送，请 {math.ceil(wait_s)} 秒后再重新获取。", code="notify.too_soon")
    if len(same) >= settings.CSDP_CODE_MAX_PER_HOUR:
        raise CodeRefused("该手机号获取验证码次数过多，请一小时后再试。", code="notify.hourly_cap")
    if len(recent) >= settings.CSDP_CODE_MAX_PER_HOUR * MOBILE_MAX_PER_HOUR_FACTOR:
        raise CodeRefused("该手机号接收验证码次数过多，请一小时后再试。", code="notify.mobile_cap")


def code_check(*, purpose: str, mobile: str, code: str) -> None:
    """Accept the latest code sent to ``mobile`` for ``purpose`` once, or raise CodeRefused."""
    purpose, mobile = _clean(purpose, mobile)
    code = (code or "").strip()
    now = clock_now()
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        refusal = _refusal(row, code=code, now=now)
        if refusal is None:
            row.used_at = now
            row.save(update_fields=["used_at"])
    # Raised after the block so that a wrong attempt's count is committed with it.
    if refusal is not None:
        raise refusal


def _refusal(row: VerificationCode | None, *, code: str, now: dt.datetime) -> CodeRefused | None:
    if row is None:
        return CodeRefused("请先获取短信验证码。", code="notify.none")
    if row.used_at is not None:
        return CodeRefused("该验证码已使用，请重新获取。", code="notify.used")
    if row.dead_at is not None:
        return CodeRefused("该验证码已失效，请重新获取。", code="notify.dead")
    if now >= row.expires_at:
        return CodeRefused("验证码已过期，请重新获取。", code="notify.expired")
    candidate = _digest(salt=row.salt, purpose=row.purpose, mobile=row.mobile, code=code)
    if len(code) == CODE_DIGITS and code.isdigit() and hmac.compare_digest(candidate, row.code_hmac):
        return None
    row.failed_attempts += 1
    left = settings.CSDP_CODE_MAX_ATTEMPTS - row.failed_attempts
    if left <= 0:
        row.dead_at = now
    row.save(update_fields=["failed_attempts", "dead_at"])
    if left <= 0:
        # Someone may be guessing: leave a trace staff can find in the audit chain.
        audit_record(
            actor=None,
            obj=row,
            action="code.locked",
            from_state="live",
            to_state="dead",
            reason="验证码错误次数过多",
            data={"purpose": row.purpose, "mobile": row.mobile},
        )
        return CodeRefused("验证码错误次数过多，该验证码已失效，请重新获取。", code="notify.too_many_attempts")
    return CodeRefused(f"验证码错误，还可尝试 {left} 次。", code="notify.wrong")
