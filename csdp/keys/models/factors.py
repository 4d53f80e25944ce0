"""A staff user's one-time-password second factor (issue 20 §1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffFactor(models.Model):
    """The TOTP secret of one staff user. ``confirmed_at`` is set when the user proved, with a code
    from the app, that the secret is installed; until then only an open enrolment window
    (``enrol_until``: a new account, or a reset approved by two administrators) lets them set it up.
    The secret is stored encrypted (csdp.keys.factors); ``last_step`` refuses a code used twice."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_factor")
    secret_encrypted = models.TextField(blank=True)
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    enrol_until = models.DateTimeField("可设置至", null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "工作人员二次验证"
