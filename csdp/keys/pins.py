"""The key's PIN, checked by the server at every key login (000 §一(四)3).

Six consecutive wrong PINs lock the key (锁死, 000 §一(二)4(2)) until staff reset the PIN on
application (000 §二(七)); the reset restores the model's initial PIN, which must then be changed.
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.keys.models import INITIAL_PIN_BY_MODEL, KeyDevice
from csdp.keys.services import KeyRefused

PIN_MAX_FAILURES = 6  # 000 §一(二)4(2): 连续输错 6 次 PIN 码将导致 USB-KEY 锁死
PIN_RULE = "PIN 码须为 6–16 位字母或数字，不能是初始 PIN 码，也不能由同一字符重复组成。"


def device_pin_check(*, device: KeyDevice, pin: str) -> None:
    """Raise KeyRefused unless the PIN is right. A wrong PIN is counted in its own transaction,
    so the count survives whatever the caller does next."""
    with transaction.atomic():
        locked = KeyDevice.objects.select_for_update().get(pk=device.pk)
        if locked.locked_at is not None:
            refused = KeyRefused("USB-KEY 已锁死（PIN 码连续错误 6 次），请提交 PIN 码重置申请。", code="key.locked")
        elif check_password(pin or "", locked.pin_hash):
            if locked.failed_pins:
                locked.failed_pins = 0
                locked.save(update_fields=["failed_pins"])
            refused = None
        else:
            locked.failed_pins += 1
            left = PIN_MAX_FAILURES - locked.failed_pins
            if left <= 0:
                locked.locked_at = clock_now()
                audit_record(
                    actor=locked.user,
                    obj=locked,
                    action="key.lock",
                    from_state="active",
                    to_state="locked",
                    reason="PIN 码连续错误 6 次",
                )
                refused = KeyRefused("PIN 码错误次数过多，USB-KEY 已锁死，请提交 PIN 码重置申请。", code="key.locked")
            else:
                refused = KeyRefused(f"PIN 码错误，还可尝试 {left} 次。", code="key.bad_pin")
            locked.save(update_fields=["failed_pins", "locked_at"])
    device.refresh_from_db(fields=["failed_pins", "locked_at", "pin_hash", "pin_must_change"])
    if refused is not None:
        raise refused


def pin_rule_problem(*, device: KeyDevice, pin: str) -> str | None:
    if not (6 <= len(pin) <= 16) or not pin.isascii() or not pin.isalnum():
        return PIN_RULE
    if pin in INITIAL_PIN_BY_MODEL.values() or len(set(pin)) == 1:
        return PIN_RULE
    return None


def device_pin_change(*, device: KeyDevice, old_pin: str, new_pin: str) -> None:
    """The holder changes the PIN (user settings, and forced at first login)."""
    problem = pin_rule_problem(device=device, pin=new_pin)
    if problem:
        raise KeyRefused(problem, code="key.weak_pin")
    device_pin_check(device=device, pin=old_pin)
    with transaction.atomic():
        KeyDevice.objects.filter(pk=device.pk).update(
            pin_hash=make_password(new_pin), pin_must_change=False, failed_pins=0
        )
        audit_record(actor=device.user, obj=device, action="key.pin_change", to_state="active")
    device.refresh_from_db(fields=["pin_hash", "pin_must_change", "failed_pins"])


def device_pin_reset(*, device: KeyDevice, actor, reason: str) -> None:
    """Staff restore the initial PIN and unlock the key (000 §二(七) PIN 码重置)."""
    with transaction.atomic():
        locked = KeyDevice.objects.select_for_update().get(pk=device.pk)
        was = "locked" if locked.locked_at else "active"
        locked.pin_hash = make_password(INITIAL_PIN_BY_MODEL[locked.model])
        locked.pin_must_change = True
        locked.failed_pins = 0
        locked.locked_at = None
        locked.save(update_fields=["pin_hash", "pin_must_change", "failed_pins", "locked_at"])
        audit_record(actor=actor, obj=locked, action="key.pin_reset", from_state=was, to_state="active", reason=reason)
    device.refresh_from_db()
