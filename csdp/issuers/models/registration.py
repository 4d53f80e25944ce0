from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.issuers.choices import IdType, MaterialKind
from csdp.issuers.states import REGISTRATION_MACHINE, RegistrationStatus
from csdp.lib.statemachine import TransitionRow


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Applicants are anonymous: they reach their draft through the session token, never by id.
        if user.is_authenticated and user.staff_role:
            return self
        return self.none()


class Registration(models.Model):
    """An online registration (000 §一(一)): the wizard's draft, then the application under review.

    The applicant's browser holds a random token in its session; only its SHA-256 is stored. A
    rejection issues a new token sent by SMS so the applicant can come back to correct and resubmit.
    The password is hashed as soon as it is entered; the plain text is never kept.
    """

    token_sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        "状态", max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.DRAFT
    )
    expires_at = models.DateTimeField("草稿失效时间", null=True, blank=True)
    step_done = models.PositiveSmallIntegerField(default=0)  # last wizard step completed (wizard.STEPS)
    agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    user_category = models.CharField(max_length=30, blank=True)
    method = models.CharField(max_length=30, blank=True)

    # 参与人机构基本信息 (000 §一(一)6)
    institution_name = models.CharField("机构全称", max_length=200, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    licence_valid_from = models.DateField("营业执照有效期起", null=True, blank=True)
    licence_valid_until = models.DateField("营业执照有效期止", null=True, blank=True)  # null: 长期有效
    three_in_one = models.BooleanField("已完成三证合一", default=False)
    org_code = models.CharField("组织机构代码", max_length=10, blank=True)
    org_code_valid_from = models.DateField("组织机构代码证有效期起", null=True, blank=True)
    org_code_valid_until = models.DateField("组织机构代码证有效期止", null=True, blank=True)  # null: 长期有效
    registered_address = models.CharField("注册地址", max_length=300, blank=True)
    legal_rep_name = models.CharField("法定代表人", max_length=100, blank=True)
    institution_type = models.CharField("机构类型", max_length=30, blank=True)
    platform = models.CharField("申请平台", max_length=30, blank=True)
    platform_role = models.CharField("角色", max_length=30, blank=True)
    securities_codes = models.CharField("证券代码", max_length=200, blank=True)  # space-separated, optional

    # 参与人用户基本信息 (000 §一(一)7)
    username = models.CharField("用户名", max_length=150, blank=True)
    password_hash = models.CharField(max_length=200, blank=True)
    agent_name = models.CharField("经办人姓名", max_length=100, blank=True)
    agent_id_type = models.CharField("证件类型", max_length=20, choices=IdType.choices, blank=True)
    agent_id_number = models.CharField("证件号码", max_length=40, blank=True)
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    postal_province = models.CharField("省", max_length=30, blank=True)
    postal_city = models.CharField("市", max_length=30, blank=True)
    postal_district = models.CharField("区/县", max_length=30, blank=True)
    postal_detail = models.CharField("详细地址", max_length=200, blank=True)
    mobile_verified = models.CharField(max_length=11, blank=True)  # the number whose SMS code was entered

    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField("驳回原因", blank=True)
    institution = models.OneToOneField(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "在线注册申请"
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return self.institution_name or f"注册申请 #{self.pk}"

    @property
    def postal_address(self) -> str:
        return f"{self.postal_province}{self.postal_city}{self.postal_district}{self.postal_detail}"

    @property
    def codes(self) -> list[str]:
        return self.securities_codes.split()


class RegistrationMaterial(models.Model):
    """One uploaded scan of a registration (000 §一(一)8); replaced when uploaded again."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=30, choices=MaterialKind.choices)
    file = models.ForeignKey("uploads.StoredFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "kind"], name="registration_material_once")]


class RegistrationTransition(TransitionRow):
    """Append-only (in the database too): one row per state change of a registration."""

    machine = REGISTRATION_MACHINE
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="transitions")
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]
