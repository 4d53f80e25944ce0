"""The rebuild check: the records agree with the register (run by `csdp restrictions check` and the
property tests). For every holding, the outstanding pledges equal the sum of our pledge events and
the live freezes' frozen shares equal the sum of our freeze events (per holding, not per lot: a nature
change in csdp.register moves encumbrances between lots of one holding); a freeze still waiting means
nothing of the holding is available."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Sum

from csdp.register.models import EventType, Position, RegistrationEvent
from csdp.restrictions.holdings import KEY_PREFIX
from csdp.restrictions.models import FREEZE_LIVE, PLEDGE_OUTSTANDING, Freeze, Pledge


def restrictions_rebuild_check() -> list[str]:
    problems = []
    pledged_records, frozen_records = defaultdict(int), defaultdict(int)
    for p in Pledge.objects.filter(status__in=PLEDGE_OUTSTANDING).values(
        "pledgor_account_id", "security_id", "quantity_shares", "released_shares"
    ):
        pledged_records[(p["pledgor_account_id"], p["security_id"])] += p["quantity_shares"] - p["released_shares"]
    for f in Freeze.objects.filter(status__in=FREEZE_LIVE).values("account_id", "security_id", "frozen_shares"):
        frozen_records[(f["account_id"], f["security_id"])] += f["frozen_shares"]
    ours = (
        RegistrationEvent.objects.filter(key__startswith=KEY_PREFIX)
        .values("account_id", "security_id")
        .annotate(pledged=Sum("pledged_delta"), frozen=Sum("frozen_delta"))
    )
    events = {(r["account_id"], r["security_id"]): r for r in ours}
    for holding in set(pledged_records) | set(frozen_records) | set(events):
        row = events.get(holding, {"pledged": 0, "frozen": 0})
        if row["pledged"] != pledged_records[holding]:
            problems.append(
                f"账户 {holding[0]} 证券 {holding[1]}：质押记录 {pledged_records[holding]} 股，"
                f"登记簿质押变动合计 {row['pledged']} 股。"
            )
        if row["frozen"] != frozen_records[holding]:
            problems.append(
                f"账户 {holding[0]} 证券 {holding[1]}：冻结记录 {frozen_records[holding]} 股，"
                f"登记簿司法冻结变动合计 {row['frozen']} 股。"
            )
    waiting = Freeze.objects.filter(status__in=FREEZE_LIVE, frozen_shares__lt=F("requested_shares"))
    for account_id, security_id in set(waiting.values_list("account_id", "security_id")):
        free = sum(p.available for p in Position.objects.filter(account_id=account_id, security_id=security_id))
        if free > 0:
            problems.append(f"账户 {account_id} 证券 {security_id}：有轮候冻结但仍有 {free} 股可用。")
    return problems


EVENT_TYPES = (
    EventType.PLEDGE,
    EventType.PLEDGE_RELEASE,
    EventType.FREEZE,
    EventType.UNFREEZE,
    EventType.NON_TRADE_TRANSFER,
)
