"""Register reads. holdings_of / holders_of read the maintained positions; pledgeable_quantity reads
the log, because it asks about the end of a past day (seed 004 §十一: 前一交易日的日终)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from csdp.register.models import Position, RegistrationEvent, ShareNature
from csdp.securities.models import SecuritiesAccount, Security, SecurityCodeChange


@dataclass(frozen=True)
class Holding:
    security: Security
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    frozen: int
    pledged: int
    available: int  # quantity − frozen − pledged (restricted lots included; they are not pledgeable)

    @property
    def share_nature_label(self) -> str:
        return ShareNature(self.share_nature).label


def holdings_of(account: SecuritiesAccount) -> list[Holding]:
    rows = Position.objects.filter(account=account, quantity__gt=0).select_related("security").order_by(
        "security__code", "share_nature", "lockup_end")
    return [Holding(p.security, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged, p.available) for p in rows]


def _lineage(security: Security) -> list[int]:
    """The security and every code it was switched from. Summing the log over all of them gives a
    continuous history: the switch-out and switch-in events of a lot cancel on the same day."""
    ids, code, seen = [security.pk], security.code, {security.code}
    while True:
        old = SecurityCodeChange.objects.filter(new_code=code).values_list("old_code", flat=True).first()
        if old is None or old in seen:
            return ids
        seen.add(old)
        ids += list(Security.objects.filter(code=old).values_list("pk", flat=True))
        code = old


def pledgeable_quantity(*, account: SecuritiesAccount, security: Security, as_of: dt.date) -> int:
    """What the account could pledge at the end of ``as_of``: unrestricted shares minus frozen and
    already pledged ones (seed 004 §十: 司法冻结、已质押等权利限制的部分不得列入); 限售 lots excluded."""
    totals = RegistrationEvent.objects.filter(
        account=account, security_id__in=_lineage(security), share_nature=ShareNature.UNRESTRICTED,
        business_date__lte=as_of,
    ).aggregate(quantity=Sum("quantity_delta"), frozen=Sum("frozen_delta"), pledged=Sum("pledged_delta"))
    free = (totals["quantity"] or 0) - (totals["frozen"] or 0) - (totals["pledged"] or 0)
    return max(free, 0)


@dataclass(frozen=True)
class Holder:
    account: SecuritiesAccount
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    frozen: int
    pledged: int


def holders_of(security: Security) -> list[Holder]:
    rows = Position.objects.filter(security=security, quantity__gt=0).select_related("account__investor").order_by(
        "-quantity", "account__number")
    return [Holder(p.account, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged) for p in rows]


@dataclass(frozen=True)
class Difference:
    lot: tuple  # (account_id, security_id, share_nature, lockup_end)
    from_log: tuple[int, int, int]  # (quantity, frozen, pledged) summed from the events
    in_positions: tuple[int, int, int]


def register_rebuild_check() -> list[Difference]:
    """Recompute every position from the event log and list the lots where the two disagree."""
    lot_fields = ("account_id", "security_id", "share_nature", "lockup_end")
    from_log = {
        tuple(row[f] for f in lot_fields): (row["q"], row["f"], row["p"])
        for row in RegistrationEvent.objects.order_by().values(*lot_fields).annotate(
            q=Sum("quantity_delta"), f=Sum("frozen_delta"), p=Sum("pledged_delta"))
    }
    stored = {
        tuple(row[f] for f in lot_fields): (row["quantity"], row["frozen"], row["pledged"])
        for row in Position.objects.order_by().values(*lot_fields, "quantity", "frozen", "pledged")
    }
    zero = (0, 0, 0)
    return [
        Difference(lot, from_log.get(lot, zero), stored.get(lot, zero))
        for lot in sorted(from_log.keys() | stored.keys(), key=lambda x: (x[0], x[1], x[2], x[3] or dt.date.max))
        if from_log.get(lot, zero) != stored.get(lot, zero)
    ]
