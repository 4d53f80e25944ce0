"""The set-based register path for end-of-day work (IPO allocation, 余股, placements on registration day).

Rows go into the event log in one COPY (PostgreSQL) or bulk_create (SQLite); then two aggregate
statements fold the batch into positions: one UPDATE of the lots that exist, one INSERT of the lots
that do not. The position check constraints judge the end state of the batch (all or nothing).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from csdp.register.models import EventType, RegistrationEvent, ShareNature
from csdp.register.services import COMPARED, EventSpec, RegisterError, _check_spec, _open_securities

COLUMNS = ("security_id", "account_id", "share_nature", "lockup_end", "event_type", "quantity_delta", "frozen_delta",
           "pledged_delta", "business_date", "key", "batch", "memo", "created_at")
EVENT_TYPES = set(EventType.values)


def _specs(rows) -> list[EventSpec]:
    source: Iterable = rows.iter_rows(named=True) if hasattr(rows, "iter_rows") else rows
    specs, keys = [], set()
    for row in source:
        spec = EventSpec.of(row)
        if spec.event_type not in EVENT_TYPES or spec.share_nature not in ShareNature.values:
            raise RegisterError(f"登记变动 {spec.key}：变动类型或股份性质无效。")
        _check_spec(spec)
        if spec.key in keys:
            raise RegisterError(f"同一批登记变动中幂等键 {spec.key} 重复。")
        keys.add(spec.key)
        specs.append(spec)
    return specs


def _without_replays(specs: list[EventSpec]) -> list[EventSpec]:
    keys = [s.key for s in specs]
    existing = {}
    for start in range(0, len(keys), 5000):
        existing.update(RegistrationEvent.objects.in_bulk(keys[start:start + 5000], field_name="key"))
    fresh = []
    for spec in specs:
        old = existing.get(spec.key)
        if old is None:
            fresh.append(spec)
        elif any(getattr(old, f) != getattr(spec, f) for f in COMPARED):
            raise RegisterError(f"幂等键 {spec.key} 已用于另一笔登记变动，拒绝重放。")
    return fresh


def _insert(specs: list[EventSpec], batch: str) -> None:
    now = timezone.now()
    extra = {"batch": batch, "created_at": now}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY register_registrationevent ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for spec in specs:
                    copy.write_row([extra[c] if c in extra else getattr(spec, c) for c in COLUMNS])
        return
    RegistrationEvent.objects.bulk_create(
        [RegistrationEvent(batch=batch, created_at=now, **{c: getattr(s, c) for c in COLUMNS if c not in extra})
         for s in specs], batch_size=2000)


BATCH_LOTS = """
    SELECT account_id, security_id, share_nature, lockup_end, CAST(SUM(quantity_delta) AS BIGINT) AS q,
           CAST(SUM(frozen_delta) AS BIGINT) AS f, CAST(SUM(pledged_delta) AS BIGINT) AS p
      FROM register_registrationevent WHERE batch = %s
     GROUP BY account_id, security_id, share_nature, lockup_end
"""
# COALESCE: unrestricted lots have no lock-up date, and NULL = NULL is not true in SQL.
SAME_LOT = """{p}.account_id = d.account_id AND {p}.security_id = d.security_id AND {p}.share_nature = d.share_nature
    AND COALESCE({p}.lockup_end, '9999-12-31') = COALESCE(d.lockup_end, '9999-12-31')"""
POSITIONS_UPDATE = f"""
UPDATE register_position SET quantity = quantity + d.q, frozen = frozen + d.f, pledged = pledged + d.p, updated_at = %s
FROM ({BATCH_LOTS}) AS d WHERE {SAME_LOT.format(p="register_position")}
"""
POSITIONS_INSERT = f"""
INSERT INTO register_position (account_id, security_id, share_nature, lockup_end, quantity, frozen, pledged, updated_at)
SELECT d.account_id, d.security_id, d.share_nature, d.lockup_end, d.q, d.f, d.p, %s FROM ({BATCH_LOTS}) AS d
WHERE NOT EXISTS (SELECT 1 FROM register_position e WHERE {SAME_LOT.format(p="e")})
"""


@transaction.atomic
def register_apply_bulk(rows) -> int:
    """Append many events (dicts, EventSpecs or a polars DataFrame with EventSpec's columns) and fold
    them into positions, all or nothing. Replayed keys with equal values are skipped. Returns the
    number of events written. Only the end state is checked, so order within the batch is free."""
    specs = _specs(rows)
    specs = _without_replays(specs)
    _open_securities(specs)
    if not specs:
        return 0
    batch, now = f"bulk:{uuid.uuid4().hex}", timezone.now()
    try:
        with transaction.atomic():
            _insert(specs, batch)
            with connection.cursor() as cursor:
                cursor.execute(POSITIONS_UPDATE, [now, batch])
                cursor.execute(POSITIONS_INSERT, [now, batch])
    except IntegrityError as error:
        raise RegisterError(f"数据库拒绝该批登记变动（持有数量不足或冻结、质押超过持有）：{error}") from None
    return len(specs)
