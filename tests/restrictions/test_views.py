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
    assert "冻结中" in page and "15000" in page
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
    assert "无法计算过户费" in page and not Approval.objects.exists()


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
