"""Forms of the online-registration wizard (000 §一(一)6–9)."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from csdp.accounts.models import Institution, User
from csdp.accounts.passwords import POLICY_TEXT
from csdp.issuers.choices import (
    ALLOWED_INSTITUTION_TYPE,
    ALLOWED_PLATFORM,
    ALLOWED_ROLE,
    INSTITUTION_TYPES,
    PARTICIPANT_TYPES,
    PLATFORMS,
    REGISTRATION_METHODS,
    ROLES,
    USER_CATEGORIES,
    WRONG_TYPE_WARNING,
    IdType,
)
from csdp.issuers.forms.fields import InstitutionKeyFieldsForm, PostalAddressMixin, clean_id_number, clean_mobile
from csdp.issuers.models import IssuerSecurity, Registration
from csdp.issuers.selectors import claimed_code_problems
from csdp.issuers.states import RegistrationStatus

USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,29}$")
CODE_RE = re.compile(r"^\d{6}$")
_OPEN = (RegistrationStatus.SUBMITTED, RegistrationStatus.REJECTED)


class CategoryForm(forms.Form):
    user_category = forms.ChoiceField(label="用户类型", choices=USER_CATEGORIES, widget=forms.RadioSelect)

    def clean_user_category(self):
        value = self.cleaned_data["user_category"]
        if value != "participant_user":
            raise forms.ValidationError("发行人请选择“参与人用户”。")
        return value


class MethodForm(forms.Form):
    method = forms.ChoiceField(label="注册方式", choices=REGISTRATION_METHODS, widget=forms.RadioSelect)

    def clean_method(self):
        value = self.cleaned_data["method"]
        if value != "online":
            raise forms.ValidationError("本平台仅受理在线注册，请选择“在线注册”。")
        return value


class InstitutionForm(InstitutionKeyFieldsForm):
    """参与人机构基本信息. The type/platform/role lists are the real form's; only the issuer ones pass."""

    institution_type = forms.ChoiceField(label="机构类型", choices=INSTITUTION_TYPES, widget=forms.RadioSelect)
    participant_types = forms.MultipleChoiceField(
        label="参与人类型", choices=PARTICIPANT_TYPES, required=False, widget=forms.CheckboxSelectMultiple
    )
    platform = forms.ChoiceField(label="申请平台", choices=PLATFORMS)
    platform_role = forms.ChoiceField(label="角色", choices=ROLES)
    securities_codes = forms.CharField(
        label="证券代码（已有证券代码的填写，多个以空格分隔）", max_length=200, required=False
    )

    def __init__(self, *args, registration: Registration | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration

    def clean_uscc(self):
        value = super().clean_uscc()
        if Institution.objects.filter(uscc=value).exists():
            raise forms.ValidationError("该统一社会信用代码已注册，请勿重复注册。")
        others = Registration.objects.filter(uscc=value, status__in=_OPEN)
        if self.registration is not None:
            others = others.exclude(pk=self.registration.pk)
        if others.exists():
            raise forms.ValidationError("该机构已有在途的注册申请，请勿重复提交。")
        return value

    def clean_securities_codes(self):
        codes = (self.cleaned_data.get("securities_codes") or "").replace("，", " ").replace(",", " ").split()
        for code in codes:
            if not CODE_RE.fullmatch(code):
                raise forms.ValidationError(f"证券代码应为 6 位数字：{code}")
        taken = list(IssuerSecurity.objects.filter(code__in=codes).values_list("code", flat=True))
        if taken:
            raise forms.ValidationError(f"证券代码 {'、'.join(taken)} 已属于其他发行人。")

        problems = claimed_code_problems(codes)
        if problems:
            raise forms.ValidationError(problems)
        return " ".join(dict.fromkeys(codes))

    def clean(self):
        data = super().clean()
        # 000 §一(一)6 注意(2): anything but 北京市场发行人 / 北京市场发行人服务 / 发行人 cannot be approved.
        if (
            data.get("institution_type", ALLOWED_INSTITUTION_TYPE) != ALLOWED_INSTITUTION_TYPE
            or data.get("participant_types")
            or data.get("platform", ALLOWED_PLATFORM) != ALLOWED_PLATFORM
            or data.get("platform_role", ALLOWED_ROLE) != ALLOWED_ROLE
        ):
            raise forms.ValidationError(WRONG_TYPE_WARNING, code="wrong_type")
        return data


class UserForm(PostalAddressMixin):
    """参与人用户基本信息 (000 §一(一)7). No PROP code is asked (the manual says none is needed)."""

    username = forms.CharField(label="用户名", max_length=30, help_text="4–30 位字母、数字或下划线，以字母开头。")
    password = forms.CharField(
        label="密码", widget=forms.PasswordInput(render_value=False), required=False, help_text=POLICY_TEXT
    )
    password_again = forms.CharField(label="确认密码", widget=forms.PasswordInput(render_value=False), required=False)
    agent_name = forms.CharField(label="经办人姓名", max_length=100)
    agent_id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices)
    agent_id_number = forms.CharField(label="证件号码", max_length=40)
    mobile = forms.CharField(label="经办人手机号码", max_length=20, help_text="用于接收手机验证码及找回密码。")
    email = forms.EmailField(label="电子邮箱", error_messages={"invalid": "请输入有效的电子邮箱地址。"})

    field_order = [
        "username",
        "password",
        "password_again",
        "agent_name",
        "agent_id_type",
        "agent_id_number",
        "mobile",
        "email",
        "postal_province",
        "postal_city",
        "postal_district",
        "postal_detail",
    ]

    def __init__(self, *args, registration: Registration, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration
        self.password_kept = bool(registration.password_hash)

    def clean_username(self):
        value = self.cleaned_data["username"].strip()
        if not USERNAME_RE.fullmatch(value):
            raise forms.ValidationError("用户名应为 4–30 位字母、数字或下划线，且以字母开头。")
        taken = User.objects.filter(username__iexact=value).exists() or (
            Registration.objects.filter(username__iexact=value, status__in=_OPEN)
            .exclude(pk=self.registration.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError("该用户名已被使用，请更换。")
        return value

    def clean_mobile(self):
        return clean_mobile(self.cleaned_data.get("mobile"))

    def clean(self):
        data = super().clean()
        clean_id_number(self, "agent_id_type", "agent_id_number")
        password, again = data.get("password") or "", data.get("password_again") or ""
        if not password and not again and self.password_kept:
            return data  # going back through the wizard keeps the password already set
        if not password:
            self.add_error("password", "请设置密码。")
        elif password != again:
            self.add_error("password_again", "两次输入的密码不一致。")
        else:
            probe = User(
                username=data.get("username", ""), email=data.get("email", ""), display_name=data.get("agent_name", "")
            )
            try:
                validate_password(password, user=probe)
            except ValidationError as error:
                self.add_error("password", [_chinese(e) for e in error.error_list])
        return data


def _chinese(error: ValidationError) -> ValidationError:
    """Django 5.2's zh_Hans catalogue misses the reworded too-short message; say it in Chinese here."""
    if error.code == "password_too_short":
        return ValidationError(f"密码长度太短，至少需要 {error.params['min_length']} 个字符。", code=error.code)
    return error


class CodeForm(forms.Form):
    code = forms.CharField(
        label="手机验证码",
        max_length=6,
        min_length=6,
        error_messages={"min_length": "验证码为 6 位数字。", "required": "请输入手机验证码。"},
    )
