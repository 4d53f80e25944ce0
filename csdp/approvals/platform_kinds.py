"""The four-eyes kinds of the platform apps below csdp.approvals (issue 20 §2): staff role grants
(accounts) and calendar changes (the clock).

Those apps sit below approvals, which reads roles and business time from them, so they do not import
it: their prepares go through csdp.accounts.four_eyes, whose slots are filled here, and their kinds are
registered here with the ``apply`` functions they own. Loaded once from ApprovalsConfig.ready()."""

from __future__ import annotations

from csdp.accounts.administration import ROLE_GRANT_KIND, role_grant_apply
from csdp.accounts.four_eyes import four_eyes_register
from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_admin_kind, register_kind
from csdp.approvals.selectors import approvals_waiting
from csdp.approvals.services import approval_prepare
from csdp.clock import changes

four_eyes_register(prepare=approval_prepare, waiting=approvals_waiting)

# Role grants: prepared by one administrator and approved by another (not by a reviewer).
register_kind(
    code=ROLE_GRANT_KIND,
    label="授予/变更内部岗位",
    apply=role_grant_apply,
    preparers={Role.ADMIN},
    approvers={Role.ADMIN},
)
register_admin_kind(code=changes.CLOSE_DAY, label="登记休市日", apply=changes.close_day_apply)
register_admin_kind(code=changes.OPEN_DAY, label="取消休市日", apply=changes.open_day_apply)
register_admin_kind(code=changes.LOAD_YEAR, label="导入年度休市安排", apply=changes.load_year_apply)
