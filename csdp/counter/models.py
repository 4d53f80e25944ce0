"""The virtual counter (seed 000 §三): a catalogue of business types and the applications filed
against it, each kept round by round with its documents, opinions and signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.db.models import Q

from csdp.accounts.roles import InstitutionKind
from csdp.counter.registry import spec_for
from csdp.counter.states import MACHINE, Status
from csdp.lib.statemachine import TransitionRow


def _staff_or_member(queryset, user, institution_field: str):
    """Staff see every row; a member sees its own institution's rows; anyone else sees none."""
    if not user.is_authenticated:
        return queryset.none()
    if user.staff_role:
        return queryset
    if user.institution_id:
        return queryset.filter(**{institution_field: user.institution_id})
    return queryset.none()


class BusinessTypeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if user.is_authenticated and (user.staff_role or user.institution_id) else self.none()


class BusinessType(models.Model):
    """A 业务类型 of the catalogue. Staff edit the name, guide, templates and handlers here; the
    behaviour of a structured type lives in its registered spec (csdp.counter.registry)."""

    code = models.CharField("业务代码", max_length=10, unique=True)
    name = models.CharField("业务名称", max_length=60)
    guide = models.TextField("业务指南", blank=True)
    # Institution kinds that may file it (plain types; a registered spec's own list wins).
    filer_kinds = models.JSONField("可申报机构类型", default=list)
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="办理人员", blank=True, related_name="counter_business_types"
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=100)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessTypeQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "业务类型"

    def __str__(self) -> str:
        return f"{self.code}-{self.name}"

    @property
    def spec(self):
        return spec_for(self.code)

    def effective_filer_kinds(self) -> frozenset[str]:
        spec = self.spec
        return spec.filer_kinds if spec else frozenset(self.filer_kinds)

    def filer_kind_labels(self) -> str:
        labels = dict(InstitutionKind.choices)
        return "、".join(labels.get(k, k) for k in sorted(self.effective_filer_kinds()))


class BusinessTemplateQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if user.is_authenticated and (user.staff_role or user.institution_id) else self.none()


class BusinessTemplate(models.Model):
    """A downloadable template named in a business guide (e.g. 《法定代表人授权委托书》)."""

    business_type = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="templates")
    title = models.CharField("模板名称", max_length=100)
    stored_file = models.ForeignKey("uploads.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BusinessTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["business_type", "id"]
        verbose_name = "业务模板"


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _staff_or_member(self, user, "filer_institution")


class Application(models.Model):
    """One 业务申请 filed at the counter. Its state changes only through csdp.counter.services."""

    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="applications")
    filer_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    securities_code = models.CharField("证券代码", max_length=10)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_since = models.DateTimeField("进入当前状态时间")  # business time, for "time in state"
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")  # business time
    submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "柜台业务申请"
        indexes = [
            models.Index(fields=["filer_institution", "status"]),
            models.Index(fields=["status", "assignee"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.business_type.name}"

    @property
    def reference(self) -> str:
        # The business date (Asia/Shanghai), not the stored UTC one: an application filed at 07:30 is today's.
        return f"GT{timezone.localtime(self.created_at):%Y%m%d}{self.pk:06d}"


class ApplicationRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _staff_or_member(self, user, "application__filer_institution")


class ApplicationRound(models.Model):
    """One submission of an application: the first, and one more per resubmission after a return.

    Kept for good: the remark, the structured content, the documents (ApplicationFile rows of the
    round) and the USB-KEY signature over the digest of all of them.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField("轮次")
    remark = models.TextField("备注说明", blank=True)
    data = models.JSONField("结构化内容", default=dict, blank=True)
    digest = models.CharField("摘要", max_length=64, blank=True)
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("签名提交时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = ApplicationRoundQuerySet.as_manager()

    class Meta:
        ordering = ["application", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="counter_round_unique")]


class FilePurpose(models.TextChoices):
    ATTACHMENT = "attachment", "申请附件"  # uploaded by the filer with a round
    RESULT = "result", "办理结果"  # a result report attached by staff
    # the data file of a round's structured form (a register business's Excel sheet), kept as filed: the rows
    # are in the round's data; this is the file they were read from, for staff and the filer to download
    DATA = "data", "申报数据文件"


class ApplicationFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members see their documents, and result reports only once staff have sent them back."""
        rows = _staff_or_member(self, user, "application__filer_institution")
        if user.is_authenticated and not user.staff_role:
            draft_results = Q(purpose="result") & ~Q(application__status__in=[Status.RESULT_ISSUED, Status.FINISHED])
            rows = rows.exclude(draft_results)
        return rows


class ApplicationFile(models.Model):
    """A stored file attached to an application; downloads are checked through the application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    round = models.ForeignKey(ApplicationRound, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    purpose = models.CharField(max_length=20, choices=FilePurpose.choices)
    stored_file = models.ForeignKey("uploads.StoredFile", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    objects = ApplicationFileQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # Filer attachments and data files belong to a round; result reports belong to the application.
            models.CheckConstraint(
                condition=(Q(purpose__in=["attachment", "data"]) & Q(round__isnull=False))
                | (Q(purpose="result") & Q(round__isnull=True)),
                name="counter_file_round_matches_purpose",
            )
        ]


class OpinionKind(models.TextChoices):
    ACCEPT = "accept", "受理"  # staff accepted the round
    MODIFY = "modify", "请修改材料"  # returned: modify the documents
    CONFIRM = "confirm", "请确认材料"  # returned: confirm the documents as they are


class Opinion(models.Model):
    """A 办理意见 written by staff on one round. Append-only."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="opinions")
    round = models.ForeignKey(ApplicationRound, on_delete=models.CASCADE, related_name="opinions")
    kind = models.CharField(max_length=20, choices=OpinionKind.choices)
    text = models.TextField("办理意见", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only")


class Transition(AppendOnly, TransitionRow):
    """Every state change of an application: who, when, from, to, why (style habit 8)."""

    machine = MACHINE
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["id"]


class Assignment(AppendOnly):
    """Who the application was given to (分派 / 转办), by whom and why. Append-only."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
