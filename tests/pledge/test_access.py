"""Getting access (004 §五–§七): investors register with ID number AND an account of theirs;
lenders apply with materials and staff review; 基本信息 is read-only, 业务平台信息 editable."""

import pytest
from django.urls import reverse

from csdp.accounts.models import User
from csdp.lib.ids import make_resident_id
from csdp.notify.models import OutboxMessage
from csdp.notify.testing import captcha_solve, last_code
from csdp.pledge.models import ApplicationStatus, LenderApplication, PledgeProfile
from csdp.pledge.services import PledgeError
from csdp.pledge.services_access import (
    investor_register,
    lender_apply,
    lender_approve,
    lender_reject,
    platform_info_update,
)
from tests.counter.factories import pdf_upload
from csdp.pledge.services_holder import holder_code_send
from tests.pledge.factories import ZHANG_ID, ZHANG_MOBILE

PASSWORD = "Pledge-Pass-2026!"


def _register(**over):
    """Send the code to the mobile on file, then register with it."""
    base = dict(id_number=ZHANG_ID, account_number="0180000001", username="zhangming", password=PASSWORD)
    base.update(over)
    try:
        holder_code_send(id_number=base["id_number"], account_number=base["account_number"])
    except PledgeError:
        pass  # the registration below refuses with the same message
    sent = OutboxMessage.objects.filter(recipient=ZHANG_MOBILE).exists()
    return investor_register(**base, sms_code=last_code(ZHANG_MOBILE) if sent else "123456")


def test_an_investor_registers_with_id_number_and_account_and_gets_access(world):
    profile = _register()
    user = profile.user
    assert profile.investor == world["investor"] and profile.name == "张明"
    assert user.role == "pledge_user" and user.institution.kind == "pledge_user" and user.check_password(PASSWORD)
    assert user.mobile == ZHANG_MOBILE  # the proven mobile, the one on file with the custodian
    assert user.password_change_required is False  # the investor chose it


@pytest.mark.parametrize(
    "over", [{"id_number": "110105198001011234"}, {"account_number": "0180009999"}, {"account_number": "0180000002"}]
)
def test_a_mismatch_of_id_and_account_is_refused_with_one_message(world, over):
    from csdp.securities.services import account_open, investor_create

    other = investor_create(
        ymt_number="180000000002",
        name="李华",
        id_type="resident_id",
        id_number=make_resident_id("31010419900607224"),
        holder_type="03",
    )
    account_open(number="0180000002", investor=other, market="BSE")
    with pytest.raises(PledgeError, match="证件号码与证券账户不匹配"):
        _register(**over)
    assert not PledgeProfile.objects.exists()


def test_an_investor_registers_once(world):
    _register()
    with pytest.raises(PledgeError, match="已注册"):
        _register(username="zhang2")


def test_the_registration_page_sends_the_code_to_the_mobile_on_file_and_registers_with_it(world, client_for):
    client = client_for(None)
    form = {"id_number": ZHANG_ID, "account_number": "0180000001", "username": "zhangming", "captcha": "WRONG"}
    captcha_solve(client, "HK7W")
    page = client.post(reverse("pledge:register"), {**form, "action": "send_code"}).content.decode()
    assert "图形验证码错误" in page
    captcha_solve(client, "HK7W")
    page = client.post(reverse("pledge:register"), {**form, "captcha": "HK7W", "action": "send_code"}).content.decode()
    assert "138****0001" in page  # told where, masked
    done = {**form, "password": PASSWORD, "sms_code": last_code(ZHANG_MOBILE), "action": "register"}
    response = client.post(reverse("pledge:register"), done)
    assert response.status_code == 302 and User.objects.filter(username="zhangming").exists()


def test_knowing_the_id_and_the_account_is_not_enough_without_the_code(world):
    holder_code_send(id_number=ZHANG_ID, account_number="0180000001")
    code = last_code(ZHANG_MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(PledgeError, match="验证码错误"):
        investor_register(
            id_number=ZHANG_ID, account_number="0180000001", username="thief", password=PASSWORD, sms_code=wrong
        )
    assert not PledgeProfile.objects.exists() and not User.objects.filter(username="thief").exists()


def test_an_account_without_a_mobile_on_file_is_told_to_ask_its_participant(world):
    world["account"].mobile = ""
    world["account"].save(update_fields=["mobile"])
    with pytest.raises(PledgeError, match="未在托管参与人处预留手机号码"):
        holder_code_send(id_number=ZHANG_ID, account_number="0180000001")


def test_a_lender_applies_with_materials_and_staff_approve(clock, cast):
    application = lender_apply(
        name="华兴小额贷款有限公司",
        id_type="uscc",
        id_number="91110000MA01GX002",
        username="huaxing",
        mobile="13900000008",
        email="hx@example.test",
        files=[pdf_upload("营业执照.pdf")],
    )
    assert application.materials.get().kind == "scan"
    profile = lender_approve(application=application, actor=cast.reviewer)
    assert profile.kind == "lender" and profile.user.role == "pledge_user"
    sms = OutboxMessage.objects.get(purpose="pledge.lender")
    assert sms.sensitive and "huaxing" in sms.body
    assert profile.user.password_change_required  # the SMS carries a temporary password
    with pytest.raises(PledgeError, match="已处理"):
        lender_reject(application=application, actor=cast.reviewer, reason="重复")


def test_a_lender_application_needs_materials_and_a_reason_to_refuse(clock, cast):
    with pytest.raises(PledgeError, match="申请材料"):
        lender_apply(
            name="甲",
            id_type="uscc",
            id_number="1",
            username="jia_lender",
            mobile="13900000008",
            email="a@example.test",
            files=[],
        )
    application = lender_apply(
        name="甲",
        id_type="uscc",
        id_number="1",
        username="jia_lender",
        mobile="13900000008",
        email="a@example.test",
        files=[pdf_upload()],
    )
    with pytest.raises(PledgeError, match="原因"):
        lender_reject(application=application, actor=cast.reviewer, reason="")
    lender_reject(application=application, actor=cast.reviewer, reason="材料不全")
    assert LenderApplication.objects.get().status == ApplicationStatus.REJECTED
    assert not User.objects.filter(username="jia_lender").exists()


def test_a_rejected_upload_leaves_no_application(clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(PledgeError):
        lender_apply(
            name="乙",
            id_type="uscc",
            id_number="2",
            username="yi_lender",
            mobile="13900000008",
            email="b@example.test",
            files=[SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf")],
        )
    assert not LenderApplication.objects.exists()


def test_basic_information_is_read_only_and_platform_information_editable(zhang, client_for):
    profile = zhang.pledge_profile
    with pytest.raises(PledgeError, match="基本信息不可修改"):
        platform_info_update(profile=profile, actor=zhang, name="改名")
    client = client_for(zhang)
    page = client.get(reverse("pledge:profile")).content.decode()
    assert "0180000001" in page and 'name="name"' not in page
    client.post(
        reverse("pledge:profile"),
        {"contact_name": "张先生", "contact_phone": "010-88886666", "region": "北京市朝阳区", "name": "改名"},
    )
    profile.refresh_from_db()
    assert (profile.contact_name, profile.name) == ("张先生", "张明")


def test_a_member_of_another_kind_never_reaches_the_board(cast, client_for):
    assert client_for(cast.issuer_a).get(reverse("pledge:board")).status_code == 403


def test_a_board_user_without_a_profile_is_refused(cast, client_for):
    assert client_for(cast.pledge_user).get(reverse("pledge:board")).status_code == 403
