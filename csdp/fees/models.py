"""Fee schedule, payment notices, payments and invoices (002 §2.1.2(五)(九), §2.2.3; rules.md §7).

Money is stored as integer fen; rates are Decimal (see money.py). Schedule rows are versions:
a change closes the version in force and adds a new one, so a past notice can be recomputed
from the version that applied on its date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.fees.states import NOTICE_MACHINE, NoticeStatus
from csdp.lib.statemachine import TransitionRow


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class FeeBase(models.TextChoices):
    SHARES = "shares", "按股数"  # fee (yuan) = shares × rate ‰
    AMOUNT = "amount_fen", "按金额"  # fee = amount × rate ‰
    FIXED = "fixed", "固定金额"  # fee (yuan) = rate × number of items


RATE_UNITS = {FeeBase.SHARES: "‰ × 股数（元）", FeeBase.AMOUNT: "‰ × 金额", FeeBase.FIXED: "元/笔"}


class PayerKind(models.TextChoices):
    ISSUER = "issuer", "发行人"
    UNDERWRITER = "underwriter", "主承销商"
    INVESTOR = "investor", "投资者"


class FeeScheduleQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if user.is_authenticated else self.none()

    def in_force(self, code: str, on):
        return self.filter(code=code, effective_from__lte=on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=on)
        )


class FeeSchedule(models.Model):
    """One version of one fee item. rules.md §7: the real Beijing schedule is not public, so seeded
    rows carry is_example=True and every page shows them as 示例费率."""

    code = models.SlugField("收费项目代码", max_length=40)
    name = models.CharField("收费项目", max_length=60)
    base = models.CharField("计费基数", max_length=12, choices=FeeBase.choices)
    rate = models.DecimalField("费率", max_digits=18, decimal_places=6)
    minimum_fen = models.BigIntegerField("最低收费（分）", default=0)
    cap_fen = models.BigIntegerField("最高收费（分）", null=True, blank=True)
    payer = models.CharField("缴费方", max_length=12, choices=PayerKind.choices)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)  # inclusive; empty: open-ended
    is_example = models.BooleanField("示例费率", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FeeScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = "收费标准"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="fee_schedule_one_version_per_day"),
            models.CheckConstraint(condition=Q(rate__gte=0, minimum_fen__gte=0), name="fee_schedule_not_negative"),
            models.CheckConstraint(
                condition=Q(cap_fen__isnull=True) | Q(cap_fen__gte=models.F("minimum_fen")),
                name="fee_schedule_cap_above_minimum",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="fee_schedule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from}）"

    @property
    def rate_unit(self) -> str:
        return RATE_UNITS[FeeBase(self.base)]


class PaymentNoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(payer_id=user.institution_id)
        return self.none()


class PaymentNotice(models.Model):
    """付款通知 (002 §2.1.2(五)1). ``reference_*`` point at what is charged for (an offering, a
    greenshoe registration …) without a foreign key, so any app can bill through this one."""

    number = models.CharField("通知编号", max_length=20, unique=True)
    payer = models.ForeignKey(
        "accounts.Institution", verbose_name="缴费机构", on_delete=models.PROTECT, related_name="fee_notices"
    )
    reference_type = models.CharField("业务类型", max_length=40)  # e.g. "ipo.offering"
    reference_id = models.CharField("业务编号", max_length=40)
    reference_label = models.CharField("业务", max_length=200)
    due_date = models.DateField("缴费截止日")
    total_fen = models.BigIntegerField("应缴金额（分）")
    status = models.CharField("状态", max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED)
    issued_on = models.DateField("出具日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaymentNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "付款通知"
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["reference_type", "reference_id"]), models.Index(fields=["status"])]
        constraints = [models.CheckConstraint(condition=Q(total_fen__gt=0), name="fee_notice_total_positive")]

    def __str__(self) -> str:
        return self.number


class PaymentNoticeLine(models.Model):
    notice = models.ForeignKey(PaymentNotice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="+")
    item_code = models.SlugField(max_length=40)
    item_name = models.CharField("收费项目", max_length=60)
    base = models.CharField(max_length=12, choices=FeeBase.choices)
    base_value = models.BigIntegerField("计费基数")  # shares, fen or a count, per ``base``
    rate = models.DecimalField(max_digits=18, decimal_places=6)
    amount_fen = models.BigIntegerField("金额（分）")
    exempt_reason = models.CharField("免收依据", max_length=40, blank=True)
    is_example = models.BooleanField(default=False)

    class Meta:
        ordering = ["notice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="fee_line_position_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0, base_value__gte=0), name="fee_line_not_negative"),
        ]


class NoticeTransition(TransitionRow):
    """Append-only (in the database too): one row per state change of a payment notice."""

    machine = NOTICE_MACHINE
    notice = models.ForeignKey(PaymentNotice, on_delete=models.PROTECT, related_name="transitions")
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]


class PaymentDeclaration(models.Model):
    """The payer's signed statement 已付款 (bank reference, amount): it tells staff what to look for
    on the bank statement; only staff recording the receipt moves the notice."""

    notice = models.ForeignKey(PaymentNotice, on_delete=models.CASCADE, related_name="declarations")
    amount_fen = models.BigIntegerField("付款金额（分）")
    bank_reference = models.CharField("银行流水号", max_length=60)
    paid_on = models.DateField("付款日期")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Payment(models.Model):
    """Money received for a notice, recorded by staff; the bank reference makes it idempotent."""

    notice = models.ForeignKey(PaymentNotice, on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.BigIntegerField("到账金额（分）")
    bank_reference = models.CharField("银行流水号", max_length=60, unique=True)
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField("到账日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="fee_payment_positive")]


class DeliveryMethod(models.TextChoices):
    MAIL = "mail", "邮寄"  # paper special invoice, mailed to the address in the VAT info (002 §2.1.2(五)2)
    EMAIL = "email", "电子邮件"  # electronic ordinary invoice, sent to the e-mail in the VAT info


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(notice__payer_id=user.institution_id)
        return self.none()


class Invoice(models.Model):
    """The invoice as issued. The payer's fields are copied from the VAT invoice info in force on the
    day of issue, so a later change of that info never alters an issued invoice."""

    notice = models.OneToOneField(PaymentNotice, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField("发票号码", max_length=20, unique=True)
    invoice_type = models.CharField("发票类型", max_length=20)  # csdp.issuers.choices.InvoiceType
    invoice_type_label = models.CharField(max_length=40)
    taxpayer_type_label = models.CharField("纳税人类型", max_length=20)
    delivery = models.CharField("交付方式", max_length=8, choices=DeliveryMethod.choices)
    total_fen = models.BigIntegerField("价税合计（分）")
    net_fen = models.BigIntegerField("金额（分）")
    tax_fen = models.BigIntegerField("税额（分）")
    tax_rate = models.DecimalField("税率", max_digits=6, decimal_places=4)
    title = models.CharField("购买方名称", max_length=200)
    taxpayer_id = models.CharField("纳税人识别号", max_length=20)
    address_phone = models.CharField("地址、电话", max_length=300)
    bank_account = models.CharField("开户行及账号", max_length=300)
    email = models.EmailField("电子邮箱", blank=True)
    securities_code = models.CharField("证券代码", max_length=6)
    invoice_info = models.ForeignKey("issuers.InvoiceInfo", on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField("开票日期")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "发票"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_fen=models.F("net_fen") + models.F("tax_fen")),
                name="fee_invoice_total_is_net_plus_tax",
            )
        ]


class NumberSequence(models.Model):
    """Gap-free yearly counters for notice and invoice numbers (row-locked when drawn)."""

    name = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="fee_sequence_unique")]
