"""Forms of the counter. They check shape and give Chinese messages; rules live in services."""

from __future__ import annotations

from django import forms

from csdp.accounts.roles import InstitutionKind
from csdp.counter.models import BusinessType, OpinionKind
from csdp.counter.selectors import business_types_for, handler_choices, securities_codes_to_pick
from csdp.counter.states import Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the count rule is the service's."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".zip,.pdf,application/zip,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class NewApplicationForm(forms.Form):
    securities_code = forms.ChoiceField(
        label="证券代码", error_messages={"required": "请选择证券代码。", "invalid_choice": "请选择本机构的证券代码。"}
    )
    business_type = forms.ModelChoiceField(
        label="业务类型",
        queryset=BusinessType.objects.none(),
        error_messages={"required": "请选择业务类型。", "invalid_choice": "请选择可申报的业务类型。"},
    )
    remark = forms.CharField(
        label="备注说明（给经办人的留言）", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = MultipleFileField(label="业务办理附件（1-2 个 ZIP 压缩包或 1 个 PDF）", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.institution.kind == InstitutionKind.ISSUER:  # 000 §三(一)4: pick one of the issuer's codes
            codes = securities_codes_to_pick(user.institution)
            self.has_codes = bool(codes)
            self.fields["securities_code"].choices = [("", "请选择")] + [(c, c) for c in codes]
        else:  # underwriters and pledge-board users file about codes that are not theirs
            self.has_codes = True
            self.fields["securities_code"] = forms.RegexField(
                label="证券代码",
                regex=r"^\d{6}$",
                max_length=6,
                error_messages={"required": "请填写证券代码。", "invalid": "证券代码为 6 位数字。"},
            )
        types = business_types_for(user)
        self.fields["business_type"].queryset = BusinessType.objects.filter(pk__in=[t.pk for t in types])
        self.fields["business_type"].label_from_instance = lambda t: f"{t.code}-{t.name}"


class ResubmitForm(forms.Form):
    remark = forms.CharField(label="处理说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label="修改后的材料（不上传则确认原材料）", required=False)


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="受理意见（选填）", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReturnForm(forms.Form):
    kind = forms.ChoiceField(
        label="退回要求",
        choices=[(OpinionKind.MODIFY, OpinionKind.MODIFY.label), (OpinionKind.CONFIRM, OpinionKind.CONFIRM.label)],
        error_messages={"required": "请选择退回要求。"},
    )
    opinion = forms.CharField(
        label="办理意见",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "退回时必须填写办理意见。"},
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="分派给", queryset=None, error_messages={"required": "请选择办理人员。"})
    reason = forms.CharField(label="转办说明", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handler_choices()


class ResultUploadForm(forms.Form):
    file = forms.FileField(
        label="办理结果报表（PDF 或 Excel）",
        error_messages={"required": "请选择文件。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.xlsx"}),
    )


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + Status.choices)
    business_type = forms.ChoiceField(label="业务类型", required=False)
    securities_code = forms.RegexField(
        label="证券代码",
        required=False,
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": "证券代码为 6 位数字。"},
    )
    date_from = forms.DateField(label="申报日期自", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_type"].choices = [("", "全部")] + [(t.code, f"{t.code}-{t.name}") for t in types]


class BusinessTypeForm(forms.ModelForm):
    filer_kinds = forms.MultipleChoiceField(
        label="可申报机构类型", choices=InstitutionKind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = BusinessType
        fields = ["name", "guide", "filer_kinds", "handlers", "is_active", "sort_order"]
        widgets = {"guide": forms.Textarea(attrs={"rows": 10}), "handlers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handlers"].queryset = handler_choices()
        if self.instance.spec is not None:  # a structured type's filers are part of its code
            self.fields["filer_kinds"].disabled = True
            self.fields["filer_kinds"].help_text = "结构化业务类型的申报机构类型由代码注册确定。"
            self.initial["filer_kinds"] = sorted(self.instance.spec.filer_kinds)


class TemplateUploadForm(forms.Form):
    title = forms.CharField(label="模板名称", max_length=100, error_messages={"required": "请填写模板名称。"})
    file = forms.FileField(label="模板文件（PDF 或 Excel）", error_messages={"required": "请选择文件。"})
