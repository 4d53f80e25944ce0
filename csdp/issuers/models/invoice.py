from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.issuers.choices import InvoiceType, TaxpayerType
from csdp.issuers.models.profile import _InstitutionOwnedQuerySet


class InvoiceInfo(models.Model):
    """增值税发票信息 (000 §二(三)): append-only versions; each submission takes effect the next day,
    and the invoice is issued from the version in force (effective_invoice_info)."""

    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="invoice_infos")
    effective_from = models.DateField("生效日期")
    taxpayer_type = models.CharField("纳税人类型", max_length=20, choices=TaxpayerType.choices)
    invoice_type = models.CharField("发票类型", max_length=20, choices=InvoiceType.choices)
    securities_code = models.CharField("证券代码", max_length=6)
    title = models.CharField("名称", max_length=200)
    taxpayer_id = models.CharField("纳税人识别号", max_length=20)
    address_phone = models.CharField("地址、电话", max_length=300)
    bank_account = models.CharField("开户行及账号", max_length=300)
    email = models.EmailField("发送电子邮箱", blank=True)
    attachments = models.ManyToManyField("uploads.StoredFile", related_name="+")
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _InstitutionOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "增值税发票信息"
        ordering = ["institution", "effective_from", "id"]
        indexes = [models.Index(fields=["institution", "effective_from", "id"])]
