"""The rule tables staff edit: the LPR table, the rate-cap multiple (rules.md §9) and the allow-list
of pledgeable kinds (004 §九(四) 经本公司认可的其他证券种类). Every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from csdp.audit.services import audit_record
from csdp.pledge.models import BoardSettings, EligibleKind, LprRate
from csdp.pledge.services import PledgeError


@transaction.atomic
def lpr_add(*, effective_date: dt.date, one_year_bp: int, source: str, actor) -> LprRate:
    if LprRate.objects.filter(effective_date=effective_date).exists():
        raise PledgeError(f"{effective_date} 的LPR已录入。")
    row = LprRate.objects.create(effective_date=effective_date, one_year_bp=one_year_bp, source=source.strip())
    audit_record(
        actor=actor, obj=row, action="pledge.lpr.add", data={"date": effective_date.isoformat(), "bp": one_year_bp}
    )
    return row


@transaction.atomic
def lpr_delete(*, row: LprRate, actor) -> None:
    audit_record(
        actor=actor,
        obj=row,
        action="pledge.lpr.delete",
        data={"date": row.effective_date.isoformat(), "bp": row.one_year_bp},
    )
    row.delete()


@transaction.atomic
def rate_cap_multiple_set(*, multiple: Decimal, actor) -> BoardSettings:
    row = BoardSettings.objects.select_for_update().first() or BoardSettings()
    old = row.rate_cap_multiple if row.pk else None
    row.rate_cap_multiple = multiple
    row.save()
    audit_record(actor=actor, obj=row, action="pledge.rate_cap.set", from_state=str(old or ""), to_state=str(multiple))
    return row


@transaction.atomic
def eligible_add(*, market: str, kind: str, note: str, actor) -> EligibleKind:
    try:
        with transaction.atomic():
            row = EligibleKind.objects.create(market=market, kind=kind, note=note.strip())
    except IntegrityError:
        raise PledgeError("该市场的该证券类别已在允许范围内。") from None
    audit_record(actor=actor, obj=row, action="pledge.eligible.add", data={"market": market, "kind": kind})
    return row


@transaction.atomic
def eligible_delete(*, row: EligibleKind, actor) -> None:
    audit_record(actor=actor, obj=row, action="pledge.eligible.delete", data={"market": row.market, "kind": row.kind})
    row.delete()


@transaction.atomic
def restricted_pledgeable_set(*, allowed: bool, actor) -> BoardSettings:
    """Whether 限售 lots count as pledgeable on the board (docs/pledge-board.md)."""
    row = BoardSettings.objects.select_for_update().first() or BoardSettings()
    old = row.restricted_pledgeable if row.pk else None
    row.restricted_pledgeable = allowed
    row.save()
    audit_record(
        actor=actor, obj=row, action="pledge.restricted_pledgeable.set", from_state=str(old), to_state=str(allowed)
    )
    return row
