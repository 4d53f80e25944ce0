"""The filer is told at each step, by SMS and e-mail (csdp.notify.services.notify_user)."""

from __future__ import annotations

import pytest

from csdp.counter import handling
from csdp.counter.services import CounterError, application_confirm_results, round_prepare
from csdp.notify.models import OutboxMessage
from tests.counter.factories import draft, pdf_upload, sign_and_submit


def _purposes(user):
    return list(
        OutboxMessage.objects.filter(user=user, purpose__startswith="counter.", channel="sms")
        .order_by("id")
        .values_list("purpose", flat=True)
    )


def test_the_filer_is_notified_at_every_step_of_the_round_trip(cast, codes, key_a):
    app = sign_and_submit(draft(cast.issuer_a), cast.issuer_a, key_a)
    handling.application_return(application=app, actor=cast.operator, kind="modify", opinion="请补充验资报告")
    round_prepare(application=app, user=cast.issuer_a, files=[pdf_upload("补充.pdf")])
    sign_and_submit(app, cast.issuer_a, key_a)
    handling.application_accept(application=app, actor=cast.operator)
    handling.result_attach(application=app, actor=cast.operator, file=pdf_upload("结果.pdf"))
    handling.application_issue_results(application=app, actor=cast.operator)
    application_confirm_results(application=app, user=cast.issuer_a)
    assert _purposes(cast.issuer_a) == [
        "counter.submitted",
        "counter.returned",
        "counter.submitted",
        "counter.accepted",
        "counter.result_issued",
        "counter.finished",
    ]


def test_both_sms_and_email_go_to_the_filer_with_the_opinion(cast, codes, key_a):
    app = sign_and_submit(draft(cast.issuer_a), cast.issuer_a, key_a)
    handling.application_return(application=app, actor=cast.operator, kind="modify", opinion="请补充验资报告")
    returned = OutboxMessage.objects.filter(purpose="counter.returned")
    assert {m.channel for m in returned} == {"sms", "email"}
    assert {m.recipient for m in returned} == {cast.issuer_a.mobile, cast.issuer_a.email}
    assert all("请补充验资报告" in m.body and app.reference in m.body for m in returned)


def test_a_refused_step_sends_nothing(cast, codes, key_a):
    app = sign_and_submit(draft(cast.issuer_a), cast.issuer_a, key_a)
    before = OutboxMessage.objects.count()
    with pytest.raises(CounterError):
        application_confirm_results(application=app, user=cast.issuer_a)
    assert OutboxMessage.objects.count() == before


def test_nobody_else_is_notified(cast, codes, key_a):
    sign_and_submit(draft(cast.issuer_a), cast.issuer_a, key_a)
    assert not OutboxMessage.objects.filter(purpose__startswith="counter.").exclude(user=cast.issuer_a).exists()


def test_a_submission_tells_the_named_handlers_and_a_resubmission_the_assignee(cast, codes, key_a, django_user_model):
    from csdp.counter.models import BusinessType

    colleague = django_user_model.objects.create(
        username="operator2", staff_role="operator", email="operator2@example.test"
    )
    BusinessType.objects.get(code="00").handlers.set([cast.operator, colleague])
    app = sign_and_submit(draft(cast.issuer_a), cast.issuer_a, key_a)
    told = OutboxMessage.objects.filter(purpose="counter.to_handle")
    assert {m.user for m in told} == {cast.operator, colleague}
    handling.application_return(application=app, actor=colleague, kind="modify", opinion="请补充")
    round_prepare(application=app, user=cast.issuer_a, files=[pdf_upload("补充.pdf")])
    before = told.count()
    sign_and_submit(app, cast.issuer_a, key_a)
    assert {m.user for m in told.order_by("id")[before:]} == {colleague}
