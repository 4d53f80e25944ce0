"""The daily recheck (004 §十一, §十二(四)): published pledgor postings are checked against the
previous trading day's EOD, set-based; failing ones are flagged and notified; staff decide;
postings past validity expire on the business clock."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csdp.notify.models import OutboxMessage
from csdp.pledge import recheck
from csdp.pledge.models import Posting, PostingTransition, Side
from csdp.pledge.selectors import pledgeable_many
from csdp.pledge.services import PledgeError, posting_flag_decide
from csdp.pledge.states import PostingStatus
from csdp.register.selectors import pledgeable_quantity
from csdp.register.services import register_apply
from tests.pledge.factories import PREVIOUS, TODAY, freeze_clock, posting

TOMORROW = dt.date(2026, 4, 16)


def _freeze_more(world, quantity, day=TODAY, key="t:more-freeze"):
    register_apply(
        events=[
            {
                "key": key,
                "account": world["account"],
                "security": world["stock"],
                "event_type": "freeze",
                "frozen_delta": quantity,
                "business_date": day,
            }
        ]
    )


def test_a_posting_that_still_holds_is_not_flagged(zhang, world):
    row = posting(zhang, side=Side.PLEDGOR, world=world, quantity=7_000)
    result = recheck.pledge_recheck(day=TOMORROW)
    row.refresh_from_db()
    assert (result.checked, result.flagged, row.flagged_at) == (1, 0, None)


def test_a_posting_whose_shares_were_frozen_is_flagged_and_both_sides_notified(zhang, world, cast):
    row = posting(zhang, side=Side.PLEDGOR, world=world, quantity=7_000)
    _freeze_more(world, 500)  # frozen on 04-15: seen by the recheck in the end of day of 04-15 (the latest)
    assert recheck.pledge_recheck(day=PREVIOUS).flagged == 0  # the end of day of 04-14 did not have it
    result = recheck.pledge_recheck(day=TODAY)
    row.refresh_from_db()
    assert result.flagged == 1 and row.flagged_at is not None and "6,500" in row.flag_reason
    assert row.status == PostingStatus.OPEN  # staff decide; the recheck does not end it
    assert OutboxMessage.objects.filter(user=zhang, purpose="pledge.recheck").exists()
    assert OutboxMessage.objects.filter(user=cast.reviewer, purpose="pledge.recheck").exists()


def test_a_flag_is_notified_once_not_every_day(zhang, world):
    posting(zhang, side=Side.PLEDGOR, world=world, quantity=7_000)
    _freeze_more(world, 500, day=PREVIOUS)
    assert recheck.pledge_recheck(day=TODAY).flagged == 1
    assert recheck.pledge_recheck(day=TOMORROW).flagged == 0
    assert OutboxMessage.objects.filter(user=zhang, purpose="pledge.recheck", channel="email").count() == 1


def test_staff_keep_or_end_a_flagged_posting(zhang, world, cast):
    kept = posting(zhang, side=Side.PLEDGOR, world=world, quantity=7_000, title="保留")
    ended = posting(zhang, side=Side.PLEDGOR, world=world, quantity=7_000, title="失效")
    _freeze_more(world, 500, day=PREVIOUS)
    recheck.pledge_recheck(day=TODAY)
    posting_flag_decide(posting=kept, actor=cast.reviewer, keep=True, reason="已补足，保留")
    posting_flag_decide(posting=ended, actor=cast.reviewer, keep=False, reason="持有不足")
    kept.refresh_from_db(), ended.refresh_from_db()
    assert (kept.status, kept.flagged_at) == (PostingStatus.OPEN, None)
    assert ended.status == PostingStatus.EXPIRED
    with pytest.raises(PledgeError):
        posting_flag_decide(posting=kept, actor=cast.reviewer, keep=True, reason="再来一次")


def test_the_holdings_check_is_one_register_query_per_batch(zhang, world, monkeypatch):
    monkeypatch.setattr(recheck, "BATCH", 10)
    Posting.objects.bulk_create(
        [
            Posting(
                owner=zhang,
                side=Side.PLEDGOR,
                status=PostingStatus.OPEN,
                status_since=world["account"].created_at,
                account=world["account"],
                security=world["stock"],
                quantity_shares=1_000,
                security_code="920188",
                security_kind="stock",
                amount_fen=100,
                term_months=1,
                rate_min_bp=1,
                rate_max_bp=1,
                valid_until=TODAY + dt.timedelta(days=10),
                title=f"批量{i}",
                created_at=world["account"].created_at,
            )
            for i in range(35)
        ]
    )
    with CaptureQueriesContext(connection) as queries:
        result = recheck.pledge_recheck(day=TOMORROW)
    register_reads = [q for q in queries.captured_queries if "register_registrationevent" in q["sql"]]
    assert result.checked == 35
    assert len(register_reads) == 4  # 35 postings in batches of 10


def test_pledgeable_many_agrees_with_pledgeable_quantity(world):
    pairs = {(world["account"].pk, world["stock"].pk), (world["account"].pk, world["fund"].pk)}
    many = pledgeable_many(pairs, PREVIOUS)
    for account_id, security_id in pairs:
        from csdp.securities.models import SecuritiesAccount, Security

        one = pledgeable_quantity(
            account=SecuritiesAccount.objects.get(pk=account_id),
            security=Security.objects.get(pk=security_id),
            as_of=PREVIOUS,
        )
        assert many[(account_id, security_id)] == one
    assert many[(world["account"].pk, world["stock"].pk)] == 7_000


def test_pledgeable_many_follows_a_code_switch(world):
    from csdp.register.services import security_code_switch
    from csdp.securities.models import Security
    from csdp.securities.services import security_code_change_register, security_create

    old = security_create(code="833819", name="颖泰生物", kind="stock", market="NEEQ")
    register_apply(
        events=[
            {
                "key": "t:neeq",
                "account": world["account"],
                "security": old,
                "event_type": "initial",
                "quantity_delta": 4_000,
                "business_date": dt.date(2025, 9, 30),
            }
        ]
    )
    security_code_change_register(
        old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9), reason="切换"
    )
    security_code_switch(old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9), actor=None)
    new = Security.objects.get(code="920819")
    pair = (world["account"].pk, new.pk)
    assert (
        pledgeable_many({pair}, PREVIOUS)[pair]
        == 4_000
        == pledgeable_quantity(account=world["account"], security=new, as_of=PREVIOUS)
    )


@pytest.mark.parametrize(
    "state", [PostingStatus.PENDING_REVIEW, PostingStatus.RETURNED, PostingStatus.OPEN, PostingStatus.NEGOTIATING]
)
def test_a_live_posting_past_its_validity_expires(lender, state):
    row = posting(lender, status=state, valid_until=TODAY - dt.timedelta(days=1))
    still = posting(lender, status=state, valid_until=TODAY)
    assert recheck.pledge_recheck(day=TODAY).expired == 1
    row.refresh_from_db(), still.refresh_from_db()
    assert row.status == PostingStatus.EXPIRED and still.status == state
    last = PostingTransition.objects.filter(posting=row).last()
    assert (last.from_state, last.to_state, last.actor_kind) == (state, PostingStatus.EXPIRED, "system")


@pytest.mark.parametrize("state", [PostingStatus.PLEDGED, PostingStatus.DELETED])
def test_a_final_posting_past_its_validity_stays_as_it_is(lender, state):
    row = posting(lender, status=state, valid_until=TODAY - dt.timedelta(days=10))
    recheck.pledge_recheck(day=TODAY)
    row.refresh_from_db()
    assert row.status == state


def test_the_command_uses_the_business_clock_and_reports(lender, capsys):
    row = posting(lender, valid_until=TODAY)
    freeze_clock(TOMORROW)
    call_command("pledge", "recheck")
    row.refresh_from_db()
    assert row.status == PostingStatus.EXPIRED
    assert "过期失效 1 条" in capsys.readouterr().out


def test_the_daily_recheck_runs_as_part_of_the_end_of_day(db):
    from csdp.clock.eod import eod_jobs

    names = [name for name, _ in eod_jobs()]
    assert names.index("ipo") < names.index("restrictions") < names.index("pledge")
