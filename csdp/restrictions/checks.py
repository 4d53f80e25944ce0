"""The rebuild check: the records agree with the register (run by `csdp restrictions check`, the end
of day and the property tests; and, scoped to one security and the accounts it touched, by a business
that changes records and register together before it commits: csdp.dividend's list-date parts). For
every holding, the outstanding pledges equal the sum of our pledge events and the live freezes' frozen shares equal the sum of our freeze events (per holding, not per
lot: a nature change in csdp.register moves encumbrances between lots of one holding); a freeze still
waiting means nothing it may take is available (nothing of the holding, or of the lot it names).

Our events stay on the security they were written on; after a code switch (csdp.register moves the
quantities, ``switch.restrictions_follow_code_switch`` moves the records) they count for the new code.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, QuerySet, Sum
from django.db.models.expressions import RawSQL

from csdp.register.models import EventType, Position, RegistrationEvent
from csdp.restrictions.holdings import encumbrance_events
from csdp.restrictions.models import FREEZE_LIVE, PLEDGE_OUTSTANDING, Freeze, Pledge
from csdp.securities.models import Security, SecurityCodeChange


def successors() -> dict[int, int]:
    """security id → the id of the code it was switched to (last in a chain), for applied switches."""
    pairs = SecurityCodeChange.objects.filter(applied_at__isnull=False).values_list("old_code", "new_code")
    ids = dict(Security.objects.filter(code__in={c for pair in pairs for c in pair}).values_list("code", "pk"))
    step = {ids[old]: ids[new] for old, new in pairs if old in ids and new in ids}
    out = {}
    for start in step:
        end, seen = step[start], {start}
        while end in step and end not in seen:
            seen.add(end)
            end = step[end]
        out[start] = end
    return out


class Scope:
    """What one check looks at: every holding (the default), or one security's holdings of some accounts
    (``accounts``: a query of account ids — a QuerySet's ``values`` or a RawSQL — that the database runs as a
    subquery; the ids are never read into Python).
    Events written on a code the security was switched from count for it, as in the whole check."""

    def __init__(self, security_id: int | None = None, accounts: QuerySet | RawSQL | None = None) -> None:
        self.security_id, self.accounts = security_id, accounts

    def records(self, queryset: QuerySet, account_field: str) -> QuerySet:
        if self.security_id is not None:
            queryset = queryset.filter(security_id=self.security_id)
        if self.accounts is not None:
            queryset = queryset.filter(**{f"{account_field}__in": self.accounts})
        return queryset

    def events(self, queryset: QuerySet, moved: dict[int, int]) -> QuerySet:
        if self.security_id is not None:
            codes = {self.security_id} | {old for old, new in moved.items() if new == self.security_id}
            queryset = queryset.filter(security_id__in=codes)
        if self.accounts is not None:
            queryset = queryset.filter(account_id__in=self.accounts)
        return queryset


EVERYTHING = Scope()


def _records(scope: Scope) -> tuple[dict, dict]:
    pledged, frozen = defaultdict(int), defaultdict(int)
    for p in scope.records(Pledge.objects.filter(status__in=PLEDGE_OUTSTANDING), "pledgor_account").values(
        "pledgor_account_id", "security_id", "quantity_shares", "accrued_shares", "released_shares"
    ):
        held = p["quantity_shares"] + p["accrued_shares"] - p["released_shares"]
        pledged[(p["pledgor_account_id"], p["security_id"])] += held
    freezes = scope.records(Freeze.objects.filter(status__in=FREEZE_LIVE), "account")
    for f in freezes.values("account_id", "security_id", "frozen_shares"):
        frozen[(f["account_id"], f["security_id"])] += f["frozen_shares"]
    return pledged, frozen


def _events(scope: Scope) -> dict:
    moved = successors()
    out: dict = defaultdict(lambda: {"pledged": 0, "frozen": 0})
    ours = (
        scope.events(RegistrationEvent.objects.filter(encumbrance_events()), moved)
        .values("account_id", "security_id")
        .annotate(pledged=Sum("pledged_delta"), frozen=Sum("frozen_delta"))
    )
    for r in ours:
        row = out[(r["account_id"], moved.get(r["security_id"], r["security_id"]))]
        row["pledged"] += r["pledged"]
        row["frozen"] += r["frozen"]
    return out


def _waiting_problems(scope: Scope) -> list[str]:
    problems = []
    waiting = scope.records(Freeze.objects.filter(status__in=FREEZE_LIVE), "account").filter(
        frozen_shares__lt=F("requested_shares") + F("accrued_shares") - F("lifted_shares") - F("deducted_shares")
    )
    for account_id, security_id, nature, lockup in set(
        waiting.values_list("account_id", "security_id", "share_nature", "lockup_end")
    ):
        lots = Position.objects.filter(account_id=account_id, security_id=security_id)
        if nature:
            lots = lots.filter(share_nature=nature, lockup_end=lockup)
        free = sum(p.available for p in lots)
        if free > 0:
            problems.append(f"账户 {account_id} 证券 {security_id}：有轮候冻结但仍有 {free:,} 股可用。")
    return problems


def restrictions_rebuild_check(scope: Scope = EVERYTHING) -> list[str]:
    problems = []
    pledged_records, frozen_records = _records(scope)
    events = _events(scope)
    for holding in sorted(set(pledged_records) | set(frozen_records) | set(events)):
        row = events.get(holding, {"pledged": 0, "frozen": 0})
        if row["pledged"] != pledged_records[holding]:
            problems.append(
                f"账户 {holding[0]} 证券 {holding[1]}：质押记录 {pledged_records[holding]:,} 股，"
                f"登记簿质押变动合计 {row['pledged']:,} 股。"
            )
        if row["frozen"] != frozen_records[holding]:
            problems.append(
                f"账户 {holding[0]} 证券 {holding[1]}：冻结记录 {frozen_records[holding]:,} 股，"
                f"登记簿司法冻结变动合计 {row['frozen']:,} 股。"
            )
    return problems + _waiting_problems(scope)


EVENT_TYPES = (
    EventType.PLEDGE,
    EventType.PLEDGE_RELEASE,
    EventType.FREEZE,
    EventType.UNFREEZE,
    EventType.NON_TRADE_TRANSFER,
)
