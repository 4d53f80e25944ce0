"""Money and shares are conserved through every failure path of seed 002 第五章: whatever the orders,
the participants' funding and the stage, every participant ends with exactly what it paid in plus the
interest, the interest paid equals the files' sum and each order's exact amount, nothing stays held,
and no share of the offering is left in the register after a §5.3 cancellation."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from dbfread import DBF
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from csdp.counter.models import Status
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import ParticipantFile, ParticipantObligation, RefundItem, StopRefund
from csdp.ipo.services import proceeds_pay, reserve_deposit
from csdp.keys.testing import enrol_test_key
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.register.models import Position
from tests.counter.factories import draft, drive
from tests.ipo import world
from tests.ipo.stop_world import T1, T2, T3, _stop, _underwriter_user
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db
ACCOUNTS = [f"07000000{i:02d}" for i in range(8)]


class Rollback(Exception):
    pass


@pytest.fixture
def base(cast):
    participants = [world.participant("V001", "700001", funds_fen=0), world.participant("V002", "700002", funds_fen=0)]
    for i, number in enumerate(ACCOUNTS):
        world.investor_account(number, f"投资者{i}", id17=f"110105198001020{i:02d}")
    return cast, participants


def _orders(quantities):
    return [(i + 1, ACCOUNTS[i], f"V00{i % 2 + 1}", f"70000{i % 2 + 1}", q) for i, q in enumerate(quantities)]


def _file_sum(offering, file_type, column):
    total = 0
    for f in ParticipantFile.objects.filter(offering=offering, file_type=file_type, file_format="dbf"):
        total += sum(round(Decimal(str(r[column])) * 100) for r in DBF(django_settings.CSDP_FILES_DIR / f.path))
    return total


def _scenario(cast, participants, tmp_path, quantities, funding, stage):
    # 100 online shares: any valid order oversubscribes it, so a fully funded book registers at T+2.
    offering = world.offering(online_shares=100, initial=100_000, issuer=cast.issuer_a.institution)
    at(T, 10)
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, _orders(quantities)))
    if stage == "5.1":
        _stop(offering, "failed")
    at(T, 17)
    eod_run()
    deposits = {}
    if stage != "5.1":
        at(T1, 11)
        for profile, share in zip(participants, funding):
            owed = (
                ParticipantObligation.objects.filter(offering=offering, participant=profile)
                .values_list("subscribed_fen", flat=True)
                .first()
                or 0
            )
            deposits[profile.code] = owed * share // 100
            if deposits[profile.code]:
                reserve_deposit(
                    institution=profile.institution,
                    amount_fen=deposits[profile.code],
                    reference=profile.code,
                    actor=None,
                )
        if stage == "5.2":
            _stop(offering, "suspended")
        at(T1, 17)
        eod_run()
    if stage == "5.3":
        at(T2, 10)
        proceeds_pay(offering=offering, actor=None)
        at(T2, 17)
        eod_run()
        at(T3, 9)
        _stop(offering, "suspended")
    offering.refresh_from_db()
    return offering, deposits


@given(
    quantities=st.lists(st.integers(1, 30).map(lambda n: n * 100), min_size=1, max_size=8),
    funding=st.tuples(st.one_of(st.just(100), st.integers(0, 100)), st.one_of(st.just(100), st.integers(0, 100))),
    stage=st.sampled_from(["5.1", "5.2", "5.3"]),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("3"), places=4),
    day_count=st.sampled_from([360, 365]),
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_money_and_shares_are_conserved_through_every_failure_path(
    base, tmp_path, quantities, funding, stage, rate, day_count
):
    cast, participants = base
    try:
        with transaction.atomic():
            offering, deposits = _scenario(cast, participants, tmp_path, quantities, funding, stage)
            if stage == "5.1":
                assert not ParticipantFile.objects.filter(offering=offering).exists()
                raise Rollback
            at(T3, 10)
            reserve_deposit(institution=offering.underwriter, amount_fen=10**10, reference="uw", actor=None)
            before_uw = balance_of(offering.underwriter_account).posted_fen
            # Registration waits for the 余股 details when orders went invalid: then there is nothing to cancel.
            registered = offering.step_runs.filter(step="registration").exists()
            event(f"stage {stage}, shares registered: {registered}")
            data = {
                "materials": True,
                "refund_interest": True,
                "annual_rate": str(rate),
                "day_count": day_count,
                "interest_from": None,
                "interest_to": None,
                "refund_principal": stage == "5.3",
                "cancel_shares": registered,
            }
            filer = _underwriter_user(offering)  # 002 §5.2, §5.3: on the lead underwriter's application
            drive(
                draft(filer, type_code="15", code="920188", data=data),
                Status.ACCEPTED,
                filer=filer,
                key=enrol_test_key(filer),
                operator=cast.operator,
            )
            refunds = {r.item: r.amount_fen for r in StopRefund.objects.filter(offering=offering)}
            interest = refunds[RefundItem.INTEREST] if RefundItem.INTEREST in refunds else 0
            # Every participant: exactly what it paid in, plus its investors' interest; nothing held.
            gained = 0
            for profile in participants:
                balance = balance_of(reserve_account_of(profile.institution))
                assert balance.pending_debits_fen == 0
                gained += balance.posted_fen - deposits.get(profile.code, 0)
            assert gained == interest
            assert before_uw - balance_of(offering.underwriter_account).posted_fen == interest + refunds.get(
                RefundItem.PRINCIPAL, 0
            )
            # The files say what was paid, and each order's interest is the exact amount, half up.
            assert _file_sum(offering, "LXFH", "LXJE") == interest
            for f in ParticipantFile.objects.filter(offering=offering, file_type="LXFH", file_format="dbf"):
                for r in DBF(django_settings.CSDP_FILES_DIR / f.path):
                    base_fen = round(Decimal(str(r["JXBJ"])) * 100)
                    exact = Fraction(base_fen) * Fraction(rate) / 100 * 2 / day_count  # T … T+2: two days
                    assert round(Decimal(str(r["LXJE"])) * 100) == int(exact + Fraction(1, 2))
            if stage == "5.2":  # the unfreeze data is exactly what the ledger froze and released
                released = sum(o.unfrozen_fen for o in ParticipantObligation.objects.filter(offering=offering))
                assert _file_sum(offering, "JDSJ", "JDJE") == released
            if stage == "5.3":
                assert _file_sum(offering, "BJFH", "BJJE") == refunds[RefundItem.PRINCIPAL]
                assert not Position.objects.filter(security__code="920188", quantity__gt=0).exists()
            raise Rollback
    except Rollback:
        pass


def test_the_interest_period_defaults_to_t_until_t2():
    from csdp.ipo.failure.refunds import InterestTerms

    assert InterestTerms(Decimal("0.35"), 360, T, T2).days == (T2 - T).days == 2
    assert dt.date(2026, 3, 18) == T2
