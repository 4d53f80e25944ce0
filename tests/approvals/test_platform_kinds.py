"""The four-eyes of the apps below csdp.approvals (role grants, calendar changes) go through
csdp.accounts.four_eyes and are the same four-eyes as everyone's: the role check, the second person,
the effect applied only on approval — called as services, whatever page or command calls them."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.accounts.administration import ROLE_GRANT_KIND, role_grants_pending, staff_role_grant_prepare
from csdp.accounts.roles import StaffRole
from csdp.approvals.kinds import kind_for
from csdp.approvals.services import ApprovalRefused, approval_approve
from csdp.clock.changes import CLOSE_DAY, LOAD_YEAR, OPEN_DAY, closed_day_add_prepare
from csdp.clock.models import ClosedDay

pytestmark = pytest.mark.django_db


def test_the_kinds_of_the_apps_below_approvals_are_registered_with_their_roles():
    assert kind_for(ROLE_GRANT_KIND).approvers == {"admin"}
    for code in (CLOSE_DAY, OPEN_DAY, LOAD_YEAR):
        kind = kind_for(code)
        assert kind.preparers == {"admin"} and kind.approvers == {"admin", "reviewer"}


def test_a_reviewer_cannot_prepare_a_calendar_change_even_calling_the_service(cast):
    with pytest.raises(ApprovalRefused):
        closed_day_add_prepare(day=dt.date(2026, 3, 10), reason="临时休市", by=cast.reviewer)


def test_a_closed_day_takes_effect_only_when_a_second_person_approves(cast):
    approval = closed_day_add_prepare(day=dt.date(2026, 3, 10), reason="临时休市", by=cast.admin)
    assert not ClosedDay.objects.filter(date=dt.date(2026, 3, 10)).exists()

    with pytest.raises(ApprovalRefused):
        approval_approve(approval=approval, by=cast.admin)
    approval_approve(approval=approval, by=cast.reviewer)

    assert ClosedDay.objects.filter(date=dt.date(2026, 3, 10)).exists()


def test_a_pending_role_grant_is_listed_on_its_user_until_approved(cast):
    approval = staff_role_grant_prepare(user=cast.operator, staff_role=StaffRole.REVIEWER, actor=cast.admin)

    assert list(role_grants_pending(cast.operator)) == [approval]
