"""Register writes, one event at a time (counter business, freezes, pledges, code switches).

``register_apply`` locks the affected positions in primary-key order, lets nature changes carry their
lots' encumbrances (csdp.register.nature), applies the events in the order given (each one checked:
quantity ≥ 0, 0 ≤ frozen + pledged ≤ quantity), appends the events, stores the new positions, moves
the issued capital of issuing events and checks the register's invariants for what it touched
(csdp.register.capital), all in one transaction. A replayed key with the same values is skipped;
with different values it raises. The end-of-day bulk path is in csdp.register.bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from csdp.clock.services import clock_now
from csdp.lib.errors import CsdpError
from csdp.register.capital import issued_capital_move, issuing_deltas, register_check
from csdp.register.errors import RegisterError as RegisterError  # re-exported: callers import it from here
from csdp.register.models import EventType, Position, RegistrationEvent, ShareNature
from csdp.register.nature import carry_encumbrances, is_nature_change
from csdp.securities.models import Market, SecuritiesAccount, Security, SecurityCodeChange, SecurityStatus
from csdp.securities.services import SecuritiesError, security_status_change

Lot = tuple[int, int, str, dt.date | None]  # (account_id, security_id, share_nature, lockup_end)

CLOSED_STATUSES = {SecurityStatus.SWITCHED, SecurityStatus.DELISTED}


@dataclass(frozen=True)
class EventSpec:
    """One register change to apply. IDs rather than objects, so EOD code can build millions cheaply."""

    security_id: int
    account_id: int
    event_type: str
    business_date: dt.date
    key: str
    quantity_delta: int = 0
    frozen_delta: int = 0
    pledged_delta: int = 0
    share_nature: str = ShareNature.UNRESTRICTED
    lockup_end: dt.date | None = None
    memo: str = ""

    @property
    def lot(self) -> Lot:
        return (self.account_id, self.security_id, self.share_nature, self.lockup_end)

    @classmethod
    def of(cls, value: EventSpec | Mapping[str, Any]) -> EventSpec:
        if isinstance(value, EventSpec):
            return value
        data = dict(value)
        if "security" in data:
            data["security_id"] = data.pop("security").pk
        if "account" in data:
            data["account_id"] = data.pop("account").pk
        for name in ("business_date", "lockup_end"):  # ISO strings from forms and files
            if isinstance(data.get(name), str):
                data[name] = dt.date.fromisoformat(data[name])
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


CARRIED = ("frozen_delta", "pledged_delta")
COMPARED = (
    "security_id",
    "account_id",
    "event_type",
    "business_date",
    "quantity_delta",
    "frozen_delta",
    "pledged_delta",
    "share_nature",
    "lockup_end",
)


def _replayed(spec: EventSpec, existing: RegistrationEvent) -> bool:
    # A nature change's encumbrances were decided by the register when it was first applied.
    compared = [n for n in COMPARED if n not in CARRIED] if is_nature_change(spec.event_type) else COMPARED
    differs = [name for name in compared if getattr(existing, name) != getattr(spec, name)]
    if differs:
        raise RegisterError(f"幂等键 {spec.key} 已用于另一笔登记变动（{', '.join(differs)} 不同），拒绝重放。")
    return True


def _check_spec(spec: EventSpec) -> None:
    if (spec.share_nature == ShareNature.UNRESTRICTED) != (spec.lockup_end is None):
        raise RegisterError("限售股份须填写限售截止日，无限售流通股不得填写。")
    if not (spec.quantity_delta or spec.frozen_delta or spec.pledged_delta):
        raise RegisterError("登记变动数量不能全部为零。")


def _lock_lots(lots: set[Lot]) -> dict[Lot, Position]:
    """Lock the existing positions of these lots in pk order; create the missing ones at zero."""
    accounts = {lot[0] for lot in lots}
    securities = {lot[1] for lot in lots}
    rows = (
        Position.objects.select_for_update().filter(account_id__in=accounts, security_id__in=securities).order_by("pk")
    )
    found: dict[Lot, Position] = {}
    for row in rows:
        lot = (row.account_id, row.security_id, row.share_nature, row.lockup_end)
        if lot in lots:
            found[lot] = row
    for lot in sorted(lots - found.keys(), key=lambda x: (x[0], x[1], x[2], x[3] or dt.date.max)):
        account_id, security_id, nature, lockup_end = lot
        try:
            with transaction.atomic():
                found[lot] = Position.objects.create(
                    account_id=account_id, security_id=security_id, share_nature=nature, lockup_end=lockup_end
                )
        except IntegrityError:  # another writer created the lot meanwhile: lock theirs
            found[lot] = Position.objects.select_for_update().get(
                account_id=account_id, security_id=security_id, share_nature=nature, lockup_end=lockup_end
            )
    return found


def _step(position: Position, spec: EventSpec) -> None:
    quantity = position.quantity + spec.quantity_delta
    frozen = position.frozen + spec.frozen_delta
    pledged = position.pledged + spec.pledged_delta
    if quantity < 0:
        raise RegisterError(f"账户持有数量不足：现有 {position.quantity:,} 股，变动 {spec.quantity_delta:,} 股。")
    if frozen < 0 or pledged < 0:
        raise RegisterError("解除冻结或解除质押的数量超过已冻结或已质押的数量。")
    if frozen + pledged > quantity:
        raise RegisterError(f"冻结与质押合计 {frozen + pledged:,} 股超过持有数量 {quantity:,} 股（可用数量不足）。")
    position.quantity, position.frozen, position.pledged = quantity, frozen, pledged


def securities_open_required(security_ids: Iterable[int]) -> None:
    """Refuse register changes on a security that changed code or left the register. ``register_apply``
    checks every change here; a business approved later runs it when it is prepared, to refuse as early."""
    closed = Security.objects.filter(pk__in=set(security_ids), status__in=CLOSED_STATUSES).values_list(
        "code", flat=True
    )
    if closed:
        raise RegisterError(f"证券 {', '.join(closed)} 已转换代码或退出登记，不能再办理登记变动。")


def _open_securities(specs: list[EventSpec]) -> None:
    switching = {EventType.CODE_SWITCH_OUT}
    securities_open_required(s.security_id for s in specs if s.event_type not in switching)


def refuse_unknown(*, securities: Iterable[int] = (), accounts: Iterable[int] = ()) -> None:
    """The event log keeps no database foreign keys (migration 0015): both writers refuse an unknown
    security or account by name, before a position is created for it."""
    for label, model, wanted in (("证券", Security, set(securities)), ("证券账户", SecuritiesAccount, set(accounts))):
        missing = sorted(wanted - set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True)))
        if missing:
            more = "等" if len(missing) > 20 else ""
            raise RegisterError(f"{label}#{', #'.join(map(str, missing[:20]))}{more} 不存在，拒绝登记变动。")


def _carry(
    specs: list[EventSpec], existing: Mapping[str, RegistrationEvent], positions: dict[Lot, Position]
) -> list[EventSpec]:
    """The new nature-change legs with the encumbrances they take along (csdp.register.nature); the
    source lots as locked, plus what this call's other events do to their encumbrances."""
    new = [s for s in specs if s.key not in existing]
    if not any(is_nature_change(s.event_type) for s in new):
        return specs
    from csdp.register.bulk import events_frame  # here: register.bulk imports this module

    encumbrance = {lot: [p.frozen, p.pledged] for lot, p in positions.items()}
    for spec in new:
        if not is_nature_change(spec.event_type):
            encumbrance[spec.lot][0] += spec.frozen_delta
            encumbrance[spec.lot][1] += spec.pledged_delta
    lots = pl.DataFrame(
        [
            {"account_id": a, "security_id": s, "share_nature": n, "lockup_end": d, "frozen": f, "pledged": p}
            for (a, s, n, d), (f, p) in encumbrance.items()
        ],
        schema={
            "account_id": pl.Int64,
            "security_id": pl.Int64,
            "share_nature": pl.Utf8,
            "lockup_end": pl.Date,
            "frozen": pl.Int64,
            "pledged": pl.Int64,
        },
    )
    try:
        filled = carry_encumbrances(events_frame(new), lots)
    except CsdpError as error:
        raise RegisterError(error.message, code=error.code, problems=error.problems) from None
    carried = {row["key"]: (row["frozen_delta"], row["pledged_delta"]) for row in filled.iter_rows(named=True)}
    return [
        replace(s, frozen_delta=carried[s.key][0], pledged_delta=carried[s.key][1]) if s.key in carried else s
        for s in specs
    ]


@transaction.atomic
def register_apply(*, events: Iterable[EventSpec | Mapping[str, Any]], check: bool = True) -> list[RegistrationEvent]:
    """Apply events in order; return the events (existing ones for replayed keys). ``check``: prove the
    register's invariants for the touched securities and lots before returning (inside the transaction);
    only a caller that finishes a larger change itself (the code switch) checks later."""
    specs = [EventSpec.of(e) for e in events]
    for spec in specs:
        _check_spec(spec)
    if len({s.key for s in specs}) != len(specs):
        raise RegisterError("同一批登记变动中幂等键重复。")
    existing = RegistrationEvent.objects.in_bulk([s.key for s in specs], field_name="key")
    refuse_unknown(securities=[s.security_id for s in specs], accounts=[s.account_id for s in specs])
    _open_securities([s for s in specs if s.key not in existing])  # a replay of an old event is no new business
    positions = _lock_lots({s.lot for s in specs})
    specs = _carry(specs, existing, positions)
    out: list[RegistrationEvent] = []
    new: list[RegistrationEvent] = []
    now = timezone.now()
    for spec in specs:
        if spec.key in existing and _replayed(spec, existing[spec.key]):
            out.append(existing[spec.key])
            continue
        _step(positions[spec.lot], spec)
        event = RegistrationEvent(**{f.name: getattr(spec, f.name) for f in fields(EventSpec)})
        new.append(event)
        out.append(event)
    try:
        with transaction.atomic():
            RegistrationEvent.objects.bulk_create(new)
            for position in positions.values():
                Position.objects.filter(pk=position.pk).update(
                    quantity=position.quantity, frozen=position.frozen, pledged=position.pledged, updated_at=now
                )
    except IntegrityError as error:
        raise RegisterError(f"数据库拒绝该登记变动：{error}") from None
    issued_capital_move(issuing_deltas(new))
    if check and new:
        register_check(security_ids=[e.security_id for e in new], accounts=sorted({e.account_id for e in new}))
    return out


@transaction.atomic
def security_code_switch(*, old_code: str, new_code: str, effective_date: dt.date, actor: Any) -> SecurityCodeChange:
    """Move every position of old_code to new_code on effective_date, freezes and pledges included.

    The pair must already be in the mapping table (rules.md §5: never a formula alone). Each lot gets a
    switch-out event on the old code and a switch-in event on the new one, so both histories stay
    continuous and holders' totals are unchanged. Running it again is a no-op.
    """
    change: SecurityCodeChange | None = (
        SecurityCodeChange.objects.select_for_update().filter(old_code=old_code, new_code=new_code).first()
    )
    if change is None:
        raise RegisterError(f"代码对照表中没有 {old_code} → {new_code}，不能转换代码。")
    if change.applied_at is not None:
        return change
    old = Security.objects.select_for_update().filter(code=old_code).first()
    if old is None or old.status in CLOSED_STATUSES:
        raise RegisterError(f"证券 {old_code} 不存在或已转换代码。")
    new, _ = Security.objects.get_or_create(
        code=new_code, defaults={"name": old.name, "kind": old.kind, "market": Market.BSE, "issuer": old.issuer}
    )
    events: list[EventSpec] = []
    for lot in Position.objects.select_for_update().filter(security=old, quantity__gt=0).order_by("pk"):
        common: dict[str, Any] = {
            "account_id": lot.account_id,
            "business_date": effective_date,
            "share_nature": lot.share_nature,
            "lockup_end": lot.lockup_end,
            "memo": f"{old_code} → {new_code}",
        }
        events.append(
            EventSpec(
                security_id=old.pk,
                event_type=EventType.CODE_SWITCH_OUT,
                key=f"switch:{old_code}:{lot.pk}:out",
                quantity_delta=-lot.quantity,
                frozen_delta=-lot.frozen,
                pledged_delta=-lot.pledged,
                **common,
            )
        )
        events.append(
            EventSpec(
                security_id=new.pk,
                event_type=EventType.CODE_SWITCH_IN,
                key=f"switch:{old_code}:{lot.pk}:in",
                quantity_delta=lot.quantity,
                frozen_delta=lot.frozen,
                pledged_delta=lot.pledged,
                **common,
            )
        )
    register_apply(events=events, check=False)  # the old code is closed below; then both are checked
    try:
        security_status_change(
            security=old,
            to=SecurityStatus.SWITCHED,
            actor=actor,
            reason=f"{old_code} → {new_code}，生效日 {effective_date}，{len(events) // 2} 个持有明细",
        )
    except SecuritiesError as error:
        raise RegisterError(error.message) from None
    # The capital goes with the code: the new code's register is the old one's (rules.md §5).
    if old.issued_shares is not None:
        Security.objects.filter(pk=new.pk).update(issued_shares=(new.issued_shares or 0) + old.issued_shares)
    register_check(security_ids=[old.pk, new.pk])
    change.applied_at = clock_now()
    change.save(update_fields=["applied_at"])
    return change


from csdp.register.bulk import register_apply_bulk  # noqa: E402,F401  (the set-based path, re-exported)
