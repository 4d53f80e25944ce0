"""Records follow a security code switch (rules.md §5; seed 002 ch. 2, L-1: the NEEQ code becomes the
920 code). ``csdp.register.security_code_switch`` moves every lot — quantities, frozen and pledged —
to the new code; this moves the records behind them the same day, so a release, an unfreeze or a
deduction after the switch finds its shares. Called by the IPO's code-switch step right after the
register's switch, in the same transaction; running it again moves nothing.

What moves: pledges registered or still being applied for, and live freezes. Finished records keep
the code they were made on (their history); the rebuild check counts their events for the new code.
An application already prepared for review carries the old code in its signed digest, so its review
is refused and must be prepared again (the parties signed the old code; the mapping table names the
same shares).
"""

from __future__ import annotations

from csdp.audit.services import audit_record
from csdp.restrictions.models import FREEZE_LIVE, PLEDGE_OPEN, PLEDGE_OUTSTANDING, Freeze, Pledge
from csdp.securities.models import Security


def restrictions_follow_code_switch(*, old_code: str, new_code: str, actor=None) -> int:
    """Re-point the live records of ``old_code`` to ``new_code``; returns how many moved."""
    old = Security.objects.filter(code=old_code).first()
    new = Security.objects.filter(code=new_code).first()
    if old is None or new is None:
        return 0
    pledges = list(
        Pledge.objects.select_for_update()
        .filter(security=old, status__in=PLEDGE_OUTSTANDING | PLEDGE_OPEN)
        .order_by("pk")
    )
    freezes = list(Freeze.objects.select_for_update().filter(security=old, status__in=FREEZE_LIVE).order_by("pk"))
    for record in (*pledges, *freezes):
        record.security = new
        record.save(update_fields=["security"])
        audit_record(
            actor=actor or "system",
            obj=record,
            action="restrictions.code_switch",
            reason=f"证券代码 {old_code} → {new_code}",
            data={"old_code": old_code, "new_code": new_code},
        )
    return len(pledges) + len(freezes)
