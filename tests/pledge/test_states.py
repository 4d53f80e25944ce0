"""The posting state machine, exhaustively: every (from, to, who) either is in the one table or is
refused, at the table and through the services; each change leaves a transition row and an audit event."""

import itertools

import pytest
from django.db import DatabaseError, transaction

from csdp.audit.models import AuditEvent
from csdp.pledge.models import PostingTransition, Side
from csdp.pledge.services import PledgeError, posting_approve, posting_return, posting_set_status
from csdp.pledge.states import (
    FINAL,
    STAFF,
    SYSTEM,
    TRANSITIONS,
    USER,
    PostingStatus,
    TransitionRefused,
    check_transition,
)
from tests.pledge.factories import posting

ALL = list(PostingStatus)
WHO = [USER, STAFF, SYSTEM]


def test_the_table_names_every_state_and_only_known_states():
    assert set(TRANSITIONS) == set(PostingStatus.values)
    for targets in TRANSITIONS.values():
        assert set(targets) <= set(PostingStatus.values)


@pytest.mark.parametrize("from_state,to_state,by", list(itertools.product(ALL, ALL, WHO)))
def test_check_transition_allows_exactly_the_table(from_state, to_state, by):
    allowed = by in TRANSITIONS[from_state].get(to_state, frozenset())
    if allowed:
        check_transition(from_state, to_state, by)
    else:
        with pytest.raises(TransitionRefused):
            check_transition(from_state, to_state, by)


def test_the_seed_rules_hold_in_the_table():
    s = PostingStatus
    # 004 §十二: 待洽谈 ⇄ 洽谈中, either → 已质押, by the user.
    assert USER in TRANSITIONS[s.OPEN][s.NEGOTIATING] and USER in TRANSITIONS[s.NEGOTIATING][s.OPEN]
    assert USER in TRANSITIONS[s.OPEN][s.PLEDGED] and USER in TRANSITIONS[s.NEGOTIATING][s.PLEDGED]
    # 已质押 never back, 失效 final, deleted never restored.
    assert {s.PLEDGED, s.EXPIRED, s.DELETED} == FINAL
    # 004 §十三: an edit of a published or returned posting goes back through review.
    for state in (s.OPEN, s.NEGOTIATING, s.RETURNED):
        assert TRANSITIONS[state][s.PENDING_REVIEW] == frozenset({USER})
    # Only staff publish or return.
    assert TRANSITIONS[s.PENDING_REVIEW][s.OPEN] == frozenset({STAFF})


USER_TARGETS = [
    PostingStatus.OPEN,
    PostingStatus.NEGOTIATING,
    PostingStatus.PLEDGED,
    PostingStatus.EXPIRED,
    PostingStatus.DELETED,
]


@pytest.mark.parametrize("from_state,to_state", list(itertools.product(ALL, USER_TARGETS)))
def test_the_owner_moves_a_posting_exactly_as_the_table_allows(lender, from_state, to_state):
    row = posting(lender, status=from_state)
    allowed = USER in TRANSITIONS[from_state].get(to_state, frozenset())
    if allowed:
        posting_set_status(posting=row, user=lender, to_state=to_state)
        row.refresh_from_db()
        assert row.status == to_state
        last = PostingTransition.objects.filter(posting=row).last()
        assert (last.from_state, last.to_state, last.actor_kind, last.actor) == (from_state, to_state, USER, lender)
        assert AuditEvent.objects.filter(object_id=str(row.pk), action=f"pledge.posting.{to_state}").exists()
    else:
        with pytest.raises(PledgeError):
            posting_set_status(posting=row, user=lender, to_state=to_state)
        row.refresh_from_db()
        assert row.status == from_state
        assert not PostingTransition.objects.filter(posting=row).exists()


def test_another_user_cannot_move_someone_elses_posting(lender, outsider):
    row = posting(lender)
    with pytest.raises(PledgeError, match="只有发布用户"):
        posting_set_status(posting=row, user=outsider, to_state=PostingStatus.NEGOTIATING)


@pytest.mark.parametrize("from_state", ALL)
def test_staff_approve_only_a_posting_waiting_for_review(lender, cast, from_state):
    row = posting(lender, status=from_state, side=Side.LENDER, rate_bp=600)
    if from_state == PostingStatus.PENDING_REVIEW:
        posting_approve(posting=row, actor=cast.reviewer)
        row.refresh_from_db()
        assert row.status == PostingStatus.OPEN and row.published_at is not None
    else:
        with pytest.raises(PledgeError):
            posting_approve(posting=row, actor=cast.reviewer)


@pytest.mark.parametrize("from_state", ALL)
def test_staff_return_a_posting_under_review_or_published_with_a_reason(lender, cast, from_state):
    row = posting(lender, status=from_state)
    if STAFF in TRANSITIONS[from_state].get(PostingStatus.RETURNED, frozenset()):
        posting_return(posting=row, actor=cast.reviewer, reason="利率超限")
        row.refresh_from_db()
        assert row.status == PostingStatus.RETURNED and row.review_reason == "利率超限"
    else:
        with pytest.raises(PledgeError):
            posting_return(posting=row, actor=cast.reviewer, reason="利率超限")


def test_a_return_without_a_reason_is_refused(lender, cast):
    row = posting(lender, status=PostingStatus.PENDING_REVIEW)
    with pytest.raises(PledgeError, match="退回原因"):
        posting_return(posting=row, actor=cast.reviewer, reason="  ")


def test_the_database_refuses_to_edit_or_delete_a_transition_row(lender):
    row = posting(lender)
    posting_set_status(posting=row, user=lender, to_state=PostingStatus.NEGOTIATING)
    transition = PostingTransition.objects.get(posting=row)
    for action in (
        lambda: PostingTransition.objects.filter(pk=transition.pk).update(reason="改写"),
        lambda: PostingTransition.objects.filter(pk=transition.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            action()
