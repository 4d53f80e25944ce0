"""The issuer's T-1 share-registration application (002 §2.1.1(二)): the lock-up shareholders the
exchange requires, kept per offering once the counter application is finished."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from csdp.ipo.models.offering import Offering


class LockupShareholder(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="lockups")
    account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    shares = models.BigIntegerField("限售股数")
    lockup_end = models.DateField("限售截止日")
    application_id = models.BigIntegerField("虚拟柜台申请编号")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offering", "account"], name="lockup_once_per_account"),
            models.CheckConstraint(condition=Q(shares__gt=0), name="lockup_shares_positive"),
        ]
