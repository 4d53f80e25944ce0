"""Every validation rule of the registration and maintenance forms, with the message users see."""

from __future__ import annotations

import pytest

from csdp.accounts.passwords import POLICY_TEXT
from csdp.issuers.choices import WRONG_TYPE_WARNING
from csdp.issuers.forms.fields import org_code_problem
from csdp.issuers.forms.invoice import InvoiceForm
from csdp.issuers.forms.maintenance import AgentForm, NonKeyForm
from csdp.issuers.forms.registration import InstitutionForm, UserForm
from csdp.issuers.models import IssuerSecurity, Registration
from tests.issuers.conftest import ORG_CODE, institution_data, user_data


def institution_errors(**overrides) -> dict:
    form = InstitutionForm(institution_data(**overrides), registration=None)
    assert not form.is_valid()
    return form.errors


def user_errors(**overrides) -> dict:
    form = UserForm(user_data(**overrides), registration=Registration(token_sha256="x"))
    assert not form.is_valid()
    return form.errors


def test_valid_institution_data_passes(db):
    form = InstitutionForm(institution_data(), registration=None)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["org_code_valid_until"] is None  # 长期有效


def test_the_uscc_check_digit_is_checked(db):
    assert institution_errors(uscc="91110108MA01ABCD1X")["uscc"] == ["统一社会信用代码校验位不正确。"]
    assert "18 位" in institution_errors(uscc="123")["uscc"][0]


def test_a_registered_uscc_is_refused(cast):
    from tests.issuers.conftest import USCC

    cast.issuer_a.institution.uscc = USCC
    cast.issuer_a.institution.save()
    assert institution_errors()["uscc"] == ["该统一社会信用代码已注册，请勿重复注册。"]


def test_the_licence_needs_an_end_date_unless_long_term(db):
    errors = institution_errors(licence_valid_until="")
    assert errors["licence_valid_until"] == ["请填写营业执照有效期截止日期，或勾选“长期有效”。"]
    form = InstitutionForm(
        institution_data(licence_valid_until="2019-01-01", licence_long_term="on"), registration=None
    )
    assert form.is_valid() and form.cleaned_data["licence_valid_until"] is None


def test_the_licence_end_may_not_precede_its_start_or_be_past(db):
    assert institution_errors(licence_valid_until="2014-01-01")["licence_valid_until"] == [
        "营业执照有效期截止日期不能早于起始日期。"
    ]
    assert institution_errors(licence_valid_until="2026-03-01")["licence_valid_until"] == [
        "营业执照已过有效期，请先办理换证。"
    ]


def test_without_three_in_one_the_organisation_code_and_its_validity_are_required(db):
    errors = institution_errors(org_code="", org_code_valid_from="", org_code_long_term=None)
    assert errors["org_code"] == ["未完成“三证合一”的，请填写组织机构代码。"]
    assert errors["org_code_valid_from"] == ["请填写组织机构代码证有效期起始日期。"]
    assert errors["org_code_valid_until"] == ["请填写组织机构代码证有效期截止日期，或勾选“长期有效”。"]


def test_the_organisation_code_check_character_is_checked(db):
    wrong = ORG_CODE[:8] + ("0" if ORG_CODE[8] != "0" else "1")
    assert institution_errors(org_code=wrong)["org_code"] == ["组织机构代码校验位不正确。"]
    assert org_code_problem(ORG_CODE[:8] + "-" + ORG_CODE[8]) is None
    assert "9 位" in org_code_problem("123")


def test_three_in_one_asks_no_organisation_code(db):
    form = InstitutionForm(institution_data(three_in_one="on", org_code="", org_code_valid_from=""), registration=None)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["org_code"] == "" and form.cleaned_data["org_code_valid_from"] is None


@pytest.mark.parametrize(
    "field,value",
    [
        ("institution_type", "fund_manager"),
        ("platform", "sh_issuer"),
        ("platform_role", "participant"),
        ("participant_types", ["custodian"]),
    ],
)
def test_anything_but_beijing_issuer_is_refused_with_the_manuals_warning(db, field, value):
    assert institution_errors(**{field: value})["__all__"] == [WRONG_TYPE_WARNING]


def test_required_fields_say_so(db):
    errors = institution_errors(name="", registered_address="", legal_rep_name="")
    assert errors["name"] == ["这个字段是必填项。"]
    assert errors["legal_rep_name"] == ["这个字段是必填项。"]


def test_securities_codes_are_six_digits_and_not_another_issuers(cast):
    assert institution_errors(securities_codes="92A001")["securities_codes"] == ["证券代码应为 6 位数字：92A001"]
    IssuerSecurity.objects.create(institution=cast.issuer_b.institution, code="920777")
    assert institution_errors()["securities_codes"] == ["证券代码 920777 已属于其他发行人。"]


def test_valid_user_data_passes(db):
    form = UserForm(user_data(), registration=Registration(token_sha256="x"))
    assert form.is_valid(), form.errors


def test_the_username_format_and_uniqueness(cast):
    assert user_errors(username="1ab")["username"] == ["用户名应为 4–30 位字母、数字或下划线，且以字母开头。"]
    assert user_errors(username="ISSUER_A")["username"] == ["该用户名已被使用，请更换。"]


def test_the_password_follows_the_policy(db):
    assert user_errors(password="plainlowercasexyz", password_again="plainlowercasexyz")["password"] == [POLICY_TEXT]
    assert "密码长度太短，至少需要 8 个字符。" in user_errors(password="Ab1!", password_again="Ab1!")["password"]
    assert user_errors(password_again="Other-Pass-1")["password_again"] == ["两次输入的密码不一致。"]
    assert user_errors(password="", password_again="")["password"] == ["请设置密码。"]


def test_the_password_may_not_resemble_the_username(db):
    errors = user_errors(username="Zhangwei2026", password="Zhangwei2026!", password_again="Zhangwei2026!")
    assert any("相似" in e for e in errors["password"])


def test_the_resident_id_check_digit_is_checked(db):
    from tests.issuers.conftest import AGENT_ID

    wrong = AGENT_ID[:17] + ("0" if AGENT_ID[17] != "0" else "1")
    assert user_errors(agent_id_number=wrong)["agent_id_number"] == ["居民身份证号码校验位不正确。"]
    # Other documents are not checked digit by digit.
    form = UserForm(
        user_data(agent_id_type="passport", agent_id_number="E12345678"), registration=Registration(token_sha256="x")
    )
    assert form.is_valid(), form.errors


def test_the_mobile_is_eleven_digits(db):
    for wrong in ("1361234567", "136123456789", "23612345678", "1361234567a"):
        assert user_errors(mobile=wrong)["mobile"] == ["手机号码应为以 1 开头的 11 位数字。"]


def test_the_email_must_be_valid(db):
    assert user_errors(email="not-an-email")["email"] == ["请输入有效的电子邮箱地址。"]


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("postal_province", "北京", "省级名称应以“省”“自治区”或“市”结尾，例如：北京市、河北省。"),
        ("postal_city", "海淀", "市级名称应以“市”“州”“盟”或“地区”结尾，例如：北京市、石家庄市。"),
        ("postal_district", "中关村", "区县名称应以“区”“县”“市”或“旗”结尾，例如：海淀区。"),
        ("postal_detail", "   ", "请填写详细地址（街道、门牌号等）。"),
    ],
)
def test_the_postal_address_parts_are_checked(db, field, value, message):
    assert user_errors(**{field: value})[field] == [message]


def test_autonomous_regions_leagues_and_banners_are_accepted(db):
    form = UserForm(
        user_data(postal_province="内蒙古自治区", postal_city="锡林郭勒盟", postal_district="正蓝旗"),
        registration=Registration(token_sha256="x"),
    )
    assert form.is_valid(), form.errors


def test_the_agent_form_checks_mobile_id_and_address(db):
    form = AgentForm(
        {
            "display_name": "王",
            "agent_id_type": "resident_id",
            "agent_id_number": "110105199003071230",
            "mobile": "136",
            "email": "a@b.cn",
            "postal_province": "北京市",
            "postal_city": "北京市",
            "postal_district": "海淀区",
            "postal_detail": "",
        }
    )
    assert not form.is_valid()
    assert form.errors["mobile"] == ["手机号码应为以 1 开头的 11 位数字。"]
    assert form.errors["postal_detail"] == ["请填写详细地址（街道、门牌号等）。"]
    assert "居民身份证" in form.errors["agent_id_number"][0]


def test_the_non_key_form_checks_postcode_and_phone(db):
    form = NonKeyForm({"postcode": "1000", "phone": "call me"})
    assert not form.is_valid()
    assert form.errors["postcode"] == ["邮政编码应为 6 位数字。"]
    assert form.errors["phone"] == ["联系电话只能包含数字、空格及 - + ( )。"]


def invoice_data(**overrides) -> dict:
    data = {
        "taxpayer_type": "general",
        "invoice_type": "paper_special",
        "securities_code": "920001",
        "title": "甲发行人股份有限公司",
        "title_again": "甲发行人股份有限公司",
        "taxpayer_id": "91110108MA01ABCD1E",
        "taxpayer_id_again": "91110108MA01ABCD1E",
        "address_phone": "北京市海淀区 010-1234",
        "address_phone_again": "北京市海淀区 010-1234",
        "bank_account": "工行海淀支行 0200",
        "bank_account_again": "工行海淀支行 0200",
        "email": "",
    }
    data.update(overrides)
    return data


def invoice_form(**overrides) -> InvoiceForm:
    return InvoiceForm(invoice_data(**overrides), codes=["920001"])


def test_a_valid_invoice_form_passes():
    form = invoice_form()
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "field,label",
    [
        ("title", "名称"),
        ("taxpayer_id", "纳税人识别号"),
        ("address_phone", "地址、电话"),
        ("bank_account", "开户行及账号"),
    ],
)
def test_each_invoice_field_entered_twice_must_match(field, label):
    form = invoice_form(**{f"{field}_again": "91110108MA01ABCD2X" if field == "taxpayer_id" else "别的内容"})
    assert not form.is_valid()
    assert form.errors[f"{field}_again"] == [f"两次填写的“{label}”不一致，请核对后重新填写。"]


def test_a_small_taxpayer_cannot_choose_the_paper_special_invoice():
    form = invoice_form(taxpayer_type="small", invoice_type="paper_special")
    assert form.errors["invoice_type"] == ["非一般纳税人只能开具增值税电子普通发票。"]
    assert invoice_form(taxpayer_type="small", invoice_type="e_ordinary", email="fp@a.cn").is_valid()


def test_the_e_invoice_needs_an_email():
    assert invoice_form(invoice_type="e_ordinary").errors["email"] == ["开具电子普通发票须填写发送电子邮箱。"]


def test_only_the_institutions_own_codes_may_be_chosen():
    assert invoice_form(securities_code="920002").errors["securities_code"] == ["请选择本机构的证券代码。"]


def test_the_taxpayer_id_has_15_18_or_20_characters():
    errors = invoice_form(taxpayer_id="1234", taxpayer_id_again="1234").errors
    assert errors["taxpayer_id"] == ["纳税人识别号应为 15、18 或 20 位数字或大写字母。"]


def test_attachments_follow_taxpayer_type_and_three_in_one():
    form = invoice_form()
    assert form.is_valid()
    problems = form.attachment_problems({}, three_in_one=False)
    assert problems == {
        "tax_registration": "请上传税务登记证。",
        "general_taxpayer": "一般纳税人须上传一般纳税人资格证明。",
    }
    assert form.attachment_problems({"business_licence": object()}, three_in_one=True) == {}
    # Without 三证合一 the licence does not replace the tax certificates.
    assert "tax_registration" in form.attachment_problems({"business_licence": object()}, three_in_one=False)
    small = invoice_form(taxpayer_type="small", invoice_type="e_ordinary", email="fp@a.cn")
    assert small.is_valid()
    assert small.attachment_problems({"tax_registration": object()}, three_in_one=False) == {}
