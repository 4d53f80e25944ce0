"""The reviewer reads a restrictions approval in Chinese, not as the services' field names."""

import datetime as dt

from csdp.approvals.models import Approval
from tests.restrictions.factories import TODAY


def test_the_reviewer_reads_a_court_freeze_in_chinese_with_no_field_names(w, cast, client_for):
    form = {
        "court": "北京市第一中级人民法院",
        "document_number": "（2026）京01执7号",
        "account_number": w["account"].number,
        "security_code": w["stock"].code,
        "quantity_shares": "12000",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    client_for(cast.operator).post("/restrictions/freezes/new/", form)
    approval = Approval.objects.get(kind="restrictions.freeze")
    page = client_for(cast.reviewer).get(f"/approvals/{approval.pk}/").content.decode()
    for label, value in (
        ("执行法院", "北京市第一中级人民法院"),
        ("证券账户", w["account"].number),
        ("冻结范围", "指定数量"),
        ("数量", "12,000 股"),
        ("股份性质", "不指定"),
        ("限售截止日", "—"),
    ):
        assert f"<th>{label}</th><td>{value}</td>" in page
    for raw in ("account_number", "whole_holding", "quantity_shares", "lockup_end", "None", "False"):
        assert raw not in page
