"""The state machine of a posting, written in one place (seed 004 §十一–§十三).

Who may make a change is part of the table: the posting's owner (USER), depository staff (STAFF)
or the system itself (SYSTEM: the daily recheck at expiry, the counter when a pledge registration
is finished).
"""

from __future__ import annotations

from django.db import models

from csdp.lib.errors import CsdpError
from csdp.lib.statemachine import STAFF, SYSTEM, USER, Machine
from csdp.lib.statemachine import TransitionRefused as BaseTransitionRefused


class PostingStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", "待审核"  # submitted, or edited after publication; staff check it (§十一, §十三)
    RETURNED = "returned", "被退回"  # refused by review or sent back for correction, with the reason (§十一, §四)
    OPEN = "open", "待洽谈"  # published, within validity, nobody negotiating yet (§十二(一))
    NEGOTIATING = "negotiating", "洽谈中"  # the owner is negotiating; registration not done (§十二(二))
    PLEDGED = "pledged", "已质押"  # registration done; never back — a new posting is needed (§十二(三))
    EXPIRED = "expired", "失效"  # past validity or ended by the owner/staff; final (§十二(四))
    DELETED = "deleted", "已删除"  # deleted by the owner; final, hidden, never restored (§十三)


class PledgeError(CsdpError):
    """A refused board action; ``message`` is Chinese and shown to the user."""

    code = "pledge.refused"


class TransitionRefused(BaseTransitionRefused, PledgeError):
    code = "pledge.transition_refused"


S = PostingStatus
# from-state → {to-state: who may make that change}. Nothing else moves a posting.
MACHINE = Machine(
    PostingStatus,
    {
        S.PENDING_REVIEW: {
            S.OPEN: frozenset({STAFF}),
            S.RETURNED: frozenset({STAFF}),
            S.EXPIRED: frozenset({USER, SYSTEM}),
            S.DELETED: frozenset({USER}),
        },
        S.RETURNED: {
            S.PENDING_REVIEW: frozenset({USER}),
            S.EXPIRED: frozenset({USER, SYSTEM}),
            S.DELETED: frozenset({USER}),
        },
        S.OPEN: {
            S.NEGOTIATING: frozenset({USER}),
            S.PLEDGED: frozenset({USER, SYSTEM}),
            S.EXPIRED: frozenset({USER, STAFF, SYSTEM}),
            S.PENDING_REVIEW: frozenset({USER}),
            S.RETURNED: frozenset({STAFF}),
            S.DELETED: frozenset({USER}),
        },
        S.NEGOTIATING: {
            S.OPEN: frozenset({USER}),
            S.PLEDGED: frozenset({USER, SYSTEM}),
            S.EXPIRED: frozenset({USER, STAFF, SYSTEM}),
            S.PENDING_REVIEW: frozenset({USER}),
            S.RETURNED: frozenset({STAFF}),
            S.DELETED: frozenset({USER}),
        },
        S.PLEDGED: {},
        S.EXPIRED: {},
        S.DELETED: {},
    },
    error=TransitionRefused,
    actor_labels={USER: "发布用户"},
)
TRANSITIONS = MACHINE.transitions

FINAL = MACHINE.final
PUBLISHED = frozenset({S.OPEN, S.NEGOTIATING})  # on the board and within validity (§十四)
BOARD = frozenset({S.OPEN, S.NEGOTIATING, S.PLEDGED})  # shown on the board
LIVE = frozenset({S.PENDING_REVIEW, S.RETURNED, S.OPEN, S.NEGOTIATING})  # may still expire


def check_transition(from_state: str, to_state: str, by: str) -> None:
    MACHINE.check(from_state, to_state, by)
