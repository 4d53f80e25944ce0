from django import forms


class OptionForm(forms.Form):
    offering_code = forms.RegexField(
        label="证券代码", regex=r"^\d{6}$", error_messages={"invalid": "证券代码为 6 位数字。"}
    )
    exercise_end = forms.DateField(label="超额配售选择权行使期届满日", widget=forms.DateInput(attrs={"type": "date"}))
    limit_shares = forms.IntegerField(
        label="超额配售股数上限（股，留空为首次公开发行股数的 15%）", min_value=1, required=False
    )


class AgreementForm(forms.Form):
    account_number = forms.RegexField(
        label="投资者证券账户号码", regex=r"^[0-9A-Z]{10}$", error_messages={"invalid": "证券账户号码为 10 位。"}
    )
    shares = forms.IntegerField(label="延期交付股数（股）", min_value=1)


class LimitReachedForm(forms.Form):
    on = forms.DateField(label="累计购买股票数额达到限额的日期", widget=forms.DateInput(attrs={"type": "date"}))


class SheetForm(forms.Form):
    file = forms.FileField(label="电子数据文件（Excel .xlsx）")


class RejectForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=200)
