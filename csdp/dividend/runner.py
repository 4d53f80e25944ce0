"""The runner of a distribution's end-of-day steps (docs/dividend.md): each due step in its own transaction,
its files staged until that transaction commits, and files a crash left behind put in place first."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from csdp.clock.eod import EodLine
from csdp.dividend.models import ACTIVE, CashStatus, Distribution, Status, Step, StepName
from csdp.dividend.services import DividendError
from csdp.dividend.steps import step_entitle, step_funding
from csdp.dividend.steps_pay import step_pay
from csdp.dividend.steps_bonus import step_register
from csdp.ledger.services import LedgerError
from csdp.lib.bulk import jit_off
from csdp.lib.publish import publish_pending, staged_files
from csdp.register.services import RegisterError

STEPS = (
    ("funding", lambda d, day: d.cash_status == CashStatus.AWAITING and day >= d.funding_deadline, step_funding),
    ("entitle", lambda d, day: d.status == Status.SCHEDULED and day >= d.record_date, step_entitle),
    ("pay", lambda d, day: d.status == Status.ENTITLED and day >= d.pay_date, step_pay),
    ("register", lambda d, day: d.status == Status.PAID and day >= d.list_date, step_register),
)


def distribution_advance(*, distribution: Distribution, day: dt.date) -> list[EodLine]:
    """Run every step of the distribution that is due on ``day`` and not done yet, each on its own."""
    lines = []
    subject = f"{distribution.security.code} #{distribution.pk}"
    _files_recovered(distribution)
    for name, due, run in STEPS:
        # Files reach their names only after the step's commit (csdp/lib/publish.py, issue 20): a step
        # that fails after writing leaves only .part files, removed on the way out.
        try:
            with staged_files(), transaction.atomic():
                jit_off()  # each step's statements run over the whole security
                # The security's row too (no issuing business moves its capital while R reads the register),
                # except for the register step: its parts lock that row on their own connections to move
                # the capital, and a lock held here would make them wait forever.
                locked = ("self",) if name == "register" else ("self", "security")
                d = Distribution.objects.select_for_update(of=locked).select_related("security").get(pk=distribution.pk)
                if not due(d, day) or Step.objects.filter(distribution=d, name=name).exists():
                    continue
                text = run(d, day)
        except (DividendError, LedgerError, RegisterError) as error:
            lines.append(EodLine("dividend", subject, f"{StepName(name).label} 未完成", error=str(error)))
            return lines
        lines.append(EodLine("dividend", subject, f"{StepName(name).label}：{text}"))
    return lines


def _files_recovered(distribution: Distribution) -> None:
    """Files a committed step recorded (path, SHA-256 in its detail) but a crash kept under their .part
    names are put in place (publish_pending checks the content against the record)."""
    records = []
    for detail in Step.objects.filter(distribution=distribution).values_list("detail", flat=True):
        for key in ("files", "result_file", "suspense_files"):
            records += [(f["path"], f["sha256"]) for f in detail.get(key) or ()]
    if records:
        publish_pending(settings.CSDP_FILES_DIR, records)


def dividend_eod(day: dt.date, out=None) -> list[EodLine]:
    lines = []
    for distribution in Distribution.objects.filter(status__in=ACTIVE).order_by("pk"):
        lines += distribution_advance(distribution=distribution, day=day)
    return lines
