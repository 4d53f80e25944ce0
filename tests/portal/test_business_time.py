"""Business time (Asia/Shanghai) wherever a time is shown or used in an identifier (issue 19 §11)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from csdp.clock.services import clock_set

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_keys_expiring_prints_the_beijing_expiry_day(cast):
    from csdp.keys.models import Certificate
    from csdp.keys.testing import enrol_test_key

    certificate = enrol_test_key(cast.issuer_a).certificate
    # 20:00 UTC on 03-15 is 04:00 on 03-16 in Beijing: the certificate runs out on the 16th.
    Certificate.objects.filter(pk=certificate.pk).update(not_after=dt.datetime(2028, 3, 15, 20, 0, tzinfo=UTC))
    clock_set(moment=dt.datetime(2028, 3, 1, 10, 0), frozen=True)
    out = io.StringIO()
    call_command("keys", "expiring", stdout=out)
    assert out.getvalue().startswith("2028-03-16  issuer_a")


def test_an_application_filed_before_8_in_the_morning_carries_todays_date(cast):
    from csdp.counter.models import Application, BusinessType

    moment = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    application = Application.objects.create(
        business_type=BusinessType.objects.get(code="01"),
        filer_institution=cast.issuer_a.institution,
        filed_by=cast.issuer_a,
        securities_code="920001",
        status="draft",
        status_since=moment,
        created_at=moment,
    )
    assert application.reference == f"GT20260302{application.pk:06d}"


def test_the_clock_api_gives_the_beijing_date(cast, client_for):
    clock_set(moment=dt.datetime(2026, 3, 17, 6, 30), frozen=True)  # 06:30 Beijing = 22:30 UTC the day before
    body = client_for(cast.operator).get("/api/v1/calendar/clock").json()
    assert body["today"] == "2026-03-17" and body["now"].startswith("2026-03-17T06:30")
