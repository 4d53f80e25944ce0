"""The securities master and the parties who hold or service securities.

Security rows are never renamed in place: a code switch (NEEQ 833819 → BSE 920819) creates the
new Security, marks the old one switched and records the pair in SecurityCodeChange, because the
mapping is an explicit table, not a formula (rules.md §5).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from csdp.accounts.roles import InstitutionKind
from csdp.lib.ids import resident_id_problem, uscc_problem
from csdp.lib.statemachine import Machine, TransitionRow


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class SecurityKind(models.TextChoices):
    STOCK = "stock", "股票"
    BOND = "bond", "债券"
    FUND = "fund", "基金"
    ASSET_MANAGEMENT_PLAN = "amp", "资产管理计划"
    OTHER = "other", "其他"


class Market(models.TextChoices):
    BSE = "BSE", "北京证券交易所"
    NEEQ = "NEEQ", "全国中小企业股份转让系统"
    SSE = "SSE", "上海证券交易所"
    SZSE = "SZSE", "深圳证券交易所"


class SecurityStatus(models.TextChoices):
    PENDING = "pending", "待上市"  # registered before listing (IPO shares between T+2 and L)
    LISTED = "listed", "上市/挂牌"  # traded; positions may move
    SUSPENDED = "suspended", "停牌"  # listed but not traded; registration continues
    SWITCHED = "switched", "已转换代码"  # code replaced by a SecurityCodeChange; no new positions
    DELISTED = "delisted", "已退出登记"  # removed from the register


# The one place that says which status changes are allowed (securities.services.security_status_change).
SECURITY_MACHINE = Machine(
    SecurityStatus,
    {
        SecurityStatus.PENDING: {
            SecurityStatus.LISTED,
            SecurityStatus.DELISTED,
        },  # listing day; or a failed issue (002 ch. 5)
        SecurityStatus.LISTED: {SecurityStatus.SUSPENDED, SecurityStatus.SWITCHED, SecurityStatus.DELISTED},
        SecurityStatus.SUSPENDED: {SecurityStatus.LISTED, SecurityStatus.SWITCHED, SecurityStatus.DELISTED},
    },
)
SECURITY_TRANSITIONS = SECURITY_MACHINE.transitions


class SecurityQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The securities master is public market information for every signed-in user.
        return self if user.is_authenticated else self.none()


class Security(models.Model):
    code = models.CharField("证券代码", max_length=6, unique=True)
    name = models.CharField("证券简称", max_length=40)
    kind = models.CharField("证券类别", max_length=10, choices=SecurityKind.choices, default=SecurityKind.STOCK)
    market = models.CharField("市场", max_length=4, choices=Market.choices)
    status = models.CharField("状态", max_length=10, choices=SecurityStatus.choices, default=SecurityStatus.LISTED)
    issuer = models.ForeignKey(
        "accounts.Institution",
        verbose_name="发行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="securities",
    )
    # 登记股本: the registered share capital in shares (rules.md §11). Null until the security's first
    # registration; the register moves it with every issuing event and checks Σ positions = it
    # (csdp.register.capital.register_check).
    issued_shares = models.BigIntegerField("登记股本（股）", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SecurityQuerySet.as_manager()

    class Meta:
        verbose_name = "证券"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="security_code_six_digits"),
            models.CheckConstraint(condition=Q(issued_shares__gte=0), name="security_issued_shares_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SecurityTransition(TransitionRow):
    """One row per status change of a security (who, when, from, to, why); written only by
    securities.services.security_status_change, never edited."""

    machine = SECURITY_MACHINE
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="transitions")

    objects = SecurityQuerySet.as_manager()

    class Meta:
        verbose_name = "证券状态变更"
        ordering = ["at", "id"]


class SecurityCodeChangeQuerySet(SecurityQuerySet):
    pass


class SecurityCodeChange(models.Model):
    """One row of the NEEQ → BSE mapping table (rules.md §5): never derived by formula alone."""

    old_code = models.CharField("原证券代码", max_length=6, unique=True)
    new_code = models.CharField("新证券代码", max_length=6, unique=True)
    effective_date = models.DateField("生效日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    # Set when security_code_switch has moved the register; null while only announced.
    applied_at = models.DateTimeField("已执行时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SecurityCodeChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "证券代码变更"
        ordering = ["effective_date", "old_code"]
        constraints = [
            models.CheckConstraint(condition=~Q(old_code=models.F("new_code")), name="code_change_differs"),
        ]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code}"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    USCC = "uscc", "统一社会信用代码"
    PASSPORT = "passport", "护照"
    OTHER = "other", "其他证件"


class HolderNature(models.TextChoices):
    # rules.md §8 股东性质 (Shenzhen share-change file convention, C2).
    STATE = "01", "国有"
    DOMESTIC_LEGAL = "02", "境内一般法人"
    DOMESTIC_NATURAL = "03", "境内自然人"
    FOREIGN_LEGAL = "04", "境外法人"
    FOREIGN_NATURAL = "05", "境外自然人"
    OTHER = "06", "其他"


NATURAL_PERSONS = {HolderNature.DOMESTIC_NATURAL, HolderNature.FOREIGN_NATURAL}


class InvestorQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Investors' identities are personal data: staff only (the pledge board links users itself).
        return self if _is_staff(user) else self.none()


class Investor(models.Model):
    ymt_number = models.CharField("一码通账户号码", max_length=12, unique=True)
    name = models.CharField("投资者名称", max_length=200)
    id_type = models.CharField("证件类型", max_length=12, choices=IdType.choices)
    id_number = models.CharField("证件号码", max_length=30)
    holder_type = models.CharField("股东性质", max_length=2, choices=HolderNature.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the name or ID last changed (investor_update): a 持有人名册 snapshot re-reads the names of
    # investors updated after it was taken (csdp.register.roster_snapshot). db_default: bulk loads.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)

    objects = InvestorQuerySet.as_manager()

    class Meta:
        verbose_name = "投资者"
        ordering = ["ymt_number"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="investor_identity_unique"),
            models.CheckConstraint(condition=Q(ymt_number__regex=r"^[0-9]{12}$"), name="investor_ymt_twelve_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.ymt_number}）"

    def clean(self) -> None:
        problem = None
        if self.id_type == IdType.RESIDENT_ID:
            problem = resident_id_problem(self.id_number)
        elif self.id_type == IdType.USCC:
            problem = uscc_problem(self.id_number)
        if problem:
            raise ValidationError({"id_number": problem})

    @property
    def is_natural_person(self) -> bool:
        return self.holder_type in NATURAL_PERSONS


class AccountStatus(models.TextChoices):
    NORMAL = "normal", "正常"  # may receive and deliver
    DORMANT = "dormant", "休眠"  # 不合格/休眠账户: holdings kept, no new business
    CLOSED = "closed", "已注销"  # no holdings left; kept for history


class SecuritiesAccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if _is_staff(user) else self.none()


class SecuritiesAccount(models.Model):
    number = models.CharField("证券账户号码", max_length=10, unique=True)
    investor = models.ForeignKey(Investor, verbose_name="投资者", on_delete=models.PROTECT, related_name="accounts")
    market = models.CharField("市场", max_length=4, choices=Market.choices)
    status = models.CharField("状态", max_length=10, choices=AccountStatus.choices, default=AccountStatus.NORMAL)
    custody_unit = models.ForeignKey(
        "securities.CustodyUnit",
        verbose_name="托管单元",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    # The mobile the custody participant keeps on file for the account holder: a code sent there
    # proves control of the account (seed 004 §六(一), self-registration on the pledge board).
    mobile = models.CharField(
        "预留手机号码",
        max_length=11,
        blank=True,
        default="",
        db_default="",  # bulk loads (COPY) of accounts that name no mobile get the empty one
        validators=[RegexValidator(r"^1\d{10}$", "手机号码应为以 1 开头的 11 位数字。")],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SecuritiesAccountQuerySet.as_manager()

    class Meta:
        verbose_name = "证券账户"
        ordering = ["number"]
        # The closed accounts are few among millions: the dividend's pay and list dates look for them on
        # every run (10M accounts: a scan of the whole table each time without this index).
        indexes = [models.Index(fields=["id"], condition=Q(status="closed"), name="account_closed")]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^[0-9A-Z]{10}$"), name="account_number_ten_chars"),
        ]

    def __str__(self) -> str:
        return self.number


class ParticipantProfileQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(institution_id=user.institution_id)
        return self.none()


class ParticipantProfile(models.Model):
    institution = models.OneToOneField(
        "accounts.Institution",
        verbose_name="结算参与人",
        on_delete=models.PROTECT,
        related_name="participant_profile",
        limit_choices_to={"kind": InstitutionKind.PARTICIPANT},
    )
    code = models.CharField("结算参与人代码", max_length=10, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParticipantProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "结算参与人资料"

    def __str__(self) -> str:
        return f"{self.code} {self.institution.name}"

    def clean(self) -> None:
        if self.institution_id and self.institution.kind != InstitutionKind.PARTICIPANT:
            raise ValidationError({"institution": "只有结算参与人机构可以登记结算参与人资料。"})


class CustodyUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(participant__institution_id=user.institution_id)
        return self.none()


class CustodyUnit(models.Model):
    """托管单元 (rules.md §8: 席位 C6): where a participant keeps its clients' securities."""

    code = models.CharField("托管单元代码", max_length=6, unique=True)
    participant = models.ForeignKey(
        ParticipantProfile, verbose_name="结算参与人", on_delete=models.PROTECT, related_name="custody_units"
    )
    name = models.CharField("名称", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustodyUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "托管单元"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
