"""Four-eyes kinds of 权益分派 (csdp/approvals): the plan (from the accepted counter application) and
its withdrawal before R. What a reviewer approves is exactly the payload applied."""

from __future__ import annotations

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind

PLAN, WITHDRAW = "dividend.plan", "dividend.withdraw"


def _apply_plan(approval) -> dict:
    from csdp.dividend.services import distribution_schedule  # here: dividend.services imports this module

    distribution = distribution_schedule(payload=approval.payload, actor=approval.approved_by)
    return {
        "distribution_id": distribution.pk,
        "record_date": str(distribution.record_date),
        "pay_date": str(distribution.pay_date),
        "list_date": str(distribution.list_date),
    }


def _apply_withdraw(approval) -> dict:
    from csdp.dividend.services import distribution_withdraw  # here: dividend.services imports this module

    distribution = distribution_withdraw(
        distribution_id=approval.payload["distribution_id"],
        reason=approval.payload["reason"],
        actor=approval.approved_by,
    )
    return {"distribution_id": distribution.pk, "status": distribution.status}


register_kind(
    code=PLAN,
    label="权益分派方案",
    apply=_apply_plan,
    preparers={Role.OPERATOR, Role.ADMIN},
    approvers={Role.REVIEWER, Role.ADMIN},
)
register_kind(
    code=WITHDRAW,
    label="权益分派撤销",
    apply=_apply_withdraw,
    preparers={Role.OPERATOR, Role.ADMIN},
    approvers={Role.REVIEWER, Role.ADMIN},
)
