"""The daily recheck (004 §十一 每日对其进行持续核查, §十二(四) 超过有效期自动失效).

Run by `csdp pledge recheck` and callable from the end-of-day runner as ``pledge_recheck(day=...)``.
Set-based: postings are read in batches by primary key, and each batch's holdings are checked with
ONE aggregate query over the register (selectors.pledgeable_many), not one query per posting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from csdp.accounts.models import User
from csdp.audit.services import audit_record
from csdp.clock.eod import EodLine
from csdp.clock.services import business_today, clock_now
from csdp.notify.services import notify_user
from csdp.pledge import selectors
from csdp.pledge.models import Posting, PostingTransition, Side
from csdp.pledge.states import LIVE, PUBLISHED, SYSTEM, PostingStatus

BATCH = 1000


@dataclass
class RecheckResult:
    expired: int = 0
    flagged: int = 0
    checked: int = 0


def pledge_recheck(*, day: dt.date | None = None) -> RecheckResult:
    """Expire postings past validity on ``day`` (the business date), then check every published
    pledgor posting against the previous trading day's end-of-day pledgeable quantities."""
    day = day or business_today()
    result = RecheckResult()
    result.expired = _expire(day)
    as_of = selectors.latest_eod_day(day)  # the latest end of day: run inside it, that is ``day`` itself
    last_id = 0
    while True:
        batch = list(
            Posting.objects.filter(side=Side.PLEDGOR, status__in=PUBLISHED, pk__gt=last_id)
            .order_by("pk")
            .only(
                "pk", "owner_id", "account_id", "security_id", "quantity_shares", "flagged_at", "title", "security_code"
            )[:BATCH]
        )
        if not batch:
            return result
        last_id = batch[-1].pk
        result.checked += len(batch)
        result.flagged += _flag(batch, as_of)


def _expire(day: dt.date) -> int:
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Posting.objects.select_for_update().filter(status__in=LIVE, valid_until__lt=day).order_by("pk")[:BATCH]
            )
            if not batch:
                return expired
            now = clock_now()
            Posting.objects.filter(pk__in=[p.pk for p in batch]).update(
                status=PostingStatus.EXPIRED, status_since=now, listed=False
            )
            PostingTransition.objects.bulk_create(
                PostingTransition(
                    posting=p,
                    from_state=p.status,
                    to_state=PostingStatus.EXPIRED,
                    actor=None,
                    actor_kind=SYSTEM,
                    at=now,
                    reason=f"超过有效期（{p.valid_until}）",
                )
                for p in batch
            )

            for p in batch:
                audit_record(
                    actor=None,
                    obj=p,
                    action="pledge.posting.expired",
                    from_state=p.status,
                    to_state=PostingStatus.EXPIRED,
                    reason="超过有效期",
                )
                notify_user(
                    user=p.owner,
                    subject="质押信息已失效",
                    purpose="pledge.posting",
                    body=f"您发布的信息“{p.title}”有效期至 {p.valid_until}，已自动失效。",
                )
            expired += len(batch)


def _flag(batch: list[Posting], as_of: dt.date) -> int:
    free = selectors.pledgeable_many({(p.account_id, p.security_id) for p in batch}, as_of)
    failing = [
        p
        for p in batch
        if p.flagged_at is None
        and p.quantity_shares > free[(p.account_id, p.security_id)]
        and p.kept_free_shares != free[(p.account_id, p.security_id)]
    ]  # staff 保留 stands on the same facts
    if not failing:
        return 0

    now = clock_now()
    reviewers = list(User.objects.filter(staff_role__in=["reviewer", "admin"], is_active=True))
    with transaction.atomic():
        for p in failing:
            reason = (
                f"{as_of} 日终可质押 {free[(p.account_id, p.security_id)]:,} 股，少于发布的 {p.quantity_shares:,} 股"
            )
            Posting.objects.filter(pk=p.pk).update(flagged_at=now, flag_reason=reason, kept_free_shares=None)
            audit_record(actor=None, obj=p, action="pledge.posting.flagged", reason=reason)
            notify_user(
                user=p.owner,
                subject="质押信息核查异常",
                purpose="pledge.recheck",
                body=f"您发布的信息“{p.title}”（{p.security_code}）核查异常：{reason}。本公司将决定是否保留。",
            )
        for staff in reviewers:
            notify_user(
                user=staff,
                subject="质押信息核查异常待处理",
                purpose="pledge.recheck",
                body=f"{as_of} 日终核查发现 {len(failing)} 条出质人信息持有不足，请在待办中处理。",
            )
    return len(failing)


def pledge_eod_job(day: dt.date, actor) -> list:
    """seed 004 §十: every trading day's EOD re-checks the published pledgor postings (`csdp eod run`)."""
    result = pledge_recheck(day=day)
    return [
        EodLine(
            "pledge", "质押信息", f"到期失效 {result.expired} 条，复核 {result.checked} 条，标记 {result.flagged} 条"
        )
    ]
