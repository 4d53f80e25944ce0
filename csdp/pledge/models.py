"""Pledge board data: users' profiles, the rule tables staff edit, postings and their history,
private messages, reports and moderation records (seed 004)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.lib.statemachine import TransitionRow
from csdp.pledge.states import BOARD, MACHINE, PostingStatus
from csdp.securities.models import SecurityKind


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class ProfileKind(models.TextChoices):
    INVESTOR = "investor", "证券账户投资者"  # 004 §六(一): registered with an account here
    LENDER = "lender", "资金出借方"  # 004 §六(二): applied with materials, approved by staff


class AccessState(models.TextChoices):
    ACTIVE = "active", "正常"  # may use the board
    SUSPENDED = "suspended", "已暂停"  # 004 §四: access suspended by the depository; may be restored
    ENDED = "ended", "已终止"  # 004 §四: access ended; final


class ProfileQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        return self.filter(user=user) if user.is_authenticated else self.none()


class PledgeProfile(models.Model):
    """One board user. 基本信息 (name, identity, account) is fixed at registration and read-only
    here; 业务平台信息 is filled in before the first posting and kept up to date (004 §七)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledge_profile")
    kind = models.CharField("用户类别", max_length=10, choices=ProfileKind.choices)
    investor = models.OneToOneField(
        "securities.Investor",
        verbose_name="投资者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledge_profile",
    )
    name = models.CharField("名称", max_length=200)
    id_type = models.CharField("证件类型", max_length=12)
    id_number = models.CharField("证件号码", max_length=30)
    # 业务平台信息 (004 §七)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    region = models.CharField("所在地区", max_length=100, blank=True)
    business_intro = models.TextField("业务简介", max_length=1000, blank=True)
    platform_info_at = models.DateTimeField("业务平台信息填写时间", null=True, blank=True)
    # 004 §四 moderation
    access_state = models.CharField("使用权限", max_length=10, choices=AccessState.choices, default=AccessState.ACTIVE)
    postings_restricted = models.BooleanField("发布受限", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "质押信息平台用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ProfileKind.LENDER) | Q(investor__isnull=False),
                name="pledge_investor_profile_has_investor",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def platform_info_complete(self) -> bool:
        return self.platform_info_at is not None


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "待审核"  # submitted with materials (004 §六(二))
    APPROVED = "approved", "已通过"  # user and profile created; final
    REJECTED = "rejected", "未通过"  # refused with the reason; final (a new application may follow)


APPLICATION_TRANSITIONS = {
    ApplicationStatus.PENDING: frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}


class LenderApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if _is_staff(user) else self.none()


class LenderApplication(models.Model):
    """A would-be lender without a securities account applies with materials (004 §六(二))."""

    name = models.CharField("机构或个人名称", max_length=200)
    id_type = models.CharField("证件类型", max_length=12)
    id_number = models.CharField("证件号码", max_length=30)
    username = models.CharField("拟用用户名", max_length=150)
    mobile = models.CharField("手机号码", max_length=11)
    email = models.EmailField("电子邮箱")
    materials = models.ManyToManyField("uploads.StoredFile", verbose_name="申请材料", related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("审核意见", max_length=500, blank=True)
    profile = models.OneToOneField(PledgeProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = LenderApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "资金出借方使用申请"
        ordering = ["-created_at"]


class StaffOnlyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if _is_staff(user) else self.none()


class LprRate(models.Model):
    """贷款市场报价利率 (one-year LPR) as published; the rate cap follows the one in force (rules.md §9)."""

    effective_date = models.DateField("生效日期", unique=True)
    one_year_bp = models.PositiveIntegerField("一年期LPR（基点）")  # 3.00% = 300
    source = models.CharField("来源", max_length=200)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "贷款市场报价利率"
        ordering = ["-effective_date"]


class BoardSettings(models.Model):
    """One row: the rate-cap multiple (rules.md §9: 4 × one-year LPR by default)."""

    rate_cap_multiple = models.DecimalField("利率上限倍数", max_digits=4, decimal_places=2, default=4)
    # Issue 17 / docs/pledge-board.md: whether 限售 lots count as pledgeable on the board. 004 §十 names
    # frozen and already pledged shares (and collateral) as excluded, not restricted ones, and the market
    # registers pledges of restricted shares routinely; off by default so the board keeps its rule until
    # staff decide.
    restricted_pledgeable = models.BooleanField("限售股份可列入可质押数量", default=False)
    updated_at = models.DateTimeField(auto_now=True)


class EligibleKind(models.Model):
    """The allow-list of pledgeable security kinds per market (004 §九), edited by staff."""

    market = models.CharField("市场", max_length=4)
    kind = models.CharField("证券类别", max_length=10)
    note = models.CharField("依据", max_length=200, blank=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "可发布证券种类"
        ordering = ["market", "kind"]
        constraints = [models.UniqueConstraint(fields=["market", "kind"], name="pledge_eligible_kind_unique")]


class Side(models.TextChoices):
    PLEDGOR = "pledgor", "出质人"  # 004 §八: 出质人信息发布 — has securities, wants funds
    LENDER = "lender", "质权人"  # 004 §八: 质权人信息发布 — has funds to lend


class PostingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Details: staff see all; a user sees their own postings (not deleted), and others' board
        postings only while they have a published posting within validity (004 §十四)."""
        if _is_staff(user):
            return self
        if not user.is_authenticated:
            return self.none()
        from csdp.pledge.selectors import has_valid_posting  # here: the selectors import these models

        own = Q(owner=user) & ~Q(status=PostingStatus.DELETED)
        if not has_valid_posting(user):
            return self.filter(own)
        return self.filter(own | Q(listed=True))


class Posting(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledge_postings")
    side = models.CharField("信息类别", max_length=8, choices=Side.choices)
    status = models.CharField(
        "状态", max_length=16, choices=PostingStatus.choices, default=PostingStatus.PENDING_REVIEW
    )
    status_since = models.DateTimeField()
    # Pledgor: the securities offered, from the owner's own holdings (004 §九, §十).
    account = models.ForeignKey(
        "securities.SecuritiesAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    security = models.ForeignKey(
        "securities.Security", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity_shares = models.BigIntegerField("质押数量（股）", null=True, blank=True)
    # Copied from the security so that browsing filters on one table (004 §十四, bench/pledge_browse.py).
    security_code = models.CharField("证券代码", max_length=6, blank=True)
    security_kind = models.CharField("证券类别", max_length=10, blank=True, choices=SecurityKind.choices)
    # Lender: what it accepts (comma-separated kinds and codes; empty = any).
    accepted_kinds = models.CharField("可接受证券类别", max_length=100, blank=True)
    accepted_codes = models.CharField("可接受证券代码", max_length=200, blank=True)
    amount_fen = models.BigIntegerField("金额（分）")  # pledgor: wanted; lender: available
    term_months = models.PositiveSmallIntegerField("期限（月）")
    rate_min_bp = models.PositiveIntegerField("年利率下限（基点）")  # lender: equal to rate_max_bp
    rate_max_bp = models.PositiveIntegerField("年利率上限（基点）")
    valid_until = models.DateField("有效期至")
    title = models.CharField("标题", max_length=60)
    description = models.TextField("补充说明", max_length=2000, blank=True)
    search_text = models.CharField(max_length=300, blank=True)  # title + code + name, for the keyword filter
    # On the board: status in BOARD and the owner neither suspended, ended nor restricted (004 §四, §十四).
    # Kept by services._move and moderation, so that browsing reads one table through partial indexes.
    listed = models.BooleanField("在信息平台展示", default=False)
    flagged_at = models.DateTimeField("核查异常时间", null=True, blank=True)  # 004 §十一 daily recheck
    # A staff 保留 decision stands until the facts change: the pledgeable quantity it was taken on.
    kept_free_shares = models.BigIntegerField("保留时可质押数量", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)  # 已质押 / 失效, archived by the owner
    flag_reason = models.CharField("核查异常", max_length=300, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    review_reason = models.CharField("退回原因", max_length=500, blank=True)
    created_at = models.DateTimeField()

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = "质押供需信息"
        ordering = ["-published_at", "-id"]
        indexes = [
            # Browsing (bench/pledge_browse.py): partial indexes over listed postings, one per sort key;
            # a filter either narrows through its own index or is checked while walking the sort index.
            models.Index(
                fields=["-published_at", "-id", "search_text"], name="pledge_listed_recent", condition=Q(listed=True)
            ),
            models.Index(fields=["amount_fen", "id"], name="pledge_listed_amount", condition=Q(listed=True)),
            models.Index(fields=["rate_min_bp", "id"], name="pledge_listed_rate", condition=Q(listed=True)),
            models.Index(fields=["term_months", "id"], name="pledge_listed_term", condition=Q(listed=True)),
            models.Index(fields=["status", "-published_at"], name="pledge_listed_status", condition=Q(listed=True)),
            models.Index(fields=["status", "valid_until"], name="pledge_status_validity"),
            models.Index(fields=["owner", "status", "valid_until"], name="pledge_owner_valid"),
            # The staff review queue (pledge/worklists.py), oldest first: a few thousand rows of a 100k
            # board, read and counted without touching the rest.
            models.Index(
                fields=["status_since", "id"],
                name="pledge_review_queue",
                condition=Q(status="pending_review") | Q(flagged_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(condition=Q(listed=False) | Q(status__in=BOARD), name="pledge_listed_only_on_board"),
            models.CheckConstraint(condition=Q(rate_min_bp__lte=models.F("rate_max_bp")), name="pledge_rate_range"),
            models.CheckConstraint(
                condition=Q(side=Side.LENDER) | Q(security__isnull=False, account__isnull=False, quantity_shares__gt=0),
                name="pledge_pledgor_names_securities",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class PostingCode(models.Model):
    """The securities codes a posting is about: the pledgor's code, or each code a lender accepts —
    so that the code filter is one indexed lookup for both sides."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=6)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "posting"], name="pledge_posting_code_unique")]


class PostingToken(models.Model):
    """Character bigrams of a posting's search text: the keyword filter's index. Chinese has no
    spaces and keywords are often two characters, which trigram indexes (pg_trgm, FTS5) cannot
    serve; bigrams can, on both databases (bench/pledge_browse.py)."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "posting"], name="pledge_posting_token_unique")]


class PostingTransition(TransitionRow):
    """Append-only (in the database too): one row per status change (who, when, from, to, why);
    ``actor_kind`` says who by the machine's actors: user | staff | system."""

    machine = MACHINE
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["id"]


from csdp.pledge.models_social import Message, ModerationAction, ModerationKind, Report, ReportStatus, Thread  # noqa: E402,F401


class HolderConfirmationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff, and the custody participant of the account (only its own clients' requests)."""
        if _is_staff(user):
            return self
        if not user.is_authenticated or not user.institution_id:
            return self.none()
        return self.filter(participant__institution_id=user.institution_id)


class HolderConfirmation(models.Model):
    """004 §六(一): an account holder without a mobile on file registers by asking the participant
    that custodies the account to confirm it is theirs (``ApplicationStatus``: 待审核 → 已通过 / 未通过).
    Confirming creates the board user; the temporary password goes by SMS to the mobile given here."""

    account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey("securities.ParticipantProfile", on_delete=models.PROTECT, related_name="+")
    username = models.CharField("拟用用户名", max_length=150)
    mobile = models.CharField("手机号码", max_length=11)
    email = models.EmailField("电子邮箱", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("说明", max_length=500, blank=True)
    profile = models.ForeignKey(PledgeProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = HolderConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = "账户持有人注册确认"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(status="pending"), name="pledge_one_pending_holder_confirmation"
            )
        ]
