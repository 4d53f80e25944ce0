"""The calendar page: staff read it; only the administrator closes and re-opens days, and every
change leaves an audit row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csdp.approvals.models import Approval
from csdp.audit.models import AuditEvent
from csdp.clock.models import ClosedDay
from csdp.clock.services import is_trading_day

pytestmark = pytest.mark.django_db


def test_the_calendar_page_shows_the_year_and_its_trading_day_count(cast, client_for):
    response = client_for(cast.reviewer).get(reverse("clock:calendar"), {"year": 2026})

    assert response.status_code == 200
    text = response.content.decode()
    assert "交易日历 2026" in text and "<strong>242</strong>" in text and "春节" in text
    assert reverse("clock:closed_day_create") not in text  # the reviewer reads, the administrator edits


def _approve(client_for, cast):
    approval = Approval.objects.get(status="prepared")
    same = client_for(cast.admin).post(
        reverse("approvals:decide", args=[approval.pk]), {"action": "approve"}, follow=True
    )
    assert "经办人与复核人不能为同一人" in same.content.decode()
    client_for(cast.reviewer).post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"})


def test_the_administrator_closes_a_day_through_the_page_a_second_person_approves_and_it_is_audited(cast, client_for):
    response = client_for(cast.admin).post(
        reverse("clock:closed_day_create"), {"date": "2026-03-10", "reason": "临时休市"}
    )

    assert response.status_code == 302
    assert is_trading_day(dt.date(2026, 3, 10))  # prepared, not yet in force
    _approve(client_for, cast)
    assert not is_trading_day(dt.date(2026, 3, 10))
    row = ClosedDay.objects.get(date=dt.date(2026, 3, 10))
    assert row.created_by == cast.admin
    event = AuditEvent.objects.for_object(row).get()
    assert (event.action, event.actor, event.to_state, event.reason) == (
        "calendar.close",
        cast.admin,
        "closed",
        "临时休市",
    )


def test_the_administrator_reopens_a_day_through_the_page_a_second_person_approves_and_it_is_audited(cast, client_for):
    row = ClosedDay.objects.get(date=dt.date(2026, 6, 19))
    response = client_for(cast.admin).post(
        reverse("clock:closed_day_delete", args=["2026-06-19"]), {"reason": "管理员取消"}
    )

    assert response.status_code == 302
    assert not is_trading_day(dt.date(2026, 6, 19))
    _approve(client_for, cast)
    assert is_trading_day(dt.date(2026, 6, 19))
    event = AuditEvent.objects.get(action="calendar.open", object_id=str(row.pk))
    assert (event.actor, event.from_state, event.to_state, event.reason) == (cast.admin, "closed", "open", "管理员取消")


@pytest.mark.parametrize("who", ["operator", "reviewer", "issuer_a"])
def test_anyone_but_the_administrator_is_refused_when_closing_or_opening_a_day(cast, client_for, who):
    client = client_for(getattr(cast, who))

    closing = client.post(reverse("clock:closed_day_create"), {"date": "2026-03-10", "reason": "x"})
    opening = client.post(reverse("clock:closed_day_delete", args=["2026-06-19"]), {"reason": "x"})

    assert (closing.status_code, opening.status_code) == (403, 403)
    assert is_trading_day(dt.date(2026, 3, 10)) and not is_trading_day(dt.date(2026, 6, 19))
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


def test_a_bad_date_in_the_form_is_refused_with_a_chinese_message(cast, client_for):
    response = client_for(cast.admin).post(
        reverse("clock:closed_day_create"), {"date": "2026-02-30", "reason": "x"}, follow=True
    )

    assert "请填写有效的日期与原因" in response.content.decode()
    assert not AuditEvent.objects.exists() and not Approval.objects.exists()


def test_closing_a_weekend_through_the_page_explains_why_it_is_refused(cast, client_for):
    response = client_for(cast.admin).post(
        reverse("clock:closed_day_create"), {"date": "2026-03-14", "reason": "x"}, follow=True
    )

    assert "周末本就休市" in response.content.decode()
    assert not ClosedDay.objects.filter(date=dt.date(2026, 3, 14)).exists()
