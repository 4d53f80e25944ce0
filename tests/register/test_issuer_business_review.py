"""After the operator accepts an issuer's register business: the reviewer reads it in Chinese (issuer,
security, business, date, the sheet's rows, then the register's answer); a rejection goes back to the issuer
and the operator with the reviewer's reason, by SMS and e-mail too, and a corrected filing is reviewed anew;
the effect on its date shows on the application and is told to the issuer."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from csdp.approvals.models import Status as ApprovalStatus
from csdp.approvals.services import approval_approve, approval_prepare, approvals_apply_due
from csdp.counter.models import FilePurpose
from csdp.counter.registry import spec_for
from csdp.counter.services import round_prepare
from csdp.counter.states import Status
from csdp.notify.models import OutboxMessage
from csdp.register.issuer_businesses import KIND
from tests.counter.factories import sign_and_submit
from tests.portal.crawl import visible_text
from tests.register.businesses import (  # noqa: F401  (world: the fixture)
    LOCKUP,
    accept,
    business_form,
    draft_business,
    file_business,
    holder,
    initial,
    lots,
    world,
)

REASON = "持有明细与限售承诺函不一致，请核对"


def text_of(client, url: str) -> tuple[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


def test_the_reviewer_reads_the_business_in_chinese_with_its_rows_then_the_registers_answer(world, client_for):
    initial(world)
    app = file_business(world, "02", [holder(world, 0, 30_000), holder(world, 1, 20_000, "05", LOCKUP)], 50_000)
    approval = accept(world, app)
    reviewer = client_for(world["cast"].reviewer)
    text, links = text_of(reviewer, reverse("approvals:detail", args=[approval.pk]))
    for shown in (
        world["cast"].issuer_a.institution.name,
        "920188 悦龙科技",
        "02 新增股份登记",
        "2026-03-30",
        "本次新增股份合计\n50,000 股",
        "共 2 行，合计 50,000 股",
        "0180000002\n李华\n限售流通股（个人）\n2027-03-30\n20,000",
        "0180000001\n张明\n无限售流通股\n—\n30,000",
        "持有明细.xlsx",
        app.reference,
    ):
        assert shown in text, shown
    for raw in ("security_id", "effective_date", "declared", "resident_id", "None", "[", "rows", "application"):
        assert raw not in text, raw
    sheet = app.files.get(purpose=FilePurpose.DATA)
    assert reverse("counter:file_download", args=[sheet.pk]) in links
    assert reverse("counter:detail", args=[app.pk]) in links

    reviewer.post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"})
    text, _ = text_of(reviewer, reverse("approvals:detail", args=[approval.pk]))
    assert "已登记股本\n1,050,000 股" in text and "登记变动\n新增股份登记 50,000 股" in text
    assert "issued_shares" not in text and "1050000" not in text


def test_a_long_sheet_shows_its_first_rows_and_says_how_many_more(world, client_for):
    rows = [[n + 2, f"01800{n:05d}", f"持有人{n}", "resident_id", "x", 100, "00", None] for n in range(25)]
    payload = {
        "application": None,
        "business": "02",
        "security": "920188",
        "security_id": world["security"].pk,
        "effective_date": "2026-03-30",
        "declared": 2_500,
        "reason": "",
        "rows": rows,
    }
    approval = approval_prepare(kind=KIND, key="t:long", summary="测试", payload=payload, by=world["cast"].operator)
    text, _ = text_of(client_for(world["cast"].reviewer), reverse("approvals:detail", args=[approval.pk]))
    assert "共 25 行，合计 2,500 股；下表列出前 20 行，其余 5 行见申报文件" in text
    assert "持有人19" in text and "持有人20" not in text


def test_an_exit_reads_its_reason_and_then_the_securitys_status_in_chinese(world, client_for):
    initial(world)
    form = spec_for("06").form_class(
        {"typed-effective_date": "2026-03-30", "typed-reason": "终止挂牌决定 2026-1号", "typed-declaration": "on"},
        prefix="typed",
    )
    assert form.is_valid(), form.errors
    app = sign_and_submit(draft_business(world, "06", form), world["cast"].issuer_a, world["key"])
    approval = accept(world, app)
    approval_approve(approval=approval, by=world["cast"].reviewer)
    text, _ = text_of(client_for(world["cast"].reviewer), reverse("approvals:detail", args=[approval.pk]))
    assert "06 退出登记" in text and "终止挂牌决定 2026-1号" in text and "证券状态\n已退出登记" in text
    assert "delisted" not in text and "None" not in text and "持有明细" not in text


def test_a_rejected_business_goes_back_to_the_issuer_with_the_reviewers_reason(world, client_for):
    cast = world["cast"]
    initial(world)
    app = file_business(world, "03", [holder(world, 1, 200_000, "05", LOCKUP)], 200_000)
    approval = accept(world, app)
    client_for(cast.reviewer).post(
        reverse("approvals:decide", args=[approval.pk]), {"action": "reject", "reason": REASON}
    )
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    assert lots(world, 1) == [("05", LOCKUP, 200_000, 0, 0)]  # nothing applied
    for who in (cast.issuer_a, cast.operator):
        text, _ = text_of(client_for(who), reverse("counter:detail", args=[app.pk]))
        assert "退回待处理" in text and f"复核未通过，{REASON}" in text, who
    told = OutboxMessage.objects.filter(user=cast.issuer_a, purpose="counter.returned")
    assert {m.channel for m in told} == {"sms", "email"} and all(REASON in m.body for m in told)

    # The issuer corrects the sheet and resubmits (the materials confirmed as they were); accepted again, a
    # new approval waits for the reviewer, of the corrected rows.
    form = business_form("03", [holder(world, 1, 150_000, "05", LOCKUP)], 150_000)
    round_prepare(
        application=app, user=cast.issuer_a, remark="已核对", data=form.json_data(), data_files=form.data_files()
    )
    sign_and_submit(app, cast.issuer_a, world["key"])
    second = accept(world, app)
    assert second.pk != approval.pk and second.status == ApprovalStatus.PREPARED
    assert [row[5] for row in second.payload["rows"]] == [150_000]
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED
    assert "已受理，待本公司复核" in text_of(client_for(cast.issuer_a), reverse("counter:detail", args=[app.pk]))[0]


def test_the_issuer_is_told_when_the_business_takes_effect_and_the_application_says_so(world, client_for):
    cast = world["cast"]
    initial(world)
    later = dt.date(2026, 4, 1)
    app = file_business(world, "02", [holder(world, 0, 50_000, "05", LOCKUP)], 50_000, effective=later)
    approval = accept(world, app)
    page = reverse("counter:detail", args=[app.pk])
    issuer = client_for(cast.issuer_a)
    assert "已受理，待本公司复核" in text_of(issuer, page)[0]
    approval_approve(approval=approval, by=cast.reviewer)
    assert "已复核通过，将于生效日 2026-04-01 记载于证券持有人名册" in text_of(issuer, page)[0]
    told = OutboxMessage.objects.filter(purpose="counter.effected", body__contains=app.reference)
    assert not told.exists()

    approvals_apply_due(later)
    done = "已于 2026-04-01 记载于证券持有人名册（新增股份登记 50,000 股），登记股本 1,050,000 股"
    for who in (cast.issuer_a, cast.operator):
        assert done in text_of(client_for(who), page)[0], who
    assert {m.channel for m in told} == {"sms", "email"} and all(done in m.body for m in told)
    assert all(m.user == cast.issuer_a for m in told)


def test_a_rejection_of_an_application_no_longer_being_handled_changes_nothing_of_it(world):
    """The issuer cannot withdraw an accepted application; if staff ended it meanwhile, the rejection is the
    approval's alone."""
    from csdp.approvals.services import approval_reject
    from csdp.counter.handling import application_withdraw_accepted

    initial(world)
    app = file_business(world, "02", [holder(world, 0, 1_000)], 1_000)
    approval = accept(world, app)
    application_withdraw_accepted(application=app, actor=world["cast"].operator, reason="发行人申请终止")
    approval_reject(approval=approval, by=world["cast"].reviewer, reason=REASON)
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN
    assert not app.opinions.filter(text__contains=REASON).exists()


def test_a_business_filed_before_its_security_left_the_register_is_refused_at_acceptance(world):
    import pytest

    from csdp.approvals.models import Approval
    from csdp.counter.states import CounterError
    from csdp.securities.models import Security

    initial(world)
    app = file_business(world, "03", [holder(world, 1, 200_000, "05", LOCKUP)], 200_000)
    Security.objects.filter(pk=world["security"].pk).update(status="delisted")  # a 06 applied meanwhile
    with pytest.raises(CounterError, match="不能受理：证券 920188 已退出登记"):
        accept(world, app)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and not Approval.objects.filter(subject_id=str(app.pk)).exists()
