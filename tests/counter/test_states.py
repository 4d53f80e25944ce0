"""The state machine, exhaustively: every (from, to) pair of the one transition table, and every
action of the services from every state — allowed ones move and leave a Transition row and an audit
event, refused ones raise CounterError and change nothing."""

from __future__ import annotations

import itertools

import pytest

from csdp.audit.models import AuditEvent
from csdp.counter import handling
from csdp.counter.models import Transition
from csdp.counter.services import (
    CounterError,
    application_confirm_results,
    application_submit,
    application_withdraw,
    pending_round,
    round_prepare,
)
from csdp.counter.states import FINAL, MACHINE, TRANSITIONS, Status, TransitionRefused, check_transition
from csdp.lib.statemachine import STAFF, USER
from tests.counter.factories import draft, drive, pdf_upload, sign_and_submit

ALL = list(Status)


@pytest.mark.parametrize(("from_state", "to_state"), list(itertools.product(ALL, ALL)))
def test_the_table_allows_exactly_the_listed_transitions(from_state, to_state):
    if to_state in TRANSITIONS[from_state]:
        check_transition(from_state, to_state)
    else:
        with pytest.raises(TransitionRefused) as refused:
            check_transition(from_state, to_state)
        assert Status(from_state).label in refused.value.message


def test_every_state_is_in_the_table_and_final_states_lead_nowhere():
    assert set(TRANSITIONS) == set(Status)
    assert {Status.FINISHED, Status.WITHDRAWN} == FINAL
    assert all(target in Status.values for targets in TRANSITIONS.values() for target in targets)


def _submit(app, ctx):
    if app.status == Status.RETURNED:
        round_prepare(application=app, user=ctx["filer"], remark="已按意见修改", files=[pdf_upload("修改后.pdf")])
    if pending_round(app) is None:  # nothing to sign: the service must still refuse
        return application_submit(application=app, user=ctx["filer"], signature_payload="")
    return sign_and_submit(app, ctx["filer"], ctx["key"])


def _issue(app, ctx):
    if app.status == Status.ACCEPTED:
        handling.result_attach(application=app, actor=ctx["operator"], file=pdf_upload("结果.pdf"))
    return handling.application_issue_results(application=app, actor=ctx["operator"])


# Each action of the services, the state it moves an application to and who acts (the filer or staff).
ACTIONS = {
    "submit": (Status.SUBMITTED, _submit, USER),
    "withdraw": (Status.WITHDRAWN, lambda app, ctx: application_withdraw(application=app, user=ctx["filer"]), USER),
    "accept": (
        Status.ACCEPTED,
        lambda app, ctx: handling.application_accept(application=app, actor=ctx["operator"]),
        STAFF,
    ),
    "return": (
        Status.RETURNED,
        lambda app, ctx: handling.application_return(
            application=app, actor=ctx["operator"], kind="confirm", opinion="请确认材料"
        ),
        STAFF,
    ),
    "issue_results": (Status.RESULT_ISSUED, _issue, STAFF),
    "confirm_results": (
        Status.FINISHED,
        lambda app, ctx: application_confirm_results(application=app, user=ctx["filer"]),
        USER,
    ),
    # the business an accepted application started was withdrawn through its own four-eyes (权益分派撤销)
    "withdraw_accepted": (
        Status.WITHDRAWN,
        lambda app, ctx: handling.application_withdraw_accepted(application=app, actor=ctx["reviewer"], reason="撤销"),
        STAFF,
    ),
}


def test_every_allowed_transition_has_an_action():
    reachable = {target for target, _, _ in ACTIONS.values()}
    assert {t for targets in TRANSITIONS.values() for t in targets} <= reachable


@pytest.mark.parametrize(("state", "action"), list(itertools.product(ALL, ACTIONS)))
def test_each_action_from_each_state_moves_only_where_the_table_allows(cast, codes, key_a, state, action):
    ctx = {"filer": cast.issuer_a, "key": key_a, "operator": cast.operator, "reviewer": cast.reviewer}
    app = drive(draft(cast.issuer_a), state, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    assert app.status == state
    target, act, by = ACTIONS[action]
    transitions_before = Transition.objects.filter(application=app).count()
    # withdraw_accepted ends only an accepted application (a draft or a submission is the filer's to withdraw)
    if MACHINE.allowed(state, target, by) and (action != "withdraw_accepted" or state == Status.ACCEPTED):
        moved = act(app, ctx)
        moved.refresh_from_db()
        assert moved.status == target
        last = Transition.objects.filter(application=app).last()
        assert (last.from_state, last.to_state) == (state, target)
        assert AuditEvent.objects.filter(
            object_id=str(app.pk), action=f"counter.{target}", from_state=state, to_state=target
        ).exists()
    else:
        with pytest.raises(CounterError):
            act(app, ctx)
        app.refresh_from_db()
        assert app.status == state
        assert Transition.objects.filter(application=app).count() == transitions_before


def test_transition_rows_cannot_be_edited_or_deleted(cast, codes, key_a):
    app = drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    row = Transition.objects.get(application=app)
    row.reason = "改写"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()


def test_a_finished_application_records_the_whole_path_in_order(cast, codes, key_a):
    app = drive(draft(cast.issuer_a), Status.FINISHED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    path = list(Transition.objects.filter(application=app).values_list("from_state", "to_state"))
    assert path == [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.RESULT_ISSUED),
        (Status.RESULT_ISSUED, Status.FINISHED),
    ]
    assert app.finished_at is not None


@pytest.mark.parametrize("table", ["counter_transition", "counter_assignment"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET at = at", "DELETE FROM {table}"])
def test_the_database_refuses_to_rewrite_history(cast, codes, key_a, table, statement):
    from django.db import DatabaseError, connection, transaction

    app = drive(draft(cast.issuer_a), Status.ACCEPTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert app.transitions.count() == 2 and app.assignments.count() == 1


def test_only_the_depository_ends_an_accepted_application_and_the_system_may_too(cast, codes, key_a):
    app = drive(draft(cast.issuer_a), Status.ACCEPTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    with pytest.raises(TransitionRefused) as refused:
        application_withdraw(application=app, user=cast.issuer_a)
    assert refused.value.message == "当前状态“办理中”不能由申请人变更为“已撤回”。"
    ended = handling.application_withdraw_accepted(application=app, actor=None, reason="权益分派已撤销：测试")
    assert ended.status == Status.WITHDRAWN
    last = Transition.objects.filter(application=app).last()
    assert (last.from_state, last.to_state, last.actor, last.actor_kind) == (
        Status.ACCEPTED,
        Status.WITHDRAWN,
        None,
        "system",
    )
    assert AuditEvent.objects.filter(object_id=str(app.pk), action="counter.withdrawn", actor__isnull=True).exists()
