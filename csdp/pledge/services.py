"""Writes of postings. Every status change goes through `_move`, which checks the one transition
table (states.TRANSITIONS), appends a PostingTransition row and records the audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.notify.services import notify_user
from csdp.pledge import selectors
from csdp.pledge.models import AccessState, PledgeProfile, Posting, PostingCode, PostingToken, PostingTransition, Side
from csdp.lib.statemachine import transition_record
from csdp.pledge.states import LIVE, MACHINE, PUBLISHED, STAFF, SYSTEM, USER, PledgeError, PostingStatus
from csdp.securities.models import Security

MAX_VALIDITY_DAYS = 180  # our choice: a posting is re-confirmed at least twice a year


@dataclass(frozen=True)
class PostingData:
    """What a user fills in on 信息发布 (004 §八). Money in fen, rates in basis points."""

    side: str
    amount_fen: int
    term_months: int
    rate_min_bp: int
    rate_max_bp: int
    valid_until: dt.date
    title: str
    description: str = ""
    account_id: int | None = None  # pledgor
    security_id: int | None = None
    quantity_shares: int | None = None
    accepted_kinds: str = ""  # lender
    accepted_codes: str = ""


# --- checks -------------------------------------------------------------------------------------


def check_may_post(profile: PledgeProfile | None) -> None:
    if profile is None or profile.access_state != AccessState.ACTIVE:
        raise PledgeError("您当前没有信息平台的使用权限。")
    if profile.postings_restricted:
        raise PledgeError("您的信息发布已被本公司限制，请联系管理员。")
    if not profile.platform_info_complete:  # 004 §七
        raise PledgeError("发布信息前，请先在“用户信息维护”中填写业务平台信息。")


def check_holdings(*, posting: Posting, as_of: dt.date | None = None) -> None:
    """004 §十, §十一: the quantity may not exceed what was pledgeable at the previous trading day's EOD."""
    as_of = as_of or selectors.previous_trading_day()
    pair = (posting.account_id, posting.security_id)
    free = selectors.pledgeable_many({pair}, as_of)[pair]  # 限售 lots as the board's setting says
    if posting.quantity_shares > free:
        excluded = "已冻结、已质押等部分" if selectors.restricted_pledgeable() else "已冻结、已质押、限售等部分"
        raise PledgeError(
            f"{posting.security_code} 在 {as_of} 日终可质押数量为 {free:,} 股，"
            f"少于发布数量 {posting.quantity_shares:,} 股（{excluded}不得列入）。"
        )
    # Issue 17: the same shares may not be offered twice — the owner's other live postings of this
    # holding reserve theirs (a posting that reached 已质押 or 失效 reserves nothing).
    others = (
        Posting.objects.filter(
            owner_id=posting.owner_id,
            side=Side.PLEDGOR,
            account_id=posting.account_id,
            security_id=posting.security_id,
            status__in=LIVE,
        )
        .exclude(pk=posting.pk)
        .aggregate(total=Sum("quantity_shares"))["total"]
        or 0
    )
    if posting.quantity_shares + others > free:
        raise PledgeError(
            f"{posting.security_code} 可质押 {free:,} 股，您的其他有效信息已占用 {others:,} 股，"
            f"本条最多可发布 {max(free - others, 0):,} 股。"
        )


def check_rate(*, posting: Posting) -> None:
    """004 §十一: lender postings are checked for rate compliance (rules.md §9)."""
    cap = selectors.rate_cap_bp()
    if cap is None:
        raise PledgeError("贷款市场报价利率表为空，暂不能审核质权人信息。")
    if posting.rate_max_bp > cap:
        raise PledgeError(
            f"年利率 {posting.rate_max_bp / 100:.2f}% 超过上限 {cap / 100:.2f}%"
            f"（一年期LPR的{selectors.rate_cap_multiple()}倍）。"
        )


def _check_data(profile: PledgeProfile, data: PostingData) -> dict:
    if data.amount_fen <= 0 or data.term_months <= 0 or data.rate_min_bp > data.rate_max_bp:
        raise PledgeError("金额、期限须为正数，利率下限不得高于上限。")
    today = business_today()
    if not today <= data.valid_until <= today + dt.timedelta(days=MAX_VALIDITY_DAYS):
        raise PledgeError(f"有效期须在今天至 {MAX_VALIDITY_DAYS} 天以内。")
    fields = {
        "side": data.side,
        "amount_fen": data.amount_fen,
        "term_months": data.term_months,
        "rate_min_bp": data.rate_min_bp,
        "rate_max_bp": data.rate_max_bp,
        "valid_until": data.valid_until,
        "title": data.title.strip(),
        "description": data.description.strip(),
    }
    if data.side == Side.LENDER:
        return {
            **fields,
            "rate_min_bp": data.rate_max_bp,
            "accepted_kinds": data.accepted_kinds,
            "accepted_codes": data.accepted_codes,
            "account": None,
            "security": None,
            "quantity_shares": None,
            "security_code": "",
            "security_kind": "",
            "search_text": f"{data.title} {data.accepted_codes}"[:300],
        }
    account = next((a for a in selectors.investor_accounts(profile) if a.pk == data.account_id), None)
    if account is None:  # 004 §八: only the user's own holdings
        raise PledgeError("请选择本人名下的证券账户。")

    security = Security.objects.filter(pk=data.security_id).first()
    if security is None or not selectors.is_eligible(security):  # 004 §九
        raise PledgeError("该证券种类不在可发布质押信息的范围内。")
    if not data.quantity_shares or data.quantity_shares <= 0:
        raise PledgeError("请填写质押数量。")
    return {
        **fields,
        "account": account,
        "security": security,
        "quantity_shares": data.quantity_shares,
        "security_code": security.code,
        "security_kind": security.kind,
        "accepted_kinds": "",
        "accepted_codes": "",
        "search_text": f"{data.title} {security.code} {security.name}"[:300],
    }


# --- the one place that moves a posting ---------------------------------------------------------


def _move(posting: Posting, *, to_state: str, actor, by: str, reason: str = "") -> PostingTransition:
    """Refused (PledgeError) unless MACHINE lets ``by`` make the change."""
    from_state = posting.status
    now = clock_now()
    posting.status_since = now
    # 已质押 leaves the board with its reservation (issue 17): listed only while published.
    posting.listed = to_state in PUBLISHED and owner_listable(posting.owner_id)
    update = ["status_since", "listed"]
    if to_state == PostingStatus.OPEN and from_state == PostingStatus.PENDING_REVIEW:
        posting.published_at, posting.review_reason, posting.flagged_at, posting.flag_reason = now, "", None, ""
        update += ["published_at", "review_reason", "flagged_at", "flag_reason"]
    if to_state == PostingStatus.RETURNED:
        posting.review_reason = reason
        update.append("review_reason")
    row = transition_record(
        machine=MACHINE,
        subject=posting,
        to_state=to_state,
        history=PostingTransition,
        actor=actor,
        by=by,
        reason=reason,
        at=now,
        update_fields=update,
    )
    audit_record(
        actor=actor,
        obj=posting,
        action=f"pledge.posting.{to_state}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    return row


def owner_listable(user_id: int) -> bool:
    """004 §四: a suspended, ended or restricted user's postings are taken off the board."""
    return PledgeProfile.objects.filter(
        user_id=user_id, access_state=AccessState.ACTIVE, postings_restricted=False
    ).exists()


def _codes_write(posting: Posting) -> None:
    """The code and keyword indexes of a posting (selectors.board_filtered reads them)."""
    codes = {posting.security_code} if posting.security_code else {c for c in posting.accepted_codes.split(",") if c}
    posting.codes.exclude(code__in=codes).delete()
    PostingCode.objects.bulk_create([PostingCode(posting=posting, code=c) for c in codes], ignore_conflicts=True)
    tokens = selectors.bigrams(posting.search_text)
    posting.tokens.exclude(token__in=tokens).delete()
    PostingToken.objects.bulk_create([PostingToken(posting=posting, token=t) for t in tokens], ignore_conflicts=True)


def _locked(posting: Posting) -> Posting:
    return Posting.objects.select_for_update(of=("self",)).select_related("security", "account").get(pk=posting.pk)


def _own(posting: Posting, user) -> None:
    if posting.owner_id != user.pk:
        raise PledgeError("只有发布用户可以办理此操作。")


# --- user actions -------------------------------------------------------------------------------


@transaction.atomic
def posting_submit(*, user, data: PostingData) -> Posting:
    """信息发布: a new posting waits for review (004 §十一)."""
    profile = selectors.profile_of(user)
    check_may_post(profile)
    fields = _check_data(profile, data)
    now = clock_now()
    posting = Posting(owner=user, status=PostingStatus.PENDING_REVIEW, status_since=now, created_at=now, **fields)
    if posting.side == Side.PLEDGOR:
        check_holdings(posting=posting)
    posting.save()
    _codes_write(posting)
    PostingTransition.objects.create(
        posting=posting, from_state="", to_state=posting.status, actor=user, actor_kind=USER, at=now, reason="提交发布"
    )
    audit_record(actor=user, obj=posting, action="pledge.posting.submit", to_state=posting.status)
    return posting


@transaction.atomic
def posting_edit(*, posting: Posting, user, data: PostingData) -> Posting:
    """004 §十三: editing a published or returned posting sends it back through review."""
    posting = _locked(posting)
    _own(posting, user)
    profile = selectors.profile_of(user)
    check_may_post(profile)
    if data.side != posting.side:
        raise PledgeError("信息类别不能修改，请重新发布。")
    for name, value in _check_data(profile, data).items():
        setattr(posting, name, value)
    if posting.side == Side.PLEDGOR:
        check_holdings(posting=posting)
    posting.save()
    _codes_write(posting)
    if posting.status != PostingStatus.PENDING_REVIEW:
        _move(posting, to_state=PostingStatus.PENDING_REVIEW, actor=user, by=USER, reason="修改后重新提交审核")
    return posting


@transaction.atomic
def posting_set_status(*, posting: Posting, user, to_state: str, reason: str = "") -> Posting:
    """004 §十二: the owner moves 待洽谈 ⇄ 洽谈中, either → 已质押, or ends it (失效) or deletes it."""
    posting = _locked(posting)
    _own(posting, user)
    if to_state not in {
        PostingStatus.OPEN,
        PostingStatus.NEGOTIATING,
        PostingStatus.PLEDGED,
        PostingStatus.EXPIRED,
        PostingStatus.DELETED,
    }:
        raise PledgeError("不支持的状态调整。")
    _move(posting, to_state=to_state, actor=user, by=USER, reason=reason or "用户调整")
    return posting


# --- staff actions ------------------------------------------------------------------------------


@transaction.atomic
def posting_approve(*, posting: Posting, actor) -> Posting:
    """004 §十一: pledgor postings against holdings, lender postings against the rate cap."""
    posting = _locked(posting)
    if posting.side == Side.PLEDGOR:
        check_holdings(posting=posting)
    else:
        check_rate(posting=posting)
    _move(posting, to_state=PostingStatus.OPEN, actor=actor, by=STAFF, reason="审核通过")
    _notify_owner(posting, "您的质押信息已审核通过并发布", f"信息“{posting.title}”已发布，状态为待洽谈。")
    return posting


@transaction.atomic
def posting_return(*, posting: Posting, actor, reason: str) -> Posting:
    """Refused by review (004 §十一) or sent back for correction (004 §四); the reason is required."""
    if not reason.strip():
        raise PledgeError("请填写退回原因。")
    posting = _locked(posting)
    _move(posting, to_state=PostingStatus.RETURNED, actor=actor, by=STAFF, reason=reason.strip())
    _notify_owner(posting, "您的质押信息被退回", f"信息“{posting.title}”被退回：{reason.strip()}")
    return posting


@transaction.atomic
def posting_flag_decide(*, posting: Posting, actor, keep: bool, reason: str) -> Posting:
    """After a failed recheck staff decide: keep it published (flag cleared) or end it (失效)."""
    posting = _locked(posting)
    if posting.flagged_at is None:
        raise PledgeError("该信息没有待处理的核查异常。")
    if not reason.strip():
        raise PledgeError("请填写处理意见。")
    posting.flagged_at, posting.flag_reason = None, ""
    if keep:  # stands until the facts change: the recheck flags it again only on another quantity
        pair = (posting.account_id, posting.security_id)
        posting.kept_free_shares = selectors.pledgeable_many({pair}, selectors.latest_eod_day())[pair]
    posting.save(update_fields=["flagged_at", "flag_reason", "kept_free_shares"])
    if keep:
        audit_record(actor=actor, obj=posting, action="pledge.posting.flag_cleared", reason=reason)
    else:
        _move(posting, to_state=PostingStatus.EXPIRED, actor=actor, by=STAFF, reason=reason)
        _notify_owner(posting, "您的质押信息已失效", f"信息“{posting.title}”经核查已失效：{reason}")
    return posting


@transaction.atomic
def posting_pledged_by_registration(*, posting_id: int, application) -> None:
    """The counter finished the pledge registration started from this posting (004 §十七)."""
    posting = Posting.objects.select_for_update().filter(pk=posting_id).first()
    if posting is not None and posting.status in PUBLISHED:
        _move(
            posting,
            to_state=PostingStatus.PLEDGED,
            actor=None,
            by=SYSTEM,
            reason=f"质押登记申请 {application.reference} 已办结",
        )


@transaction.atomic
def posting_archive(*, posting: Posting, user) -> Posting:
    """The owner files away a posting that reached 已质押 or 失效: it leaves 已提交信息管理."""
    posting = _locked(posting)
    _own(posting, user)
    if posting.status not in (PostingStatus.PLEDGED, PostingStatus.EXPIRED):
        raise PledgeError("只有“已质押”或“失效”的信息可以归档。")
    if posting.archived_at is None:
        posting.archived_at = clock_now()
        posting.save(update_fields=["archived_at"])
        audit_record(actor=user, obj=posting, action="pledge.posting.archive")
    return posting


@transaction.atomic
def posting_pledged_by_pledge(*, posting_id: int, pledge) -> None:
    """The depository registered the pledge started from this posting (004 §十七, csdp.restrictions):
    it reaches 已质押, leaves the board, and its reservation of shares ends with it."""
    posting = Posting.objects.select_for_update().filter(pk=posting_id).first()
    if posting is not None and posting.status in PUBLISHED:
        _move(posting, to_state=PostingStatus.PLEDGED, actor=None, by=SYSTEM, reason=f"质押登记 {pledge.number} 已登记")


def _notify_owner(posting: Posting, subject: str, body: str) -> None:
    notify_user(user=posting.owner, subject=subject, body=body, purpose="pledge.posting")
