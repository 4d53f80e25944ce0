from django import forms

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind, StaffRole


class InstitutionForm(forms.Form):
    kind = forms.ChoiceField(label="机构类型", choices=InstitutionKind.choices)
    name = forms.CharField(label="机构全称", max_length=200)
    code = forms.CharField(
        label="机构代码", max_length=20, required=False, help_text="结算参与人代码、证券代码等，其他系统据以识别本机构"
    )
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    is_active = forms.BooleanField(label="有效", required=False, initial=True)


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=100, required=False)
    mobile = forms.CharField(label="手机号码", max_length=11, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    institution = forms.ModelChoiceField(
        label="所属机构（机构用户）", queryset=Institution.objects.none(), required=False
    )
    staff_role = forms.ChoiceField(
        label="内部岗位（内部用户，须另一名管理员复核）", choices=[("", "—"), *StaffRole.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(is_active=True).order_by("kind", "name")

    def clean(self):
        data = super().clean()
        if bool(data.get("institution")) == bool(data.get("staff_role")):
            raise forms.ValidationError("请选择所属机构（机构用户）或内部岗位（内部用户），二者选一。")
        return data


class RoleForm(forms.Form):
    staff_role = forms.ChoiceField(label="新岗位", choices=StaffRole.choices)
