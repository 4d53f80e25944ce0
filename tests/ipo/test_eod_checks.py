"""Issue 14, item 1: the conservation checks of `csdp ipo simulate` run at the end of every production
end-of-day step, before commit, and stop the step with a Chinese reason when one is violated."""

import pytest

from csdp.ipo.eod import t_day
from csdp.ipo.eod.day import eod_run
from csdp.ipo.models import EodStep, EodStepRun, OfferingStatus, ParticipantObligation
from csdp.ipo.services import reserve_deposit
from tests.ipo.test_eod_pipeline import T1, market  # noqa: F401  (the fixture)
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db


def test_a_t_clearing_that_owes_participants_the_wrong_money_is_stopped_before_commit(market, monkeypatch):
    offering, _, _ = market
    real = t_day.participant_amounts

    def one_fen_more(outcomes, *, price_fen):  # the injected violation: a participant billed a fen too much
        amounts = real(outcomes, price_fen=price_fen)
        return amounts.with_columns((amounts["subscribed_fen"] + 1).alias("subscribed_fen"))

    monkeypatch.setattr(t_day, "participant_amounts", one_fen_more)
    at(T, 17)
    (report, *_rest) = eod_run()
    assert report.step == EodStep.T_CLEARING and "逐笔有效申购金额与结算参与人应付申购资金不一致" in report.error
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SUBSCRIBING  # nothing of the step was committed
    assert not ParticipantObligation.objects.filter(offering=offering).exists()
    run = EodStepRun.objects.get(offering=offering, step=EodStep.T_CLEARING)
    assert run.status == EodStepRun.Status.FAILED and run.error.startswith("日终守恒检查未通过")
    # Fixed, the next run clears the offering and the failure record gives way to the done one.
    monkeypatch.setattr(t_day, "participant_amounts", real)
    eod_run()
    run.refresh_from_db()
    assert (run.status, run.error) == (EodStepRun.Status.DONE, "")


def test_a_t1_settlement_whose_money_does_not_balance_is_stopped_before_commit(market, monkeypatch):
    from csdp.ipo.eod import t1_day

    offering, p1, p2 = market
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=3_000 * 1404, reference="p1", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    real = t1_day.rows_update

    def lose_a_fen(obligations, fields):  # the injected violation: unfrozen money a fen short
        obligations[0].unfrozen_fen -= 1
        return real(obligations, fields)

    monkeypatch.setattr(t1_day, "rows_update", lose_a_fen)
    at(T1, 17)
    reports = [r for r in eod_run() if r.step == EodStep.T1_SETTLE]
    assert reports and "冻结资金不等于扣划与解冻资金之和" in reports[0].error
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CLEARED
    assert EodStepRun.objects.get(offering=offering, step=EodStep.T1_SETTLE).status == EodStepRun.Status.FAILED
    assert not EodStepRun.objects.filter(offering=offering, step=EodStep.T1_FILES).exists()
