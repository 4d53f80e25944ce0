"""Issue 14, item 11: the smaller seams — a duplicate code or a past T on the offering form, business
time in the outbox and the drop folder, the proceeds notice's amounts in figures and in capitals."""

import datetime as dt

import pytest

from csdp.clock.services import clock_set
from csdp.ipo.errors import IpoError
from csdp.ipo.services import offering_create
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db


def _form(cast, **changes):
    data = {
        "code": "920188",
        "name": "悦龙科技",
        "issuer": cast.issuer_a.institution.pk,
        "underwriter": cast.underwriter.institution.pk,
        "price": "14.04",
        "initial_online_shares": 100_000,
        "online_shares": 100_000,
        "strategic_shares": 0,
        "offline_shares": 0,
        "pre_ipo_shares": 0,
        "t_date": "2026-03-16",
        "listing_date": "2026-03-30",
    }
    return {**data, **changes}


def test_a_second_offering_with_the_same_code_is_a_form_error_not_a_server_error(cast, client_for):
    at(T - dt.timedelta(days=3), 10)
    client = client_for(cast.operator)
    assert client.post("/ipo/new/", _form(cast)).status_code == 302
    response = client.post("/ipo/new/", _form(cast, name="另一家"))
    assert response.status_code == 200
    assert "证券代码 920188 已登记过一次公开发行" in response.content.decode()


def test_a_subscription_day_in_the_past_is_refused(cast):
    at(T + dt.timedelta(days=1), 10)
    with pytest.raises(IpoError, match="申购日 2026-03-16 已过") as refused:
        offering_create(
            code="920188",
            name="悦龙科技",
            issuer=cast.issuer_a.institution,
            underwriter=cast.underwriter.institution,
            price_fen=1404,
            initial_online_shares=100_000,
            online_shares=100_000,
            t_date=T,
            listing_date=dt.date(2026, 3, 30),
        )
    assert refused.value.code == "ipo.t_in_past"


def test_a_listing_day_beyond_the_calendar_is_a_clear_refusal(cast, client_for):
    at(dt.date(2026, 12, 7), 10)
    response = client_for(cast.operator).post("/ipo/new/", _form(cast, t_date="2026-12-28", listing_date="2027-01-12"))
    assert response.status_code == 200
    assert "2027 年的休市安排尚未导入" in response.content.decode()


def test_outbox_messages_carry_business_time(cast):
    from csdp.notify.services import notify_sms

    clock_set(moment=dt.datetime(2026, 3, 17, 15, 20), frozen=True)
    message = notify_sms(mobile="13800000000", text="测试", purpose="test")
    message.refresh_from_db()
    assert message.created_at == dt.datetime(2026, 3, 17, 7, 20, tzinfo=dt.UTC)  # 15:20 Beijing
    if message.sent_at is not None:
        assert message.sent_at == message.created_at


def test_a_loaded_drop_folder_file_is_stamped_with_beijing_business_time(tmp_path, cast):
    from csdp.ipo.subscription.inbox import inbox_scan

    world.participant("W001", "800001", funds_fen=0)
    world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    at(T, 10, 5)
    (tmp_path / "SG920188_20260316.csv").write_text(
        world.HEADER + "1,0100000001,W001,800001,1000,14.04,,2026-03-16T09:30:00\n"
    )
    inbox_scan(tmp_path)
    assert [p.name for p in (tmp_path / "done").iterdir()] == ["SG920188_20260316.20260316T100500.csv"]


def test_the_proceeds_notice_prints_the_amount_with_separators_and_in_capitals(cast, client_for, tmp_path):
    from csdp.ipo.eod.day import eod_run
    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.services import proceeds_pay, reserve_deposit

    p1 = world.participant("Q001", "100001", funds_fen=0)
    offering = world.offering(online_shares=100_000, initial=100_000_000, issuer=cast.issuer_a.institution)
    at(T, 10)
    offering_subscriptions_load(
        offering=offering, path=world.subscription_file(tmp_path, [(1, "0100000001", "Q001", "100001", 100_000)])
    )
    at(T, 17)
    eod_run()
    at(offering.day(1), 10)
    reserve_deposit(institution=p1.institution, amount_fen=100_000 * 1404, reference="p1", actor=None)
    at(offering.day(1), 17)
    eod_run()
    at(offering.day(2), 10)
    proceeds_pay(offering=offering, actor=None)
    page = client_for(cast.operator).get(f"/ipo/{offering.pk}/payment-notice/").content.decode()
    assert "1,404,000.00" in page and "人民币壹佰肆拾万肆仟元整" in page
