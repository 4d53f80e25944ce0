"""Pledge board reads: who may see details, the board with its filters, the rule tables and the
set-based holdings check the daily recheck uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum

from csdp.clock.services import business_today, trading_day_offset, clock_now
from csdp.pledge.models import (
    BoardSettings,
    EligibleKind,
    LprRate,
    PledgeProfile,
    Posting,
    PostingCode,
    PostingToken,
    Side,
)
from csdp.pledge.states import BOARD, PUBLISHED, PostingStatus
from csdp.register.models import RegistrationEvent, ShareNature
from csdp.securities.models import Security, SecurityCodeChange
from django.utils import timezone

PAGE_SIZE = 20
SORTS = {  # 004 §十四 筛选查询: the sort keys offered on the board
    "recent": ("-published_at", "-id"),
    "amount": ("-amount_fen", "-id"),
    "amount_asc": ("amount_fen", "id"),
    "rate": ("rate_min_bp", "id"),
    "term": ("term_months", "id"),
}


def profile_of(user) -> PledgeProfile | None:
    if not user.is_authenticated or user.staff_role:
        return None
    # A fresh read, not user.pledge_profile: a cached profile would miss a suspension made a moment ago.
    return PledgeProfile.objects.filter(user=user).select_related("investor").first()


def has_valid_posting(user) -> bool:
    """004 §十四: a user whose own posting is published and within validity sees details."""
    if user.is_authenticated and user.staff_role:
        return True
    return Posting.objects.filter(owner=user, status__in=PUBLISHED, valid_until__gte=business_today()).exists()


def latest_eod_day(day: dt.date | None = None) -> dt.date:
    """The end of day the daily recheck reads (issue 17): run inside the end of day of ``day``, that
    day itself; asked during the business day (a staff decision), the previous trading day's."""
    return day if day is not None else previous_trading_day()


def previous_trading_day(day: dt.date | None = None) -> dt.date:
    """004 §十一: postings are checked against the previous trading day's end-of-day holdings."""
    return trading_day_offset(day or business_today(), -1)


def board_postings() -> QuerySet:
    """Postings on the board: published, owner's access active and not restricted (004 §四) — the
    ``listed`` flag the services keep says exactly that — and within validity on the calendar day
    (004 §十二(四)): a posting valid to Friday is gone on Saturday, before the next end of day expires it."""
    return Posting.objects.filter(listed=True, valid_until__gte=calendar_today())


def calendar_today() -> dt.date:
    return timezone.localdate(clock_now())


@dataclass(frozen=True)
class BoardFilter:
    side: str = ""
    kind: str = ""
    code: str = ""
    amount_min_fen: int | None = None
    amount_max_fen: int | None = None
    rate_max_bp: int | None = None  # postings whose rate range starts at or below this
    term_max_months: int | None = None
    status: str = ""
    keyword: str = ""
    sort: str = "recent"


def board_filtered(spec: BoardFilter) -> QuerySet:
    qs = board_postings()
    if spec.status in BOARD:
        qs = qs.filter(status=spec.status)
    if spec.side:
        qs = qs.filter(side=spec.side)
    if spec.kind:
        qs = qs.filter(Q(security_kind=spec.kind) | Q(side=Side.LENDER, accepted_kinds__contains=spec.kind))
    if spec.code:
        codes = PostingCode.objects.filter(code=spec.code).order_by().values_list("posting_id", flat=True)
        ids = list(codes[:SELECTIVE_ROWS])  # literal keys: see _keyword_filtered
        # Lenders who accept any code (none named) match every code.
        qs = qs.filter(Q(pk__in=ids if len(ids) < SELECTIVE_ROWS else codes) | Q(side=Side.LENDER, accepted_codes=""))
    qs = _amount_filtered(qs, spec)
    if spec.rate_max_bp is not None:
        qs = qs.filter(rate_min_bp__lte=spec.rate_max_bp)
    if spec.term_max_months is not None:
        qs = qs.filter(term_months__lte=spec.term_max_months)
    if spec.keyword:
        qs = _keyword_filtered(qs, spec.keyword)
    return qs.order_by(*SORTS.get(spec.sort, SORTS["recent"]))


# A filter matching fewer rows than this is read through its own index and the matches sorted; a
# broader one is checked while walking the sort key's index, which fills a page after a few rows.
# Deciding by a capped index-only count keeps both kinds of filter fast on both databases.
SELECTIVE_ROWS = 2_000


def _selective(qs: QuerySet) -> bool:
    return _capped(qs) < SELECTIVE_ROWS


def _amount_filtered(qs: QuerySet, spec: BoardFilter) -> QuerySet:
    bounds = {}
    if spec.amount_min_fen is not None:
        bounds["gte"] = spec.amount_min_fen
    if spec.amount_max_fen is not None:
        bounds["lte"] = spec.amount_max_fen
    if not bounds:
        return qs
    indexed = {f"amount_fen__{op}": value for op, value in bounds.items()}
    if spec.sort in ("amount", "amount_asc") or _selective(Posting.objects.filter(listed=True, **indexed)):
        return qs.filter(**indexed)
    # "+ 0" keeps the planner off the amount index: a broad range is cheaper checked row by row.
    return qs.alias(amount_checked=F("amount_fen") + 0).filter(
        **{f"amount_checked__{op}": value for op, value in bounds.items()}
    )


def _keyword_filtered(qs: QuerySet, keyword: str) -> QuerySet:
    """A posting matches when its text holds every bigram of the keyword (CJK bigram search; a
    one-character keyword is matched as text). A selective bigram (or pair of bigrams) narrows
    through the token index; every bigram is then an EXISTS probe of the unique (token, posting)
    index, which both planners estimate from the token statistics — a LIKE '%…%' they cannot."""
    tokens = sorted(bigrams(keyword))[:6]
    if not tokens:
        return qs.filter(search_text__icontains=keyword)
    counts = sorted((_capped(PostingToken.objects.filter(token=t)), t) for t in tokens)
    rarest = PostingToken.objects.filter(token=counts[0][1])
    narrowed_by = {counts[0][1]}
    if counts[0][0] >= SELECTIVE_ROWS:
        if len(counts) == 1:  # one common bigram: walk the sort index with the probe alone
            rarest = None
        else:
            rarest = rarest.filter(
                Exists(PostingToken.objects.filter(posting_id=OuterRef("posting_id"), token=counts[1][1]))
            )
            narrowed_by.add(counts[1][1])
    # The narrowing ids are read first and passed as a list: with a few hundred literal keys both
    # planners fetch the rows by primary key instead of joining the token table to the whole board.
    ids = list(rarest.order_by().values_list("posting_id", flat=True)[:SELECTIVE_ROWS]) if rarest is not None else []
    if rarest is not None and len(ids) < SELECTIVE_ROWS:
        qs = qs.filter(pk__in=ids)
    else:
        narrowed_by = set()
    for _, token in counts:
        if token not in narrowed_by:  # the ids already hold these bigrams
            qs = qs.filter(Exists(PostingToken.objects.filter(posting=OuterRef("pk"), token=token)))
    return qs


def _capped(qs: QuerySet) -> int:
    return qs.order_by().values("pk")[:SELECTIVE_ROWS].count()


def bigrams(text: str) -> set[str]:
    """The keyword index's tokens: every pair of neighbouring characters, upper-cased, spaces dropped."""
    compact = "".join(text.upper().split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def board_page(qs: QuerySet, page: int, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """One page and whether another follows, without COUNT(*) over the whole board (keeps p95 low)."""
    page = max(page, 1)
    rows = list(qs[(page - 1) * size : page * size + 1])
    return rows[:size], len(rows) > size


def my_postings(user) -> QuerySet:
    return (
        Posting.objects.filter(owner=user, archived_at__isnull=True)
        .exclude(status=PostingStatus.DELETED)
        .select_related("security")
    )


# --- rule tables --------------------------------------------------------------------------------


def lpr_in_force(day: dt.date | None = None) -> LprRate | None:
    return LprRate.objects.filter(effective_date__lte=day or business_today()).order_by("-effective_date").first()


def rate_cap_multiple() -> Decimal:
    row = BoardSettings.objects.first()
    return row.rate_cap_multiple if row else Decimal(4)


def rate_cap_bp(day: dt.date | None = None) -> int | None:
    """rules.md §9: courts do not support interest above N × the one-year LPR at contract time."""
    lpr = lpr_in_force(day)
    if lpr is None:
        return None
    return int(Decimal(lpr.one_year_bp) * rate_cap_multiple())


def is_eligible(security) -> bool:
    return EligibleKind.objects.filter(market=security.market, kind=security.kind).exists()


# --- holdings -----------------------------------------------------------------------------------


def investor_accounts(profile: PledgeProfile | None) -> list:
    if profile is None or profile.investor_id is None:
        return []
    return list(profile.investor.accounts.order_by("number"))


def restricted_pledgeable() -> bool:
    row = BoardSettings.objects.first()
    return bool(row and row.restricted_pledgeable)


def pledgeable_many(
    pairs: set[tuple[int, int]], as_of: dt.date, *, restricted: bool | None = None
) -> dict[tuple[int, int], int]:
    """Set-based pledgeable_quantity for many (account_id, security_id) pairs in ONE query over the
    register's event log — the same sum csdp.register.selectors.pledgeable_quantity makes for one
    pair (unrestricted lots, minus frozen and pledged, 004 §十), with code switches followed."""
    if not pairs:
        return {}
    lineage = _lineage_many({security_id for _, security_id in pairs})
    ancestor_of = {old: new for new, olds in lineage.items() for old in olds}
    natures = (
        list(ShareNature.values)
        if (restricted_pledgeable() if restricted is None else restricted)
        else [ShareNature.UNRESTRICTED]
    )
    rows = (
        RegistrationEvent.objects.filter(
            account_id__in={a for a, _ in pairs},
            security_id__in=set(ancestor_of),
            share_nature__in=natures,
            business_date__lte=as_of,
        )
        .order_by()
        .values("account_id", "security_id")
        .annotate(q=Sum("quantity_delta"), f=Sum("frozen_delta"), p=Sum("pledged_delta"))
    )
    free: dict[tuple[int, int], int] = dict.fromkeys(pairs, 0)
    for row in rows:
        key = (row["account_id"], ancestor_of[row["security_id"]])
        if key in free:
            free[key] += (row["q"] or 0) - (row["f"] or 0) - (row["p"] or 0)
    return {pair: max(value, 0) for pair, value in free.items()}


def _lineage_many(security_ids: set[int]) -> dict[int, set[int]]:
    """security id → itself and every security it was switched from (the mapping table is small)."""
    old_of = dict(SecurityCodeChange.objects.values_list("new_code", "old_code"))
    code_of = dict(Security.objects.filter(pk__in=security_ids).values_list("pk", "code"))
    wanted: dict[int, list[str]] = {}
    for pk, code in code_of.items():
        chain, seen = [], {code}
        while code in old_of and old_of[code] not in seen:
            code = old_of[code]
            seen.add(code)
            chain.append(code)
        wanted[pk] = chain
    ids_by_code = dict(
        Security.objects.filter(code__in={c for chain in wanted.values() for c in chain}).values_list("code", "pk")
    )
    return {pk: {pk, *(ids_by_code[c] for c in chain if c in ids_by_code)} for pk, chain in wanted.items()}
