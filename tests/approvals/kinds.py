"""A test kind of four-eyes business: applying it appends to NOTES (and refuses when told to)."""

from __future__ import annotations

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.services import approval_prepare
from csdp.lib.errors import CsdpError

APPLIED: list[dict] = []


def _apply(approval):
    if approval.payload.get("refuse"):
        raise CsdpError("持有数量不足，不能执行。", code="test.refused")
    APPLIED.append(approval.payload)
    return {"applied": approval.payload.get("n", 0)}


register_kind(
    code="test.note",
    label="测试业务",
    apply=_apply,
    preparers={Role.OPERATOR, Role.ADMIN},
    approvers={Role.REVIEWER, Role.ADMIN},
)


def prepare(user, *, key="k1", effective_date=None, **payload):
    return approval_prepare(
        kind="test.note", key=key, summary="测试", payload={"n": 1, **payload}, by=user, effective_date=effective_date
    )
