from __future__ import annotations

from django.conf import settings
from django.db import models


class ClosedDay(models.Model):
    """A weekday on which the exchanges are closed (holidays and the 调休 days around them).

    Weekends are always closed and are not stored (rules.md §6: 调休 make-up working weekends are
    closed for trading too). Editable by the administrator.
    """

    date = models.DateField("休市日", unique=True)
    reason = models.CharField("原因", max_length=50)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()

    class Meta:
        ordering = ["date"]
        verbose_name = "休市日"

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class BusinessClock(models.Model):
    """The single row that shifts or freezes the business clock in demo and tests.

    Production never has a row with effect: settings.CSDP_CLOCK_SETTABLE is off there and
    clock_now() ignores this table.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # now = real time + offset, unless frozen_at is set (then now = frozen_at).
    offset_s = models.BigIntegerField(default=0)
    frozen_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="business_clock_single_row")]


class CalendarYear(models.Model):
    """A year whose closed days an administrator has loaded: the trading calendar answers for these
    years only (beyond them a holiday would silently count as a trading day)."""

    year = models.PositiveSmallIntegerField("年度", primary_key=True)
    source = models.CharField("来源", max_length=200)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "已维护的日历年度"

    def __str__(self) -> str:
        return f"{self.year}（{self.source}）"
