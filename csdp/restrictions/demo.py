"""The demo world's court freeze and pledges (order 75), made as production makes them: every frozen or
pledged demo share belongs to a Freeze or Pledge record, so staff can release or renew them, they show
on the restrictions pages, a 权益分派's bonus shares on them accrue to the records, and
``restrictions_rebuild_check`` finds records = register.

Order 75: after the register (30), whose code switch 833819 → 920819 moves lots but no records (only
the IPO's switch step calls ``switch.restrictions_follow_code_switch``), and after the pledge board
(70), which links the parties' board users to their investors. So the records are made on the codes
the demo users see today — 张明's on 920819, 国新投资's on 920188 — and 833819's history stays as it
was. They are made with the business clock on the previous trading day (put back after), so the
holdings the board offers, the previous trading day's end of day (004 §十一), already leave them out.
The freeze is prepared by the demo operator and approved by the demo reviewer (four-eyes); each pledge
is filed by the pledgor, confirmed by the pledgee, prepared by the operator, approved by the reviewer.
Idempotent: a freeze by its court notice, a pledge by its contract number.
"""

from __future__ import annotations

import datetime as dt

from csdp.accounts.demo import register_seeder
from csdp.accounts.models import User
from csdp.approvals.services import approval_approve
from csdp.clock.services import business_today, clock_moved_to
from csdp.issuers.demo import demo_pdf
from csdp.pledge.selectors import previous_trading_day
from csdp.restrictions.models import Freeze, Pledge
from csdp.restrictions.services_freeze import FreezeData, freeze_prepare
from csdp.restrictions.services_pledge import PLEDGOR, PledgeData, pledge_apply, pledge_confirm, pledge_review_prepare

# (court, notice number, account, code, shares)
FREEZES = [("北京市朝阳区人民法院", "（2025）京0105执1234号", "0180000001", "920819", 3_000)]
# (contract number, pledgor, pledgee, account, code, shares, debt yuan)
PLEDGES = [
    ("DEMO-ZY-2025-001", "pledger", "lender_wang", "0180000001", "920819", 5_000, 60_000),
    ("DEMO-ZY-2026-002", "pledger_gx", "lender_hx", "0880000004", "920188", 4_000_000, 50_000_000),
]
FREEZE_DAYS = 2 * 365  # within the three years one notice may freeze for (rules.md §13)
DEBT_DAYS = 365


def _freeze(court: str, notice: str, account: str, code: str, shares: int, *, operator, reviewer) -> None:
    if Freeze.objects.filter(court=court, document_number=notice).exists():
        return
    today = business_today()
    approval = freeze_prepare(
        by=operator,
        data=FreezeData(
            court=court,
            document_number=notice,
            account_number=account,
            security_code=code,
            whole_holding=False,
            quantity_shares=shares,
            start_date=today,
            end_date=today + dt.timedelta(days=FREEZE_DAYS),
        ),
        files=[demo_pdf("协助执行通知书.pdf", actor=operator)],
    )
    approval_approve(approval=approval, by=reviewer)


def _pledge(contract, pledgor, pledgee, account, code, shares, debt_yuan, *, operator, reviewer) -> None:
    if Pledge.objects.filter(contract_number=contract).exists():
        return
    today = business_today()
    pledgor, pledgee = User.objects.get(username=pledgor), User.objects.get(username=pledgee)
    pledge = pledge_apply(
        by=pledgor,
        data=PledgeData(
            role=PLEDGOR,
            counterparty=pledgee.username,
            pledgor_account=account,
            security_code=code,
            share_nature="00",
            lockup_end=None,
            quantity_shares=shares,
            debt_amount_fen=debt_yuan * 100,
            debt_start=today,
            debt_end=today + dt.timedelta(days=DEBT_DAYS),
            contract_number=contract,
        ),
        files=[demo_pdf("质押合同.pdf", owner=pledgor.institution, actor=pledgor)],
    )
    pledge_confirm(pledge=pledge, by=pledgee)
    approval_approve(approval=pledge_review_prepare(pledge=pledge, by=operator), by=reviewer)


@register_seeder(order=75)
def seed_restrictions() -> None:
    staff = {"operator": User.objects.get(username="operator"), "reviewer": User.objects.get(username="reviewer")}
    day = previous_trading_day()
    with clock_moved_to(dt.datetime(day.year, day.month, day.day, 10, 0)):
        for row in FREEZES:
            _freeze(*row, **staff)
        for row in PLEDGES:
            _pledge(*row, **staff)
