"""Failure or suspension of an offering (seed 002 第五章) and what was done about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.ipo.models.offering import Offering


class StopStage(models.TextChoices):
    """When the exchange's confirmation came, which decides every consequence (002 §5.1–5.3)."""

    BEFORE_T_EOD = "5.1", "T日日终前确认"
    BEFORE_T1_EOD = "5.2", "T日日终至T+1日日终前确认"
    BEFORE_LISTING = "5.3", "T+1日日终起至完成上市手续前"


class StopKind(models.TextChoices):
    FAILED = "failed", "发行失败"
    SUSPENDED = "suspended", "中止发行"


class OfferingStop(models.Model):
    """The exchange's confirmation of a failure or suspension, as staff recorded it. One per offering:
    a stopped offering is final (the state machine has no way out of 发行失败 / 中止发行)."""

    offering = models.OneToOneField(Offering, on_delete=models.PROTECT, related_name="stop")
    kind = models.CharField("类别", max_length=10, choices=StopKind.choices)
    stage = models.CharField("阶段", max_length=3, choices=StopStage.choices)
    confirmed_at = models.DateTimeField("北交所确认时间")
    reference = models.CharField("确认文件编号", max_length=60)
    reason = models.CharField("原因", max_length=300)
    status_before = models.CharField("确认时的发行状态", max_length=16)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "发行失败或中止"

    def __str__(self) -> str:
        return f"{self.offering.code} {self.get_kind_display()}（{self.stage}）"


class RefundItem(models.TextChoices):
    INTEREST = "interest", "返还冻结资金利息"  # 002 §5.2, §5.3
    PRINCIPAL = "principal", "返还认购资金本金"  # 002 第五章 "涉及返还投资者本金和利息的"
    CANCELLATION = "cancellation", "注销已登记到账股份"  # 002 第五章, §5.3


class StopRefund(models.Model):
    """One item carried out on the issuer's / lead underwriter's counter application. Each item is done
    at most once per offering (the unique constraint), so a second application cannot pay twice."""

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="stop_refunds")
    item = models.CharField("事项", max_length=12, choices=RefundItem.choices)
    application = models.ForeignKey("counter.Application", on_delete=models.PROTECT, related_name="+")
    annual_rate = models.DecimalField("年利率（%）", max_digits=7, decimal_places=4, null=True, blank=True)
    day_count = models.PositiveSmallIntegerField("计息基础（天/年）", null=True, blank=True)
    interest_from = models.DateField("计息起日", null=True, blank=True)
    interest_to = models.DateField("计息止日（不含）", null=True, blank=True)
    amount_fen = models.BigIntegerField("金额（分）", default=0)
    shares = models.BigIntegerField("股数", default=0)
    participants = models.PositiveIntegerField("结算参与人数", default=0)
    orders = models.BigIntegerField("明细笔数", default=0)
    done_at = models.DateTimeField()

    class Meta:
        verbose_name = "中止发行退款与注销"
        ordering = ["done_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "item"], name="stop_refund_once"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0, shares__gte=0), name="stop_refund_not_negative"),
        ]
