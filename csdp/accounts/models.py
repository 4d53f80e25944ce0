from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager as BaseUserManager
from django.db import models
from django.db.models import Q

from csdp.accounts.roles import InstitutionKind, StaffRole, role_of


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.staff_role:
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(pk=user.institution_id)
        return self.none()


class Institution(models.Model):
    """A member of the depository: issuer, lead underwriter, clearing participant or pledge-board user.

    Kind-specific data (an issuer's licence, a participant's custody units) lives in the domain app
    that owns it, keyed by this row.
    """

    kind = models.CharField("机构类型", max_length=20, choices=InstitutionKind.choices)
    name = models.CharField("机构全称", max_length=200)
    # 统一社会信用代码 (GB 32100-2015); validated by csdp.lib.ids when entered through a form.
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    # Participant code, issuer short code etc.: the key other systems know the institution by.
    code = models.CharField("机构代码", max_length=20, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = "机构"
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="institution_uscc_unique"),
            models.UniqueConstraint(
                fields=["kind", "code"], condition=~Q(code=""), name="institution_kind_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Administrators manage every user; anyone else sees only themself.
        if user.is_authenticated and user.staff_role == StaffRole.ADMIN:
            return self
        if user.is_authenticated:
            return self.filter(pk=user.pk)
        return self.none()


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who logs in. Members belong to an institution; depository staff carry a staff role."""

    institution = models.ForeignKey(
        Institution, verbose_name="所属机构", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    staff_role = models.CharField("岗位", max_length=20, choices=StaffRole.choices, blank=True)
    display_name = models.CharField("姓名", max_length=100, blank=True)
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    # Consecutive password failures and the lockout they caused (settings.CSDP_PASSWORD_*).
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Set whenever someone else chose the password (a temporary one from an administrator, a reset by
    # SMS, a board user's opening): until the user sets their own, every page leads to the password
    # change and the API refuses (csdp.accounts.middleware.PasswordChangeMiddleware).
    password_change_required = models.BooleanField("须修改密码", default=False)

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        constraints = [
            # A user is either staff or a member of exactly one institution, never both.
            models.CheckConstraint(
                condition=(Q(staff_role="") & Q(institution__isnull=False))
                | (~Q(staff_role="") & Q(institution__isnull=True))
                | (Q(staff_role="") & Q(institution__isnull=True) & Q(is_superuser=True)),
                name="user_staff_xor_member",
            )
        ]

    @property
    def role(self):
        return role_of(self)

    @property
    def is_depository_staff(self) -> bool:
        return bool(self.staff_role)

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A member sees its institution's tokens (its back office's); an administrator sees all; other
        # staff only their own.
        if not user.is_authenticated:
            return self.none()
        if user.staff_role == StaffRole.ADMIN:
            return self
        if user.institution_id:
            return self.filter(user__institution_id=user.institution_id)
        return self.filter(user=user)


class TokenScope(models.TextChoices):
    READ = "read", "只读"  # GET only
    WRITE = "write", "读写"  # every method the user's role allows


class ApiToken(models.Model):
    """A bearer token for a back office calling the API as the user who issued it. Only its SHA-256
    is stored; the key is shown once. It stops working when revoked, expired, or its user is disabled."""

    user = models.ForeignKey(User, verbose_name="签发用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    key_prefix = models.CharField(max_length=8)
    key_sha256 = models.CharField(max_length=64, unique=True)
    scope = models.CharField("权限", max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API 令牌"
