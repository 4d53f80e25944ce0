"""The issuer's T+2 filings (002 §2.1.2(一)–(三)): 余股, 战略配售 and 网下发行 details, validated
against the register, listed back as the 申报明细清单 and confirmed (signed) by the issuer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.ipo.models.offering import Offering


class FilingKind(models.TextChoices):
    REMAINDER = "remainder", "余股明细"  # 002 §2.1.2(一): the lead underwriter's unsold shares (包销)
    STRATEGIC = "strategic", "战略配售股份明细"  # §2.1.2(二)
    OFFLINE = "offline", "网下发行股份明细"  # §2.1.2(三)


class FilingStatus(models.TextChoices):
    VALIDATED = "validated", "已校验，待确认"  # the file passed every check; the 申报明细清单 is shown
    CONFIRMED = "confirmed", "发行人已确认"  # the issuer confirmed the list (signed): registration uses it
    RETURNED = "returned", "已退回更正"  # staff returned a confirmed list before registration; the issuer files again
    REPLACED = "replaced", "已被替换"  # a later upload of the same kind took its place; kept with its rows (final)


# A new upload replaces a validated or returned filing: the new one is a new row, the old one stays as
# replaced (a correction is a new row, never a delete); a confirmed one only staff can return.
FILING_TRANSITIONS = {
    FilingStatus.VALIDATED: {FilingStatus.CONFIRMED, FilingStatus.REPLACED},
    FilingStatus.CONFIRMED: {FilingStatus.RETURNED},
    FilingStatus.RETURNED: {FilingStatus.REPLACED},
    FilingStatus.REPLACED: set(),
}


class DetailFilingQuerySet(models.QuerySet):
    def live(self):
        """The filing of each kind that counts: every one but those a later upload replaced."""
        return self.exclude(status=FilingStatus.REPLACED)

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.staff_role:
            return self
        return self.filter(offering__issuer_id=user.institution_id) if user.institution_id else self.none()


class DetailFiling(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="filings")
    kind = models.CharField(max_length=10, choices=FilingKind.choices)
    status = models.CharField(max_length=10, choices=FilingStatus.choices, default=FilingStatus.VALIDATED)
    source = models.ForeignKey("uploads.StoredFile", on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField()
    total_shares = models.BigIntegerField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = DetailFilingQuerySet.as_manager()

    class Meta:
        constraints = [
            # One live filing per kind: a new upload replaces a validated one; a confirmed one is final.
            models.UniqueConstraint(
                fields=["offering", "kind"], condition=~Q(status="replaced"), name="filing_one_live_per_kind"
            ),
            models.CheckConstraint(condition=Q(total_shares__gt=0), name="filing_shares_positive"),
        ]


class PlacementDetail(models.Model):
    """One row of a filing, as validated (account resolved against the register)."""

    filing = models.ForeignKey(DetailFiling, on_delete=models.CASCADE, related_name="details")
    line = models.PositiveIntegerField()
    account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    account_name = models.CharField(max_length=200)
    id_number = models.CharField(max_length=30)
    shares = models.BigIntegerField()
    share_nature = models.CharField(max_length=2)
    custody_unit = models.CharField(max_length=6)
    lockup_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [models.CheckConstraint(condition=Q(shares__gt=0), name="placement_shares_positive")]
