"""The list date registers the bonus shares in parts, each its own transaction (csdp/dividend/steps_bonus.py):
on PostgreSQL, as the outermost transaction, two parts at a time on their own connections; a part that
fails leaves the others committed with the register consistent, and the next end of day registers only
what is missing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum

from csdp.approvals.services import approval_approve
from csdp.dividend import steps_bonus
from csdp.dividend.models import Distribution, Status
from csdp.register.capital import RegisterInvariantError, register_check
from csdp.register.models import Position, RegistrationEvent
from csdp.register.services import RegisterError
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.models import Freeze
from csdp.restrictions.services_freeze import FreezeData, freeze_prepare
from tests.dividend.world import DEADLINE, LIST, LOTS, PAY, R, TOTAL_QUANTITY, eod, fund, schedule

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="parts on their own connections")


def _to_the_list_date(cast) -> Distribution:
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    d.refresh_from_db()
    assert d.status == Status.PAID
    return d


def _bonus_events(d: Distribution):
    return RegistrationEvent.objects.filter(key__startswith=f"div:{d.pk}:", event_type="bonus")


def _issued(d: Distribution) -> int:
    d.security.refresh_from_db()
    return d.security.issued_shares


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_list_date_registers_its_parts_on_two_connections(world, cast):
    security, _ = world
    d = _to_the_list_date(cast)
    lines = eod(LIST)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED, lines
    events = _bonus_events(d)
    assert events.count() == len(LOTS)  # one per lot, none twice
    assert events.values("batch").distinct().count() == 2  # two parts, two transactions
    assert events.aggregate(s=Sum("quantity_delta"))["s"] == d.bonus_total == TOTAL_QUANTITY * 5 // 10
    assert _issued(d) == TOTAL_QUANTITY + d.bonus_total
    assert Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"] == _issued(d)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("refusal", [RegisterError, RegisterInvariantError])
def test_a_failed_part_leaves_the_other_committed_and_the_rerun_registers_only_the_rest(
    world, cast, monkeypatch, refusal
):
    security, _ = world
    d = _to_the_list_date(cast)
    real = steps_bonus._part_apply

    def second_part_refused(distribution, part):
        if part[0] > 0:
            raise refusal("模拟：第二部分被拒绝。")
        return real(distribution, part)

    monkeypatch.setattr(steps_bonus, "_part_apply", second_part_refused)
    (line,) = eod(LIST)
    assert "红股登记失败" in line.error and "第二部分被拒绝" in line.error
    d.refresh_from_db()
    assert d.status == Status.PAID  # the step is not recorded
    first = _bonus_events(d).count()
    assert 0 < first < len(LOTS)  # the first part committed on its own
    register_check(security)  # Σ positions = the issued capital, grown by the first part alone
    assert _issued(d) == TOTAL_QUANTITY + _bonus_events(d).aggregate(s=Sum("quantity_delta"))["s"]

    monkeypatch.setattr(steps_bonus, "_part_apply", real)
    eod(LIST)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED
    assert _bonus_events(d).count() == len(LOTS)  # the first part's events were not registered twice
    step = d.steps.get(name="register")
    assert (step.rows, step.detail["written_now"]) == (len(LOTS), len(LOTS) - first)
    assert _issued(d) == TOTAL_QUANTITY + d.bonus_total
    register_check(security)


@on_postgresql
def test_inside_a_callers_transaction_the_list_date_is_one_part(world, cast):
    d = _to_the_list_date(cast)
    eod(LIST)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED
    assert _bonus_events(d).values("batch").distinct().count() == 1


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_steps_run_without_jit_and_the_parts_with_the_servers_setting(world, cast, monkeypatch):
    d = _to_the_list_date(cast)
    before = _jit()
    seen: list[str] = []
    real_part = steps_bonus._part_apply

    def part_noting_jit(distribution, part):
        seen.append(f"part:{_jit()}")
        return real_part(distribution, part)

    monkeypatch.setattr(steps_bonus, "_part_apply", part_noting_jit)
    real_closed = steps_bonus.closed_account_bonus

    def closed_noting_jit(distribution, day):
        seen.append(f"step:{_jit()}")  # on the runner's connection, inside the step's transaction
        return real_closed(distribution, day)

    monkeypatch.setattr(steps_bonus, "closed_account_bonus", closed_noting_jit)
    eod(LIST)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED
    assert sorted(seen) == [f"part:{before}", f"part:{before}", "step:off"]
    assert _jit() == before  # SET LOCAL: the runner's connection has its own setting back after the commit


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parts_on_their_own_connections_accrue_bonus_shares_to_a_court_freeze_and_commit(world, cast):
    # A part's accrual rows are written while the runner holds the distribution's row: no key check of
    # theirs may wait for the runner (it waits for the parts) — the bench hung here once.
    security, accounts = world
    approval = freeze_prepare(
        by=cast.operator,
        data=FreezeData(
            court="北京市第一中级人民法院",
            document_number="（2026）京01执7号",
            account_number="0100000001",
            security_code=security.code,
            whole_holding=False,
            quantity_shares=400,
            start_date=DEADLINE.replace(day=1),
            end_date=DEADLINE.replace(year=2027),
        ),
    )
    approval_approve(approval=approval, by=cast.reviewer)
    d = _to_the_list_date(cast)
    eod(LIST)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED
    assert _bonus_events(d).values("batch").distinct().count() == 2
    freeze = Freeze.objects.get(approval=approval)
    assert freeze.accrued_shares == 200 and freeze.frozen_shares == 600  # 5 per 10 on its 400 shares
    assert restrictions_rebuild_check() == []
