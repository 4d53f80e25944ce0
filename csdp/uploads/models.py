"""StoredFile: one uploaded file that passed every check, kept under settings.CSDP_STORAGE_DIR.

The bytes live on disk under a random name (``storage_path``); the uploader's name is only a
label (``original_name``). Rows are written by csdp.uploads.services.upload_store alone.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q


class DetectedType(models.TextChoices):
    PDF = "pdf", "PDF 文档"
    ZIP = "zip", "ZIP 压缩包"
    PNG = "png", "PNG 图片"
    JPEG = "jpeg", "JPEG 图片"
    XLSX = "xlsx", "Excel 工作簿"
    CSV = "csv", "CSV 文本"
    TXT = "txt", "文本文件"


class StoredFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every file; members their institution's; anyone else none. Files another
        institution must see are reached through the business object that holds them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.staff_role:
            return self
        if user.institution_id:
            return self.filter(owner_institution_id=user.institution_id)
        return self.none()


def storage_root() -> Path:
    return Path(settings.CSDP_STORAGE_DIR)


class StoredFile(models.Model):
    kind = models.CharField("用途", max_length=40)  # a code of csdp.uploads.kinds
    original_name = models.CharField("文件名", max_length=255)
    detected_type = models.CharField("文件类型", max_length=10, choices=DetectedType.choices)
    content_type = models.CharField("MIME 类型", max_length=100)
    size_bytes = models.BigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    # Relative to settings.CSDP_STORAGE_DIR; random, never derived from anything the user sent.
    storage_path = models.CharField(max_length=80, unique=True, editable=False)
    owner_institution = models.ForeignKey(
        "accounts.Institution",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_files",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = StoredFileQuerySet.as_manager()

    class Meta:
        verbose_name = "上传文件"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size_bytes__gt=0), name="storedfile_size_positive"),
            models.CheckConstraint(
                condition=Q(detected_type__in=DetectedType.values), name="storedfile_detected_type_known"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def path(self) -> Path:
        root = storage_root().resolve()
        full = (root / self.storage_path).resolve()
        if root not in full.parents:
            raise ValueError(f"storage path {self.storage_path!r} escapes the storage directory")
        return full

    def open(self):
        """The stored bytes, as a binary file object (the caller closes it)."""
        return self.path.open("rb")
