from django import forms

from csdp.lib.web import form_errors_text


class _Two(forms.Form):
    reference = forms.CharField(error_messages={"required": "请填写银行流水号。"})
    amount = forms.IntegerField(error_messages={"required": "请填写金额。"})


def test_the_errors_of_a_form_read_as_one_sentence_with_one_full_stop():
    assert form_errors_text(_Two(data={})) == "请填写银行流水号；请填写金额。"


def test_a_single_error_keeps_its_full_stop():
    assert form_errors_text(_Two(data={"reference": "B-1"})) == "请填写金额。"
