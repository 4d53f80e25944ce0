from django import forms


class ClosedDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因", max_length=50)


class CalendarYearForm(forms.Form):
    """An administrator loads a year's closed days: from a file, or from exchange_calendars' data."""

    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    file = forms.FileField(label="休市日文件（每行 YYYY-MM-DD,原因）", required=False)
    exchange_calendars = forms.BooleanField(label="从 exchange_calendars 数据导入（该包已有的年度）", required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("exchange_calendars")):
            raise forms.ValidationError("请上传休市日文件，或选择从 exchange_calendars 数据导入（二者选一）。")
        return data
