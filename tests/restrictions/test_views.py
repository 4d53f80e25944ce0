"""The staff and participant pages: every refusal shown in Chinese, four-eyes from the pages."""

import datetime as dt

from csdp.approvals.models import Approval
from csdp.restrictions.models import Freeze, RestrictionFile
from tests.restrictions.factories import TODAY, registered_pledge


def test_an_operator_records_a_court_freeze_and_a_reviewer_approves_it(w, cast, client_for):
    operator = client_for(cast.operator)
    assert "司法冻结登记" in operator.get("/restrictions/freezes/new/").content.decode()
    form = {
        "court": "北京市第一中级人民法院",
        "document_number": "（2026）京01执7号",
        "account_number": w["account"].number,
        "security_code": w["stock"].code,
        "quantity_shares": "",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    refused = operator.post("/restrictions/freezes/new/", form).content.decode()
    assert "请填写冻结数量，或选择冻结全部持有" in refused and not Approval.objects.exists()
    response = operator.post("/restrictions/freezes/new/", {**form, "whole_holding": "on"})
    approval = Approval.objects.get(kind="restrictions.freeze")
    assert response.status_code == 302 and response["Location"] == f"/approvals/{approval.pk}/"
    assert client_for(cast.reviewer).post(f"/approvals/{approval.pk}/decide/", {"action": "approve"}).status_code == 302
    freeze = Freeze.objects.get()
    page = client_for(cast.reviewer).get(f"/restrictions/freezes/{freeze.pk}/").content.decode()
    assert "冻结中" in page and "15,000" in page
    assert "北京市第一中级人民法院" in client_for(cast.admin).get("/restrictions/freezes/").content.decode()


def test_staff_pages_render_and_members_are_kept_out(w, cast, client_for):
    registered_pledge(w, cast.operator, cast.reviewer)
    for url in (
        "/restrictions/staff/pledges/",
        "/restrictions/transfers/",
        "/restrictions/transfers/new/",
        "/restrictions/files/",
    ):
        assert client_for(cast.operator).get(url).status_code == 200, url
    assert client_for(w["zhang"]).get("/restrictions/freezes/").status_code == 403


def test_the_transfer_form_shows_the_fee_refusal_in_chinese(w, cast, client_for):
    from csdp.fees.models import FeeSchedule

    FeeSchedule.objects.all().delete()
    page = (
        client_for(cast.operator)
        .post(
            "/restrictions/transfers/new/",
            {
                "reason": "inheritance",
                "from_account": w["account"].number,
                "to_account": w["heir"].number,
                "security_code": w["stock"].code,
                "quantity_shares": "100",
                "document": "继承公证书",
                "applicant": "to",
            },
        )
        .content.decode()
    )
    assert "无法出具过户费付款通知" in page and not Approval.objects.exists()


def test_a_participant_downloads_only_its_own_file(w, cast, client_for, django_capture_on_commit_callbacks):
    from csdp.restrictions.files import files_publish

    registered_pledge(w, cast.operator, cast.reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        files_publish(day=TODAY)
    record = RestrictionFile.objects.get(file_format="dbf")
    assert client_for(cast.participant).get(f"/restrictions/files/{record.pk}/").status_code == 200
    assert client_for(cast.underwriter).get(f"/restrictions/files/{record.pk}/").status_code == 403


def test_the_pledge_pages_of_a_party(w, cast, client_for):
    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    page = client_for(w["zhang"]).get(f"/restrictions/pledges/{pledge.pk}/").content.decode()
    assert "已登记" in page and pledge.verify_code in page
    assert pledge.number in client_for(w["lender"]).get("/restrictions/pledges/").content.decode()
    from tests.pledge.factories import board_user

    stranger = board_user("stranger", name="第三人")
    assert client_for(stranger).get(f"/restrictions/pledges/{pledge.pk}/").status_code == 404


def _named(*users):
    """Staff with display names other than their usernames, as in the demo."""
    for user, name in zip(users, ("经办员李强", "复核员王芳")):
        user.display_name = name
        user.save(update_fields=["display_name"])


def test_a_party_reads_the_pledge_in_yuan_its_share_nature_in_chinese_and_who_acted_by_name(w, cast, client_for):
    _named(cast.operator, cast.reviewer)
    pledge = registered_pledge(w, cast.operator, cast.reviewer, debt_amount_fen=100_000_050)
    page = client_for(w["zhang"]).get(f"/restrictions/pledges/{pledge.pk}/").content.decode()
    assert "<dt>主债权金额（元）</dt><dd>1,000,000.50</dd>" in page
    assert "<dt>股份性质</dt><dd>无限售流通股</dd>" in page and "<dt>质押数量（股）</dt><dd>3,000</dd>" in page
    assert "<td>复核员王芳</td>" in page and "<td>华兴小贷</td>" in page  # who registered it, who confirmed it
    for raw in ("100000050", "（分）", "<dd>00</dd>", "<td>reviewer</td>", f"<td>{w['lender'].username}</td>"):
        assert raw not in page


def test_the_sign_step_shows_the_elements_in_yuan_and_chinese(w, cast, client_for):
    from tests.restrictions.factories import pdf_file

    page = (
        client_for(w["zhang"])
        .post(
            "/restrictions/pledges/new/",
            {
                "role": "pledgor",
                "counterparty": w["lender"].username,
                "pledgor_account": w["account"].number,
                "security_code": w["stock"].code,
                "share_nature": "05",
                "lockup_end": "2027-03-30",
                "quantity_shares": "4000",
                "debt_amount": "1000000.50",
                "debt_start": TODAY.isoformat(),
                "debt_end": "2027-04-14",
                "contract_number": "HT-2026-009",
                "materials": pdf_file(),
            },
        )
        .content.decode()
    )
    assert "核对质押登记申请并签名" in page
    assert "<dd>1,000,000.50</dd>" in page and "<dd>4,000</dd>" in page
    assert "<dd>限售流通股（个人）（限售截止日 2027-03-30）</dd>" in page


def test_a_release_over_what_is_still_pledged_is_refused_before_signing(w, cast, client_for):
    from csdp.restrictions.models import PledgeRelease

    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    response = client_for(w["zhang"]).post(
        f"/restrictions/pledges/{pledge.pk}/release/", {"quantity_shares": "6000"}, follow=True
    )
    page = response.content.decode()
    assert "解除数量须在 1 至 3,000 股之间（已扣除办理中的解除申请）。" in page
    assert "签名提交解除申请" not in page and not PledgeRelease.objects.exists()
    signing = client_for(w["zhang"]).post(f"/restrictions/pledges/{pledge.pk}/release/", {"quantity_shares": "3000"})
    assert "解除数量：3,000 股（质押 3,000 股中已解除 0 股，尚未解除 3,000 股）" in signing.content.decode()


def test_the_lists_and_the_verify_page_group_thousands(w, cast, client_for):
    from tests.restrictions.test_freezes import _freeze

    pledge = registered_pledge(w, cast.operator, cast.reviewer)
    _freeze(w, cast, quantity=2_500)
    staff = client_for(cast.operator)
    assert "<td>3,000</td>" in staff.get("/restrictions/staff/pledges/").content.decode()
    assert "<td>2,500</td>" in staff.get("/restrictions/freezes/").content.decode()
    assert "<td>3,000</td>" in client_for(w["zhang"]).get("/restrictions/pledges/").content.decode()
    verified = client_for(None).get("/restrictions/verify/", {"code": pledge.verify_code}).content.decode()
    assert "<dt>质押数量（股）</dt><dd>3,000</dd>" in verified


def test_a_named_lot_freeze_reads_its_share_nature_in_chinese_and_its_approvers_by_name(w, cast, client_for):
    from tests.restrictions.factories import LOCKUP
    from tests.restrictions.test_freezes import _freeze

    _named(cast.operator, cast.reviewer)
    freeze = _freeze(w, cast, quantity=1_500, lot=("05", LOCKUP))
    page = client_for(cast.operator).get(f"/restrictions/freezes/{freeze.pk}/").content.decode()
    assert "1,500 股，指定股份性质 限售流通股（个人）" in page and "<td>复核员王芳</td>" in page
    assert "<td>reviewer</td>" not in page
    approval = Approval.objects.get(kind="restrictions.freeze")
    assert "指定股份性质 限售流通股（个人）" in approval.summary
    reviewed = client_for(cast.reviewer).get(f"/approvals/{approval.pk}/").content.decode()
    assert "<th>股份性质</th><td>限售流通股（个人）</td>" in reviewed
    assert "<th>要求冻结</th><td>1,500 股</td>" in reviewed  # the result, once applied


def test_a_freeze_of_a_security_that_left_the_register_is_refused_at_preparation(w, cast, client_for):
    from csdp.securities.models import Security, SecurityStatus

    Security.objects.filter(pk=w["stock"].pk).update(status=SecurityStatus.DELISTED)
    form = {
        "court": "北京市第一中级人民法院",
        "document_number": "（2026）京01执8号",
        "account_number": w["account"].number,
        "security_code": w["stock"].code,
        "quantity_shares": "1000",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    page = client_for(cast.operator).post("/restrictions/freezes/new/", form).content.decode()
    assert f"证券 {w['stock'].code} 已转换代码或退出登记，不能再办理登记变动。" in page
    assert not Approval.objects.exists()
