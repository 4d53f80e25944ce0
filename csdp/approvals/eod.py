"""Approved effects whose effective date has come are applied by `csdp eod run` (each on its own)."""

from __future__ import annotations

import datetime as dt

from csdp.approvals.kinds import kind_label
from csdp.approvals.models import Status
from csdp.approvals.services import approvals_apply_due
from csdp.clock.eod import EodLine, register_eod_job


def apply_due(day: dt.date, out=None) -> list[EodLine]:
    lines = []
    for approval in approvals_apply_due(day):
        subject = f"{kind_label(approval.kind)} #{approval.pk}"
        if approval.status == Status.APPLIED:
            lines.append(EodLine("approvals", subject, "已执行"))
        else:
            lines.append(EodLine("approvals", subject, "执行失败", error=approval.failure))
    return lines


# Early: businesses effective today act on the register before the day's files are written.
register_eod_job(order=5, name="approvals", job=apply_due)
