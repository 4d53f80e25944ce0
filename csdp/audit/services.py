"""audit_record appends one event to the hash chain; audit_verify walks the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from csdp.audit.models import AuditEvent, AuditHead

GENESIS = "0" * 64

# Business time (csdp.clock): the clock records audit events when it is set, so audit cannot import it;
# the clock registers its reader at start-up (docs/architecture.md "Layers").
_business_now: list[Callable[[], dt.datetime]] = []


def audit_business_clock_register(now: Callable[[], dt.datetime]) -> None:
    _business_now[:] = [now]


def _clock_now() -> dt.datetime:
    if not _business_now:
        raise RuntimeError("csdp.clock has not registered business time (INSTALLED_APPS)")
    return _business_now[0]()


def _canonical(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def _content(row: AuditEvent) -> dict:
    return {
        "seq": row.seq,
        "at": row.at.astimezone(dt.UTC).isoformat(),
        "business_at": row.business_at.astimezone(dt.UTC).isoformat(),
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "action": row.action,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "reason": row.reason,
        "data": row.data,
    }


def event_hash(row: AuditEvent) -> str:
    return hashlib.sha256(row.prev_hash.encode() + _canonical(_content(row))).hexdigest()


log = logging.getLogger("csdp.audit")


def audit_record(
    *,
    actor,
    obj=None,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append an event. Runs inside the caller's transaction, so it commits or rolls back with it."""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    if not object_type or object_id is None:
        raise ValueError("audit_record needs obj, or object_type and object_id")
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
        # Round-trip data through JSON now so the hash is computed over what the database stores.
        row = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            business_at=_clock_now(),
            actor=actor_user,
            actor_label=(actor_user.get_username() if actor_user else str(actor or "system"))[:150],
            object_type=object_type,
            object_id=str(object_id),
            action=action,
            from_state=str(from_state or ""),
            to_state=str(to_state or ""),
            reason=reason or "",
            data=json.loads(_canonical(data or {})),
            prev_hash=head.hash,
        )
        row.hash = event_hash(row)
        row.save(force_insert=True)
        head.seq, head.hash = row.seq, row.hash
        head.save(update_fields=["seq", "hash"])
    # Every business step is audited, so this is also the structured log of business steps — written
    # once the step commits (a rolled-back step did not happen).
    fields = {
        "event": "business_step",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "actor": row.actor_label,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "audit_seq": row.seq,
    }
    transaction.on_commit(lambda: log.info("%s %s#%s", action, object_type, object_id, extra=fields))
    return row


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def audit_verify(batch: int = 5000) -> VerifyResult:
    """Walk the whole chain; report the first row whose hash, link or sequence is wrong."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    qs = AuditEvent.objects.order_by("seq")
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:batch])
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失（被删除）")
            if row.prev_hash != expected_prev:
                return VerifyResult(False, checked, row.seq, "与前一条记录的链接不符")
            if event_hash(row) != row.hash:
                return VerifyResult(False, checked, row.seq, "记录内容被修改")
            expected_prev, expected_seq, checked, last_seq = row.hash, row.seq + 1, checked + 1, row.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head and (head.seq != last_seq or head.hash != expected_prev):
        return VerifyResult(False, checked, last_seq + 1, "链尾记录缺失（末尾记录被删除）")
    return VerifyResult(True, checked)


def history_of(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(obj).select_related("actor"))
