"""The public registration wizard (000 §一(一)): path, draft, materials, SMS code, submission."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from csdp.clock.services import at_local, clock_set
from csdp.issuers.choices import WRONG_TYPE_WARNING
from csdp.issuers.models import Registration
from csdp.issuers.states import RegistrationStatus
from csdp.lib.ids import make_uscc
from tests.issuers.conftest import PASSWORD, TODAY, Wizard, institution_data, pdf


def test_it_does_not_open_a_draft_until_the_agreement_is_accepted(wizard):
    response = wizard.post("register_agreement", {})
    assert Registration.objects.count() == 0
    assert "须同意" in wizard.client.get(response.url).content.decode()


def test_it_sends_a_visitor_without_a_draft_back_to_the_start(wizard):
    response = wizard.client.get(reverse("issuers:register_institution"))
    assert response.url == reverse("issuers:register_start")


def test_it_follows_the_manuals_path_step_by_step(wizard):
    wizard.post("register_agreement", {"accept": "yes"})
    # Skipping ahead goes back to the first step not done.
    assert wizard.client.get(reverse("issuers:register_institution")).url == reverse("issuers:register_category")
    response = wizard.post("register_category", {"user_category": "investor_user"})
    assert "发行人请选择“参与人用户”。" in response.content.decode()
    assert wizard.post("register_category", {"user_category": "participant_user"}).url == reverse(
        "issuers:register_method"
    )
    response = wizard.post("register_method", {"method": "offline"})
    assert "请选择“在线注册”" in response.content.decode()
    assert wizard.post("register_method", {"method": "online"}).url == reverse("issuers:register_institution")


def test_it_keeps_the_draft_between_steps_and_shows_it_again(wizard):
    wizard.fill()
    registration = wizard.registration()
    assert registration.institution_name == "北京测试科技股份有限公司"
    assert registration.username == "ceshi_ir"
    page = wizard.client.get(reverse("issuers:register_institution")).content.decode()
    assert "北京测试科技股份有限公司" in page
    page = wizard.client.get(reverse("issuers:register_user")).content.decode()
    assert "ceshi_ir" in page and PASSWORD not in page


def test_it_never_keeps_the_plain_password(wizard):
    wizard.fill()
    registration = wizard.registration()
    assert PASSWORD not in registration.password_hash
    from django.contrib.auth.hashers import check_password

    assert check_password(PASSWORD, registration.password_hash)


def test_going_back_keeps_the_password_when_left_empty(wizard):
    wizard.fill()
    before = wizard.registration().password_hash
    response = wizard.post("register_user", {**_user_without_password(), "agent_name": "王经办"})
    assert response.status_code == 302
    registration = wizard.registration()
    assert registration.password_hash == before and registration.agent_name == "王经办"


def _user_without_password():
    from tests.issuers.conftest import user_data

    return user_data(password=None, password_again=None)


def test_an_expired_draft_is_gone(wizard):
    wizard.fill()
    clock_set(moment=at_local(TODAY + dt.timedelta(days=4), 10), frozen=True)
    response = wizard.client.get(reverse("issuers:register_user"))
    assert response.url == reverse("issuers:register_start")


def test_it_refuses_an_institution_type_other_than_beijing_issuer_with_the_manuals_warning(wizard):
    wizard.start()
    for wrong in (
        {"institution_type": "issuer_shanghai"},
        {"platform": "participant"},
        {"platform_role": "custodian"},
        {"participant_types": ["settlement"]},
    ):
        response = wizard.post("register_institution", institution_data(**wrong))
        assert response.status_code == 200
        assert WRONG_TYPE_WARNING in response.content.decode()
    assert wizard.registration().step_done == 3


def test_the_form_shows_the_other_options_of_the_real_form(wizard):
    wizard.start()
    page = wizard.client.get(reverse("issuers:register_institution")).content.decode()
    for label in ("发行人：上海市场发行人", "结算参与人服务", "托管人", "发行人：北京市场发行人"):
        assert label in page
    assert "无需填写 PROP 代码" in page


def test_three_in_one_drops_the_organisation_code_certificate(wizard):
    wizard.fill(
        institution={"three_in_one": "on", "org_code": "", "org_code_valid_from": "", "org_code_long_term": None}
    )
    page = wizard.client.get(reverse("issuers:register_materials")).content.decode()
    assert "组织机构代码证" not in page.split("<form")[1]
    assert wizard.upload_all(three_in_one=True).url == reverse("issuers:register_verify")
    assert wizard.registration().org_code == ""


def test_without_three_in_one_the_organisation_code_certificate_is_required(wizard):
    wizard.fill()
    response = wizard.upload_all(three_in_one=True)
    assert "请上传组织机构代码证。" in response.content.decode()
    assert wizard.registration().step_done == 5


def test_every_material_is_required(wizard):
    wizard.fill()
    response = wizard.post("register_materials", {"business_licence": pdf()})
    page = response.content.decode()
    for label in ("法定代表人身份证明文件", "经办人身份证明文件", "法定代表人证明书", "法定代表人授权委托书"):
        assert f"请上传{label}。" in page
    assert "请上传营业执照。" not in page


def test_a_material_refused_by_the_upload_service_shows_its_message(wizard):
    from django.core.files.uploadedfile import SimpleUploadedFile

    wizard.fill()
    response = wizard.post(
        "register_materials", {"business_licence": SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf")}
    )
    assert "该文件是可执行程序或脚本，不允许上传。" in response.content.decode()
    assert not wizard.registration().materials.exists()


def test_a_wrong_sms_code_is_refused(wizard):
    wizard.fill()
    wizard.upload_all()
    wizard.post("register_verify", {"action": "send"})
    response = wizard.post("register_verify", {"action": "verify", "code": "000000"})
    assert "验证码" in response.content.decode() and response.status_code == 200
    assert response.context["form"].errors["code"]
    assert wizard.registration().mobile_verified == ""


def test_an_expired_sms_code_is_refused(wizard, settings):
    from csdp.notify.testing import last_code

    wizard.fill()
    wizard.upload_all()
    wizard.post("register_verify", {"action": "send"})
    code = last_code("13612345678")
    clock_set(moment=at_local(TODAY, 10, 0) + dt.timedelta(seconds=settings.CSDP_CODE_TTL_S + 1), frozen=True)
    response = wizard.post("register_verify", {"action": "verify", "code": code})
    assert "验证码已过期，请重新获取。" in response.content.decode()
    assert wizard.registration().mobile_verified == ""


def test_the_right_code_verifies_the_mobile_and_leads_to_the_review(wizard):
    wizard.fill()
    wizard.upload_all()
    response = wizard.verify()
    assert response.url == reverse("issuers:register_review")
    assert wizard.registration().mobile_verified == "13612345678"


def test_the_review_shows_everything_entered(wizard):
    wizard.fill()
    wizard.upload_all()
    wizard.verify()
    page = wizard.client.get(reverse("issuers:register_review")).content.decode()
    for text in (
        "北京测试科技股份有限公司",
        "ceshi_ir",
        "李经办",
        "13612345678",
        "北京市北京市海淀区中关村大街 99 号 5 层",
        "营业执照",
        "920777",
    ):
        assert text in page


def test_changing_the_mobile_after_verification_needs_a_new_code(wizard):
    from tests.issuers.conftest import user_data

    wizard.fill()
    wizard.upload_all()
    wizard.verify()
    wizard.post("register_user", user_data(mobile="13700000009", password=None, password_again=None))
    response = wizard.post("register_review")
    assert "经办人手机号码尚未通过短信验证。" in response.content.decode()
    assert wizard.registration().status == RegistrationStatus.DRAFT


def test_submitting_puts_the_registration_in_the_review_queue(wizard):
    registration = wizard.submit()
    assert registration.status == RegistrationStatus.SUBMITTED
    assert registration.submitted_at is not None
    assert list(registration.transitions.values_list("from_state", "to_state")) == [("draft", "submitted")]
    # The session no longer opens it: the applicant returns only through a rejection's link.
    assert wizard.client.get(reverse("issuers:register_review")).url == reverse("issuers:register_start")


def test_a_second_registration_with_the_same_username_or_uscc_is_refused(wizard):
    wizard.submit()
    other = Wizard()
    other.start()
    response = other.post("register_institution", institution_data(securities_codes=""))
    assert "该机构已有在途的注册申请，请勿重复提交。" in response.content.decode()
    from csdp.lib.ids import make_uscc
    from tests.issuers.conftest import user_data

    other.post("register_institution", institution_data(uscc=make_uscc("91110108MA01ABCD2"), securities_codes=""))
    response = other.post("register_user", user_data())
    assert "该用户名已被使用，请更换。" in response.content.decode()


def test_one_address_cannot_open_drafts_without_end(wizard):
    from csdp.issuers.views.register import STARTS_PER_HOUR_PER_IP

    for _ in range(STARTS_PER_HOUR_PER_IP):
        wizard.post("register_agreement", {"accept": "yes"})
    response = wizard.post("register_agreement", {"accept": "yes"}, follow=True)
    assert "注册申请过于频繁，请稍后再试。" in response.content.decode()
    assert Registration.objects.count() == STARTS_PER_HOUR_PER_IP


def test_expired_drafts_are_purged_and_submitted_ones_kept(wizard):
    from django.core.management import call_command

    submitted = wizard.submit()
    abandoned = Wizard()
    abandoned.fill(
        institution={"uscc": make_uscc("91110108MA01ABCD2"), "securities_codes": ""}, user={"username": "other_ir"}
    )
    assert Registration.objects.count() == 2
    clock_set(moment=at_local(TODAY + dt.timedelta(days=4), 10), frozen=True)
    call_command("issuers_purge_drafts")
    assert list(Registration.objects.all()) == [submitted]


def test_the_login_page_links_to_online_registration(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/issuers/register/"' in page and "用户注册" in page
