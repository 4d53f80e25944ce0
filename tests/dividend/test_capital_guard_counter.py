"""The suspension as staff meet it: an issuer's 新增股份 on the counter, approved by a reviewer while the
security's 权益分派 waits for R, is refused with the reason and changes nothing (csdp.dividend.guards)."""

from __future__ import annotations

import pytest

from csdp.approvals.models import Status as ApprovalStatus
from csdp.approvals.services import approval_approve
from csdp.lib.errors import CsdpError
from csdp.register.models import Position
from csdp.securities.models import Security
from tests.dividend.world import schedule
from tests.register.test_issuer_businesses import LOCKUP, accept, file_business, holder, initial
from tests.register.test_issuer_businesses import world  # noqa: F401  (the register's counter world)


def test_new_shares_approved_while_a_distribution_waits_for_r_are_refused_to_the_reviewer(world):
    initial(world)
    schedule(world["cast"].issuer_a, code="920188")
    approval = accept(world, file_business(world, "02", [holder(world, 0, 50_000, "05", LOCKUP)], 50_000))
    with pytest.raises(CsdpError) as refused:
        approval_approve(approval=approval, by=world["cast"].reviewer)
    assert refused.value.code == "register.capital_suspended" and "暂停办理" in refused.value.message
    approval.refresh_from_db()
    assert approval.status != ApprovalStatus.APPROVED
    assert Security.objects.get(code="920188").issued_shares == 1_000_000
    assert not Position.objects.filter(share_nature="05", quantity=50_000).exists()
