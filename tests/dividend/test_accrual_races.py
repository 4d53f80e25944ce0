"""The list date's accrual against a court or a pledgee acting at the same moment, on another connection
(PostgreSQL's row locks; csdp.dividend.accrual): a release waits for the part and then lets go what the
record holds, bonus shares included; a freeze placed after the part's accrual takes no bonus shares, and
the part registers none frozen for it. Either way records = register when the part commits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from django.db import OperationalError, connection

from csdp.approvals.services import approval_approve
from csdp.dividend import steps_bonus
from csdp.dividend.models import Accrual
from csdp.lib.bulk import on_own_connection
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.models import Freeze, Pledge, PledgeStatus
from csdp.restrictions.services_freeze import freeze_release_prepare
from csdp.restrictions.services_release import release_apply, release_review_prepare
from tests.dividend.test_accrual import _court_freeze, _holding, w  # noqa: F401 — the fixture
from tests.dividend.world import LIST, PAY, R, at, eod, schedule
from tests.restrictions.factories import freeze_clock

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


def _to_the_list_date(cast, w):
    distribution = schedule(cast.issuer_a, code=w["stock"].code, cash="0", bonus="3", transfer="0")
    for day in (R, PAY):
        eod(day)
    at(LIST, 17)
    [part] = steps_bonus.bonus_parts(distribution, 1)
    return distribution, part


def _paused_part(monkeypatch, distribution, part, *, after_accrual: bool):
    """Run the part on its own connection, stopped before (or after) its accrual until ``go`` is set."""
    reached, go = threading.Event(), threading.Event()
    real = steps_bonus.bonus_accrue

    def paused(d, p):
        if not after_accrual:
            reached.set()
            go.wait(20)
        accrued = real(d, p)
        if after_accrual:
            reached.set()
            go.wait(20)
        return accrued

    monkeypatch.setattr(steps_bonus, "bonus_accrue", paused)
    pool = ThreadPoolExecutor(1)
    future = pool.submit(on_own_connection, partial(steps_bonus._part_apply, distribution, part))
    assert reached.wait(20)
    return future, go, pool


def _lock_timeout(ms: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{ms}ms'")


def test_a_pledge_release_approved_during_the_part_waits_and_then_releases_what_the_pledge_holds(w, cast, monkeypatch):
    distribution, part = _to_the_list_date(cast, w)
    release = release_apply(pledge=w["pledge"], by=w["lender"], quantity_shares=3_000)  # the whole pledge at R
    approval = release_review_prepare(release=release, by=cast.operator)
    future, go, pool = _paused_part(monkeypatch, distribution, part, after_accrual=False)
    try:
        _lock_timeout(500)
        with pytest.raises(OperationalError, match="lock timeout"):
            approval_approve(approval=approval, by=cast.reviewer)  # the part holds the pledge's row
    finally:
        go.set()
        written = future.result()
        pool.shutdown()
    _lock_timeout(0)
    assert written == 2 and _holding(w) == {"quantity": 19_500, "frozen": 2_600, "pledged": 3_900}
    approval_approve(approval=approval, by=cast.reviewer)  # now: 3,000 of the 3,900 let go
    pledge = Pledge.objects.get(pk=w["pledge"].pk)
    assert (pledge.status, pledge.unreleased_shares) == (PledgeStatus.PARTLY_RELEASED, 900)
    assert _holding(w)["pledged"] == 900
    assert restrictions_rebuild_check() == []


def test_a_freeze_placed_after_the_parts_accrual_takes_no_bonus_shares_and_none_are_registered_frozen(
    w, cast, monkeypatch
):
    distribution, part = _to_the_list_date(cast, w)  # R's split: 600 bonus shares on the 2,000 frozen
    freeze_clock(LIST)
    approval_approve(
        approval=freeze_release_prepare(freeze=w["freeze"], by=cast.operator, document_number="解冻1号"),
        by=cast.reviewer,
    )  # no live freeze when the part accrues: those 600 are credited free
    future, go, pool = _paused_part(monkeypatch, distribution, part, after_accrual=True)
    try:
        _lock_timeout(5_000)
        late = _court_freeze(w, cast, 1_000, doc="（2026）京03执1号")  # committed between accrual and events
    finally:
        go.set()
        future.result()
        pool.shutdown()
    assert Freeze.objects.get(pk=late.pk).frozen_shares == 1_000  # its own shares, no bonus
    assert not Accrual.objects.filter(distribution=distribution, kind="freeze").exists()
    assert _holding(w) == {"quantity": 19_500, "frozen": 1_000, "pledged": 3_900}
    assert restrictions_rebuild_check() == []
