"""Bonus shares on frozen or pledged shares follow the court freeze or the pledge (csdp.dividend.accrual):
registered frozen or pledged on the list date, added to the records, and let go by the records' own release
— so nothing stays frozen or pledged without an owner, and the records still equal the register."""

from __future__ import annotations

import pytest
from django.db.models import F, Sum

from csdp.approvals.services import approval_approve
from csdp.dividend.models import Accrual, Status
from csdp.dividend.steps_bonus import _part_apply, bonus_parts
from csdp.register.models import Position
from csdp.register.services import register_apply
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.models import Freeze, Pledge, PledgeStatus
from csdp.restrictions.services_freeze import FreezeData, freeze_prepare, freeze_release_prepare, freezes_expire
from csdp.restrictions.services_release import release_apply, release_review_prepare
from tests.dividend.world import LIST, PAY, R, at, eod, schedule
from tests.restrictions.factories import TODAY, freeze_clock, registered_pledge
from tests.restrictions.factories import world as restrictions_world


@pytest.fixture
def w(cast, settings, tmp_path):
    """张明 holds 10,000 free and 5,000 restricted shares of 920181; 3,000 free ones pledged to 华兴小贷, and a
    court freezes 2,000."""
    settings.CSDP_FILES_DIR = tmp_path / "files"
    freeze_clock()
    w = restrictions_world(cast.participant)
    w["pledge"] = registered_pledge(w, cast.operator, cast.reviewer)
    w["freeze"] = _court_freeze(w, cast, 2_000, doc="（2026）京01执1号")
    return w


def _holding(w) -> dict[str, int]:
    return Position.objects.filter(account=w["account"], security=w["stock"]).aggregate(
        quantity=Sum("quantity"), frozen=Sum("frozen"), pledged=Sum("pledged")
    )


def _three_per_ten(cast, w):
    distribution = schedule(cast.issuer_a, code=w["stock"].code, cash="0", bonus="3", transfer="0")
    for day in (R, PAY, LIST):
        eod(day)
    distribution.refresh_from_db()
    assert distribution.status == Status.COMPLETED
    return distribution


def test_bonus_shares_on_frozen_and_pledged_shares_are_frozen_and_pledged_with_their_records(w, cast):
    distribution = _three_per_ten(cast, w)
    assert _holding(w) == {"quantity": 19_500, "frozen": 2_600, "pledged": 3_900}
    freeze, pledge = Freeze.objects.get(pk=w["freeze"].pk), Pledge.objects.get(pk=w["pledge"].pk)
    assert (freeze.frozen_shares, freeze.accrued_shares, freeze.demand_shares) == (2_600, 600, 2_600)
    assert (pledge.accrued_shares, pledge.unreleased_shares) == (900, 3_900)
    assert sorted(Accrual.objects.filter(distribution=distribution).values_list("kind", "shares")) == [
        ("freeze", 600),
        ("pledge", 900),
    ]
    assert restrictions_rebuild_check() == []


def test_a_second_run_of_the_list_date_accrues_nothing_twice(w, cast):
    _three_per_ten(cast, w)
    assert eod(LIST) == []
    assert Freeze.objects.get(pk=w["freeze"].pk).accrued_shares == 600
    assert Pledge.objects.get(pk=w["pledge"].pk).accrued_shares == 900


def test_releasing_the_freeze_and_the_pledge_lets_their_bonus_shares_go_too(w, cast):
    _three_per_ten(cast, w)
    freeze_clock(LIST)
    freeze = Freeze.objects.get(pk=w["freeze"].pk)  # the whole of it now: 2,000 and their 600
    release = freeze_release_prepare(freeze=freeze, by=cast.operator, document_number="解冻1号")
    approval_approve(approval=release, by=cast.reviewer)
    pledge = Pledge.objects.get(pk=w["pledge"].pk)
    whole = release_apply(pledge=pledge, by=w["lender"], quantity_shares=pledge.unreleased_shares)
    approval_approve(approval=release_review_prepare(release=whole, by=cast.operator), by=cast.reviewer)
    assert _holding(w) == {"quantity": 19_500, "frozen": 0, "pledged": 0}
    assert Pledge.objects.get(pk=pledge.pk).status == PledgeStatus.RELEASED
    assert restrictions_rebuild_check() == []


def test_bonus_shares_of_a_freeze_released_before_the_list_date_are_credited_free(w, cast):
    distribution = schedule(cast.issuer_a, code=w["stock"].code, cash="0", bonus="3", transfer="0")
    eod(R)  # R's split: 600 of the bonus on frozen shares
    freeze_clock(PAY)
    approval_approve(
        approval=freeze_release_prepare(freeze=w["freeze"], by=cast.operator, document_number="解冻1号"),
        by=cast.reviewer,
    )
    for day in (PAY, LIST):
        eod(day)
    assert _holding(w) == {"quantity": 19_500, "frozen": 0, "pledged": 3_900}
    assert not Accrual.objects.filter(distribution=distribution, kind="freeze").exists()
    assert restrictions_rebuild_check() == []


def _court_freeze(w, cast, quantity=None, *, doc: str, lot=("", None), whole=False) -> Freeze:
    approval = freeze_prepare(
        by=cast.operator,
        data=FreezeData(
            court="北京市第二中级人民法院",
            document_number=doc,
            account_number=w["account"].number,
            security_code=w["stock"].code,
            whole_holding=whole,
            quantity_shares=quantity,
            start_date=TODAY,
            end_date=TODAY.replace(year=2027),
            share_nature=lot[0],
            lockup_end=lot[1],
        ),
    )
    approval_approve(approval=approval, by=cast.reviewer)
    return Freeze.objects.get(approval=approval)


def test_three_freezes_share_their_bonus_shares_by_what_each_holds_the_remainder_to_the_oldest(w, cast):
    # Queued freezes of one lot: 2,000 (the fixture's), then 1,000 and 999 more of the free lot's shares.
    later = [_court_freeze(w, cast, n, doc=f"（2026）京02执{n}号", lot=("00", None)) for n in (1_000, 999)]
    _three_per_ten(cast, w)
    # R's split of the free lot (10,000: 3,999 frozen, 3,000 pledged, 3,001 free): 1,200 of its 3,000 bonus
    # shares frozen; shared 2,000 : 1,000 : 999 → ⌊600.15⌋, ⌊300.07⌋, ⌊299.77⌋ = 600, 300, 299, +1 to the oldest
    accrued = [Freeze.objects.get(pk=f.pk).accrued_shares for f in [w["freeze"], *later]]
    assert accrued == [601, 300, 299]
    assert _holding(w)["frozen"] == 3_999 + 1_200
    assert restrictions_rebuild_check() == []


def test_the_list_dates_parts_never_split_an_accounts_lots(world, cast):
    # the world's lots in seq order: accounts 1, 2 (00), 2 (05), 3, 4, 5 — account 2's two lots stay together
    distribution = schedule(cast.issuer_a, cash="0", bonus="3", transfer="0")
    eod(R)
    assert bonus_parts(distribution, 1) == [(0, 6)]
    assert bonus_parts(distribution, 2) == [(0, 3), (3, 6)]
    assert bonus_parts(distribution, 3) == [(0, 1), (1, 4), (4, 6)]


def test_a_freeze_over_both_lots_accrues_both_lots_bonus_shares_when_the_list_date_runs_in_parts(w, cast):
    whole = _court_freeze(w, cast, doc="（2026）京02执9号", whole=True)  # the rest of the holding: both lots
    distribution = schedule(cast.issuer_a, code=w["stock"].code, cash="0", bonus="3", transfer="0")
    for day in (R, PAY):
        eod(day)
    at(LIST, 17)
    parts = bonus_parts(distribution, 2)
    assert parts == [(0, 2)]  # one account: its two lots are never parted
    for part in parts:
        _part_apply(distribution, part)
    eod(LIST)
    frozen = _holding(w)["frozen"]
    assert frozen == sum(Freeze.objects.get(pk=f.pk).frozen_shares for f in (w["freeze"], whole))
    assert restrictions_rebuild_check() == []


def test_a_waiting_freeze_whose_bonus_shares_took_it_past_its_request_still_takes_shares_that_arrive(w, cast):
    # 11,000 asked of the 10,000 available: it holds 10,000 and waits for 1,000. With 3 per 10 it holds
    # 13,000 (more than it asked) and its demand is 11,000 + 3,000: it still waits for 1,000.
    queued = _court_freeze(w, cast, 11_000, doc="（2026）京02执11号")
    _three_per_ten(cast, w)
    queued = Freeze.objects.get(pk=queued.pk)
    assert (queued.frozen_shares, queued.demand_shares) == (13_000, 14_000)
    freeze_clock(LIST)
    register_apply(
        events=[
            {
                "key": "arrives",  # e.g. shares of a private placement: the holding grows by 500 free shares
                "security_id": w["stock"].pk,
                "account_id": w["account"].pk,
                "event_type": "new_shares",
                "quantity_delta": 500,
                "business_date": LIST,
            }
        ]
    )
    freezes_expire(day=LIST)  # the end of day's queue fill
    assert Freeze.objects.get(pk=queued.pk).frozen_shares == 13_500
    assert restrictions_rebuild_check() == []


def test_a_part_whose_accrual_went_wrong_stops_before_its_commit_and_changes_nothing(w, cast, monkeypatch):
    # A defect that leaves the records behind the register: the accrual adds one share too few to each
    # record. The part's own check of records = register refuses it.
    from csdp.dividend import steps_bonus

    real = steps_bonus.bonus_accrue

    def one_short(distribution, part):
        accrued = real(distribution, part)
        Freeze.objects.filter(pk=w["freeze"].pk).update(frozen_shares=F("frozen_shares") - 1)
        Pledge.objects.filter(pk=w["pledge"].pk).update(accrued_shares=F("accrued_shares") - 1)
        return accrued - 2

    monkeypatch.setattr(steps_bonus, "bonus_accrue", one_short)
    distribution = schedule(cast.issuer_a, code=w["stock"].code, cash="0", bonus="3", transfer="0")
    for day in (R, PAY):
        eod(day)
    before = _holding(w)
    [line] = eod(LIST)
    assert line.error.startswith("冻结、质押记录与登记簿不一致，本批送转股未登记：")
    assert (
        f"账户 {w['account'].pk} 证券 {w['stock'].pk}：质押记录 3,899 股，登记簿质押变动合计 3,900 股；" in line.error
    )
    assert "冻结记录 2,599 股，登记簿司法冻结变动合计 2,600 股；" in line.error and "。；" not in line.error
    distribution.refresh_from_db()
    assert distribution.status == Status.PAID  # the list date is run again at the next end of day
    assert _holding(w) == before and restrictions_rebuild_check() == []
    assert not Accrual.objects.filter(distribution=distribution).exists()
    monkeypatch.undo()
    [line] = eod(LIST)  # mended, the rerun registers and accrues
    assert line.error == "" and line.text.startswith("送转股登记：红股登记 2 笔（4500 股）")
    assert _holding(w) == {"quantity": 19_500, "frozen": 2_600, "pledged": 3_900}


def test_the_parts_check_looks_at_the_security_and_the_accounts_it_is_given_only(w, cast):
    from csdp.restrictions.checks import Scope

    _three_per_ten(cast, w)
    Freeze.objects.filter(pk=w["freeze"].pk).update(frozen_shares=1)  # a record edited outside the services
    problems = restrictions_rebuild_check()
    assert "冻结记录 1 股" in problems[0]
    mine = Position.objects.filter(account=w["account"]).values("account_id")
    assert restrictions_rebuild_check(Scope(w["stock"].pk, mine)) == problems
    assert restrictions_rebuild_check(Scope(w["stock"].pk, mine.none())) == []


def test_a_part_run_again_after_its_commit_gives_a_pledge_registered_since_no_bonus_shares(w, cast):
    # A part committed and the step stopped after it (another part failed, or the process was killed); a
    # new pledge of the same lot is registered before the rerun. The register gave that lot's bonus out
    # at the commit: the rerun must not share it with the new pledge.
    distribution = schedule(cast.issuer_a, code=w["stock"].code, cash="0", bonus="3", transfer="0")
    for day in (R, PAY):
        eod(day)
    at(LIST, 17)
    [part] = bonus_parts(distribution, 1)
    assert _part_apply(distribution, part) == 2
    freeze_clock(LIST)
    later = registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=1_000)
    assert _part_apply(distribution, part) == 0  # refused before the fix: records ≠ register
    assert Pledge.objects.get(pk=later.pk).accrued_shares == 0
    assert Pledge.objects.get(pk=w["pledge"].pk).accrued_shares == 900
    assert _holding(w)["pledged"] == 3_900 + 1_000
    assert restrictions_rebuild_check() == []


def test_the_list_dates_rights_restriction_file_tells_the_participant_what_followed_the_pledge_and_the_freeze(w, cast):
    from csdp.restrictions.files import day_rows

    distribution = _three_per_ten(cast, w)
    rows = day_rows(LIST)[w["account"].custody_unit.participant.code]
    assert [(r["JLLX"], r["YWBH"], r["GDDM"], r["GFXZ"], r["BDSL"]) for r in rows] == [
        ("SZ", f"QY{distribution.pk}", w["account"].number, "00", 900),  # the pledge's lot: 3,000 → 3,900
        ("SD", f"QY{distribution.pk}", w["account"].number, "00", 600),  # the freeze's 2,000 → 2,600
    ]
