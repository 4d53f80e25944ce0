import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from csdp.approvals.eod import apply_due
from csdp.approvals.models import Approval, ApprovalTransition, Status
from csdp.approvals.services import (
    ApprovalRefused,
    approval_approve,
    approval_cancel,
    approval_reject,
    approval_retry,
)
from csdp.audit.models import AuditEvent
from csdp.clock.services import business_today
from csdp.lib.errors import Conflict, CsdpError
from tests.approvals import kinds
from tests.approvals.kinds import prepare


@pytest.fixture(autouse=True)
def _clean_notes():
    kinds.APPLIED.clear()


def test_the_preparer_cannot_approve_its_own_business(cast):
    approval = prepare(cast.admin)
    with pytest.raises(ApprovalRefused) as refused:
        approval_approve(approval=approval, by=cast.admin)
    assert refused.value.code == "approval.same_person"
    assert Approval.objects.get(pk=approval.pk).status == Status.PREPARED
    assert kinds.APPLIED == []


def test_a_different_reviewer_approves_and_the_effect_applies_at_once(cast):
    approval = approval_approve(approval=prepare(cast.operator), by=cast.reviewer)
    assert approval.status == Status.APPLIED
    assert approval.result == {"applied": 1}
    assert kinds.APPLIED == [{"n": 1}]
    assert [t.to_state for t in approval.transitions.all()] == [Status.PREPARED, Status.APPLIED]
    assert AuditEvent.objects.for_object(approval).filter(action="approval.apply").exists()


def test_roles_outside_the_kind_may_neither_prepare_nor_approve(cast):
    with pytest.raises(ApprovalRefused):
        prepare(cast.reviewer)
    with pytest.raises(ApprovalRefused):
        approval_approve(approval=prepare(cast.operator), by=cast.participant)


def test_preparing_twice_with_one_key_returns_the_same_approval_and_other_content_is_refused(cast):
    first = prepare(cast.operator, key="same")
    assert prepare(cast.operator, key="same").pk == first.pk
    with pytest.raises(Conflict):
        prepare(cast.operator, key="same", n=2)


def test_a_refusal_while_applying_leaves_nothing_applied_and_the_approval_pending(cast):
    approval = prepare(cast.operator, refuse=True)
    with pytest.raises(CsdpError, match="持有数量不足"):
        approval_approve(approval=approval, by=cast.reviewer)
    approval.refresh_from_db()
    assert approval.status == Status.PREPARED and approval.approved_by is None
    assert kinds.APPLIED == []


def test_a_future_effect_waits_for_the_end_of_day_of_its_date_and_runs_once(cast):
    later = business_today() + dt.timedelta(days=3)
    approval = approval_approve(approval=prepare(cast.operator, effective_date=later), by=cast.reviewer)
    assert approval.status == Status.APPROVED and kinds.APPLIED == []
    assert apply_due(business_today()) == []
    lines = apply_due(later)
    assert [line.text for line in lines] == ["已执行"]
    assert apply_due(later) == []  # a second run changes nothing
    assert kinds.APPLIED == [{"n": 1}]


def test_a_refusal_at_the_end_of_day_marks_it_failed_with_the_reason_and_it_can_be_retried(cast):
    later = business_today() + dt.timedelta(days=1)
    approval = approval_approve(approval=prepare(cast.operator, effective_date=later, refuse=True), by=cast.reviewer)
    [line] = apply_due(later)
    approval.refresh_from_db()
    assert approval.status == Status.FAILED and "持有数量不足" in approval.failure and line.error
    assert approval_retry(approval=approval, by=cast.reviewer).status == Status.APPROVED


def test_a_rejection_needs_a_reason_and_is_final(cast):
    approval = prepare(cast.operator)
    with pytest.raises(CsdpError):
        approval_reject(approval=approval, by=cast.reviewer, reason=" ")
    approval = approval_reject(approval=approval, by=cast.reviewer, reason="材料不全")
    with pytest.raises(CsdpError):
        approval_approve(approval=approval, by=cast.admin)


def test_a_kind_hears_of_its_rejection_and_the_reason_in_the_rejecting_transaction(cast):
    from csdp.approvals.kinds import register_kind
    from csdp.approvals.services import approval_prepare

    heard = []

    def on_reject(approval, *, by, reason):
        heard.append((approval.pk, approval.status, by.pk, reason))

    register_kind(code="test.heard", label="测试驳回", apply=lambda approval: {}, on_reject=on_reject)
    approval = approval_prepare(kind="test.heard", key="h1", summary="测试", payload={}, by=cast.operator)
    approval_reject(approval=approval, by=cast.reviewer, reason=" 材料不全 ")
    assert heard == [(approval.pk, Status.REJECTED, cast.reviewer.pk, "材料不全")]


def test_a_rejection_its_kind_refuses_leaves_the_approval_waiting(cast):
    from csdp.approvals.kinds import register_kind
    from csdp.approvals.services import approval_prepare

    def on_reject(approval, *, by, reason):
        raise CsdpError("申请已办结，不能驳回。", code="test.refused")

    register_kind(code="test.refuses", label="测试驳回被拒", apply=lambda approval: {}, on_reject=on_reject)
    approval = approval_prepare(kind="test.refuses", key="h2", summary="测试", payload={}, by=cast.operator)
    with pytest.raises(CsdpError, match="申请已办结"):
        approval_reject(approval=approval, by=cast.reviewer, reason="材料不全")
    approval.refresh_from_db()
    assert approval.status == Status.PREPARED and not approval.transitions.filter(to_state=Status.REJECTED).exists()


def test_only_the_preparer_cancels(cast):
    approval = prepare(cast.operator)
    with pytest.raises(ApprovalRefused):
        approval_cancel(approval=approval, by=cast.reviewer)
    assert approval_cancel(approval=approval, by=cast.operator).status == Status.CANCELLED


@pytest.mark.parametrize("statement", ["UPDATE {t} SET reason = 'x'", "DELETE FROM {t}"])
def test_the_history_is_append_only_in_the_database(cast, statement):
    prepare(cast.operator)
    table = ApprovalTransition._meta.db_table
    with pytest.raises(IntegrityError if connection.vendor == "postgresql" else Exception):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(t=table))
