from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.clock.services import business_today
from csdp.issuers.choices import IdType


class _InstitutionOwnedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.staff_role:
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(institution_id=user.institution_id)
        return self.none()


class IssuerProfile(models.Model):
    """One per issuer institution: its 经办人 (agent) and the agent's postal address, where the
    USB-KEY is mailed (000 §一(一)7). The institution's own data (licence, 三证合一, registered
    address, legal representative) is versioned in InstitutionInfoVersion; the properties below
    read the version in force today."""

    institution = models.OneToOneField("accounts.Institution", on_delete=models.PROTECT, related_name="issuer_profile")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agent_id_type = models.CharField("证件类型", max_length=20, choices=IdType.choices, blank=True)
    agent_id_number = models.CharField("证件号码", max_length=40, blank=True)
    postal_province = models.CharField("省", max_length=30, blank=True)
    postal_city = models.CharField("市", max_length=30, blank=True)
    postal_district = models.CharField("区/县", max_length=30, blank=True)
    postal_detail = models.CharField("详细地址", max_length=200, blank=True)
    registration = models.OneToOneField(
        "issuers.Registration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _InstitutionOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "发行人档案"

    @property
    def postal_address(self) -> str:
        return f"{self.postal_province}{self.postal_city}{self.postal_district}{self.postal_detail}"

    @property
    def info(self):
        from csdp.issuers.selectors import institution_info_as_of  # here: the selectors import these models

        return institution_info_as_of(self.institution, business_today())

    @property
    def three_in_one(self) -> bool:
        return bool(self.info and self.info.three_in_one)

    @property
    def registered_address(self) -> str:
        return self.info.registered_address if self.info else ""

    @property
    def legal_rep_name(self) -> str:
        return self.info.legal_rep_name if self.info else ""


# Fields of 本机构信息 whose change needs materials and review (000 §二(二)); the rest are non-key.
KEY_FIELDS = (
    "name",
    "uscc",
    "licence_valid_from",
    "licence_valid_until",
    "three_in_one",
    "org_code",
    "org_code_valid_from",
    "org_code_valid_until",
    "registered_address",
    "legal_rep_name",
)
NON_KEY_FIELDS = ("english_name", "office_address", "postcode", "phone", "fax", "website")


class InstitutionInfoVersion(models.Model):
    """本机构信息 as from ``effective_from``: append-only; the row in force on a day is the one with
    the latest effective_from not after it (ties: the later row). Null validity ends mean 长期有效."""

    class Source(models.TextChoices):
        REGISTRATION = "registration", "在线注册"
        KEY_CHANGE = "key_change", "关键信息变更（经审核）"
        NON_KEY_CHANGE = "non_key_change", "非关键信息变更"
        DEMO = "demo", "演示数据"

    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="info_versions")
    effective_from = models.DateField("生效日期")
    name = models.CharField("机构全称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    licence_valid_from = models.DateField("营业执照有效期起", null=True, blank=True)
    licence_valid_until = models.DateField("营业执照有效期止", null=True, blank=True)
    three_in_one = models.BooleanField("已完成三证合一", default=False)
    org_code = models.CharField("组织机构代码", max_length=10, blank=True)
    org_code_valid_from = models.DateField("组织机构代码证有效期起", null=True, blank=True)
    org_code_valid_until = models.DateField("组织机构代码证有效期止", null=True, blank=True)
    registered_address = models.CharField("注册地址", max_length=300)
    legal_rep_name = models.CharField("法定代表人", max_length=100)
    english_name = models.CharField("英文名称", max_length=200, blank=True)
    office_address = models.CharField("办公地址", max_length=300, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    fax = models.CharField("传真", max_length=30, blank=True)
    website = models.CharField("公司网址", max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    application = models.ForeignKey(
        "issuers.InfoChangeApplication", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _InstitutionOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["institution", "effective_from", "id"]
        indexes = [models.Index(fields=["institution", "effective_from", "id"])]

    def values(self) -> dict:
        return {f: getattr(self, f) for f in KEY_FIELDS + NON_KEY_FIELDS}


class IssuerSecurity(models.Model):
    """A securities code of an issuer (used by the VAT form and the virtual counter's code picker)."""

    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="issuer_securities")
    code = models.CharField("证券代码", max_length=6, unique=True)
    name = models.CharField("证券简称", max_length=50, blank=True)

    objects = _InstitutionOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()
