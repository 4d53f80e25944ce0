"""How the restrictions touch the register: lot by lot, through ``register_apply`` only.

A court freezes a holding or one lot of it; a pledge names its share nature; a transfer keeps each lot's
nature and lock-up. These helpers turn a quantity on (account, security) into events on its lots,
read under the row locks ``register_apply`` takes again in the same transaction. Every event key
starts with ``restr:`` so the rebuild check can tell our events from other businesses' ones.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from csdp.register.models import EventType, Position, ShareNature
from csdp.register.services import EventSpec, RegisterError, register_apply, securities_open_required
from csdp.restrictions.errors import RestrictionError

KEY_PREFIX = "restr:"


def encumbrance_events() -> Q:
    """The register events behind the records: ours, and the 权益分派 bonus events that registered shares
    frozen or pledged, which accrued to the records (csdp.dividend.accrual). Only those: a distribution's
    other bonus events are millions. Read by the rebuild check and by QLBD."""
    return Q(key__startswith=KEY_PREFIX) | Q(event_type=EventType.BONUS) & (~Q(frozen_delta=0) | ~Q(pledged_delta=0))


def lots_locked(account_id: int, security_id: int) -> list[Position]:
    """The lots of one holding, locked in pk order; unrestricted first, then by lock-up end (the
    order in which a freeze takes shares: the freest first)."""
    rows = list(
        Position.objects.select_for_update().filter(account_id=account_id, security_id=security_id).order_by("pk")
    )
    return sorted(rows, key=lambda p: (p.share_nature != ShareNature.UNRESTRICTED, p.lockup_end or dt.date.min, p.pk))


def holding_totals(account_id: int, security_id: int) -> dict:
    rows = Position.objects.filter(account_id=account_id, security_id=security_id)
    totals = {"quantity": 0, "frozen": 0, "pledged": 0}
    for p in rows:
        totals["quantity"] += p.quantity
        totals["frozen"] += p.frozen
        totals["pledged"] += p.pledged
    totals["available"] = totals["quantity"] - totals["frozen"] - totals["pledged"]
    return totals


def apply(events: list[EventSpec]) -> None:
    if not events:
        return
    try:
        register_apply(events=events)
    except RegisterError as error:
        raise RestrictionError(error.message, code="restrictions.register") from None


def open_required(security) -> None:
    """The register's refusal of a security that changed code or left the register, as ``apply`` would
    give it at approval: run at 经办, so such a business is refused before anyone reviews it."""
    try:
        securities_open_required([security.pk])
    except RegisterError as error:
        raise RestrictionError(error.message, code="restrictions.register") from None


def spec(
    position: Position,
    *,
    event_type: str,
    key: str,
    day: dt.date,
    memo: str,
    quantity: int = 0,
    frozen: int = 0,
    pledged: int = 0,
    account_id: int | None = None,
) -> EventSpec:
    return EventSpec(
        security_id=position.security_id,
        account_id=account_id or position.account_id,
        event_type=event_type,
        business_date=day,
        key=KEY_PREFIX + key,
        quantity_delta=quantity,
        frozen_delta=frozen,
        pledged_delta=pledged,
        share_nature=position.share_nature,
        lockup_end=position.lockup_end,
        memo=memo[:200],
    )


def take_available(lots: list[Position], wanted: int) -> list[tuple[Position, int]]:
    """Split ``wanted`` shares over the lots' available quantities in lot order (may fall short)."""
    out = []
    for lot in lots:
        if wanted <= 0:
            break
        share = min(lot.available, wanted)
        if share > 0:
            out.append((lot, share))
            wanted -= share
    return out


def take_encumbered(
    lots: list[Position], wanted: int, field: str, prefer: tuple | None = None, last: set | None = None
) -> list[tuple[Position, int]]:
    """Split a release of ``wanted`` shares over the lots holding that encumbrance (``frozen`` or
    ``pledged``): the preferred lot (the one the record was registered on) first, the ``last`` lots
    (those other records named) last. A nature change moves encumbrances between lots of one holding
    (csdp.register), so the record's own lot may hold fewer than the record; the holding as a whole
    always holds them all."""
    last = last or set()
    ordered = sorted(
        lots,
        key=lambda p: (
            prefer is None or (p.share_nature, p.lockup_end) != prefer,
            (p.share_nature, p.lockup_end) in last,
        ),
    )
    out = []
    for lot in ordered:
        if wanted <= 0:
            break
        share = min(getattr(lot, field), wanted)
        if share > 0:
            out.append((lot, share))
            wanted -= share
    if wanted > 0:
        raise RestrictionError(
            "登记簿上该持有的质押或冻结数量少于本记录，拒绝执行（请核对登记簿）。",
            code="restrictions.register_mismatch",
        )
    return out
