"""The 持有人名册 as of a day is the replay of the events up to that day's end, not today's positions."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csdp.register.roster import CSV_COLUMNS, roster_as_of
from csdp.register.services import register_apply, register_apply_bulk, security_code_switch
from tests.register.conftest import event

D1, D2, D3 = dt.date(2026, 1, 5), dt.date(2026, 2, 2), dt.date(2026, 3, 16)
LOCKUP = dt.date(2027, 3, 30)


def rows(roster):
    return [
        (r["account"], r["share_nature"], r["lockup_end"], r["quantity"], r["frozen"], r["pledged"])
        for r in roster.lots.iter_rows(named=True)
    ]


def test_a_holder_registered_in_march_is_not_on_the_january_list(world):
    register_apply(events=[event(world, "i1", quantity=1_000, day=D1)])
    register_apply(events=[event(world, "n1", event_type="new_shares", quantity=500, account="other", day=D3)])
    january = roster_as_of(security=world["stock"], as_of=D1)
    assert rows(january) == [("0180000001", "00", None, 1_000, 0, 0)]
    assert (january.holders, january.total_quantity, january.issued_capital) == (1, 1_000, 1_000)
    march = roster_as_of(security=world["stock"], as_of=D3)
    assert march.total_quantity == march.issued_capital == 1_500
    assert march.holders == 2


def test_lots_encumbrances_and_lockups_are_those_of_the_day(world):
    register_apply(events=[event(world, "i1", quantity=1_000, day=D1)])
    register_apply(events=[event(world, "p1", event_type="pledge", pledged=400, day=D2)])
    register_apply(
        events=[
            event(world, "r:out", event_type="restrict", quantity=-600, day=D3),
            event(world, "r:in", event_type="restrict", quantity=600, nature="05", lockup_end=LOCKUP, day=D3),
        ]
    )
    assert rows(roster_as_of(security=world["stock"], as_of=D2)) == [("0180000001", "00", None, 1_000, 0, 400)]
    assert rows(roster_as_of(security=world["stock"], as_of=D3)) == [
        ("0180000001", "00", None, 400, 0, 0),
        ("0180000001", "05", LOCKUP, 600, 0, 400),
    ]


def test_top_n_keeps_the_largest_accounts_with_all_their_lots_and_the_days_capital(world):
    register_apply(
        events=[event(world, "i1", quantity=1_000, day=D1), event(world, "i2", quantity=3_000, account="other", day=D1)]
    )
    top = roster_as_of(security=world["stock"], as_of=D1, top=1)
    assert [r[0] for r in rows(top)] == ["0180000002"]
    assert (top.issued_capital, top.total_quantity) == (4_000, 3_000)
    assert top.with_percent()["percent"].to_list() == ["75.0000"]


def test_the_register_continues_across_a_code_switch(world):
    register_apply(events=[event(world, "n1", quantity=2_000, security="neeq", day=D1)])
    security_code_switch(old_code="833819", new_code="920819", effective_date=D2, actor=None)
    from csdp.securities.models import Security

    new = Security.objects.get(code="920819")
    assert roster_as_of(security=new, as_of=D1).total_quantity == 2_000
    assert roster_as_of(security=new, as_of=D3).total_quantity == 2_000


def test_the_command_writes_the_fixed_columns_and_prints_the_fixed_keys(world, tmp_path):
    register_apply(
        events=[
            event(world, "i1", quantity=1_000, day=D1),
            event(world, "i2", quantity=600, nature="06", lockup_end=LOCKUP, day=D1),
        ]
    )
    out = io.StringIO()
    target = tmp_path / "h.csv"
    call_command(
        "register", "holders", "--security", "920188", "--as-of", "2026-01-05", "--output", str(target), stdout=out
    )
    summary = json.loads(out.getvalue())
    assert {k: summary[k] for k in ("security", "as_of", "holders", "lots", "total_quantity", "issued_capital")} == {
        "security": "920188",
        "as_of": "2026-01-05",
        "holders": 1,
        "lots": 2,
        "total_quantity": 1_600,
        "issued_capital": 1_600,
    }
    assert summary["seconds"] >= 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[1:] == [
        "0180000001,张明," + world["account"].investor.id_number + ",00,,1000,0,0",
        "0180000001,张明," + world["account"].investor.id_number + ",06,2027-03-30,600,0,0",
    ]


days = st.sampled_from([D1, D2, D3])
traffic = st.lists(
    st.tuples(days, st.sampled_from(["account", "other"]), st.integers(1, 500), st.booleans()), min_size=1, max_size=10
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(traffic=traffic, as_of=days, side=st.sampled_from(["head", "tail"]))
def test_replaying_the_events_to_any_day_gives_exactly_the_as_of_list(world, traffic, as_of, side):
    """Random issues, transfers and pledges on random days (written in any order of days): the list
    as of D equals the lots summed one event at a time over the events of days ≤ D, whether it is read
    from the events up to D or from today's positions less the events after D."""
    with transaction.atomic():
        model: dict = {}
        for n, (day, who, qty, pledge) in enumerate(traffic):
            register_apply(events=[event(world, f"i{n}", quantity=qty, account=who, day=day)])
            if pledge:
                register_apply_bulk([event(world, f"p{n}", event_type="pledge", pledged=qty, account=who, day=day)])
            if day <= as_of:
                q, f, p = model.get(who, (0, 0, 0))
                model[who] = (q + qty, f, p + (qty if pledge else 0))
        expected = sorted((world[w].number, "00", None, q, f, p) for w, (q, f, p) in model.items() if q)
        world["stock"].refresh_from_db()
        got = roster_as_of(security=world["stock"], as_of=as_of, side=side)
        assert sorted(rows(got)) == expected
        assert got.total_quantity == got.issued_capital
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(
            days,
            st.sampled_from(["account", "other"]),
            st.integers(1, 400),
            st.sampled_from(["restrict", "pledge", "freeze", "new"]),
        ),
        min_size=1,
        max_size=8,
    ),
    as_of=st.sampled_from([D1 - dt.timedelta(days=1), D1, D2, D3, D3 + dt.timedelta(days=1)]),
)
def test_the_list_read_from_either_side_of_the_day_is_the_same(world, changes, as_of):
    """Issues, lock-ups (whose lots carry their pledges), pledges and freezes on days either side of D:
    today's positions less the events after D give the very list the events up to D give — lots,
    lock-up dates, encumbrances, the day's capital and the chosen side's own choice alike."""
    with transaction.atomic():
        register_apply(
            events=[
                event(world, "i0", quantity=1_000, day=D1),
                event(world, "i1", quantity=800, account="other", day=D1),
            ]
        )
        for n, (day, who, qty, what) in enumerate(changes):
            if what == "new":
                spec = [event(world, f"c{n}", event_type="new_shares", quantity=qty, account=who, day=day)]
            elif what == "restrict":
                spec = [
                    event(world, f"c{n}:out", event_type="restrict", quantity=-qty, account=who, day=day),
                    event(
                        world,
                        f"c{n}:in",
                        event_type="restrict",
                        quantity=qty,
                        account=who,
                        day=day,
                        nature="05",
                        lockup_end=LOCKUP,
                    ),
                ]
            else:
                spec = [
                    event(
                        world,
                        f"c{n}",
                        event_type=what,
                        account=who,
                        day=day,
                        **{"pledged" if what == "pledge" else "frozen": qty // 4},
                    )
                ]
            try:
                register_apply_bulk(spec)
            except Exception:  # not enough free shares left for this one: the register refuses it whole
                continue
        world["stock"].refresh_from_db()
        head = roster_as_of(security=world["stock"], as_of=as_of, side="head")
        tail = roster_as_of(security=world["stock"], as_of=as_of, side="tail")
        chosen = roster_as_of(security=world["stock"], as_of=as_of)
        assert rows(head) == rows(tail) == rows(chosen)
        assert head.issued_capital == tail.issued_capital == chosen.issued_capital == head.total_quantity
        transaction.set_rollback(True)


def test_a_code_of_another_market_or_issuer_cannot_be_claimed_at_registration(world):
    from csdp.issuers.selectors import claimed_code_problems
    from csdp.securities.services import security_create

    security_create(code="600000", name="浦发银行", kind="stock", market="SSE")
    problems = claimed_code_problems(["600000", "920188", "920999"])
    assert problems == ["证券代码 600000 为上海证券交易所证券，不属于北京市场发行人服务。"]


def test_the_command_file_is_the_list_byte_for_byte_even_with_commas_and_quotes_in_names(world, tmp_path):
    """On PostgreSQL the database writes the command's lines; they equal the list's own CSV, quoting included."""
    from csdp.register.roster import roster_csv
    from csdp.securities.models import Investor

    Investor.objects.filter(pk=world["account"].investor_id).update(name='张明, "大"')
    register_apply(
        events=[
            event(world, "i1", quantity=1_000, day=D1),
            event(world, "i2", quantity=600, nature="06", lockup_end=LOCKUP, day=D1),
            event(world, "i3", quantity=3_000, account="other", day=D2),
            event(world, "p1", event_type="pledge", pledged=200, day=D2),
        ]
    )
    for as_of, top in ((D1, None), (D2, None), (D3, 1)):
        target = tmp_path / f"{as_of}-{top}.csv"
        args = ["register", "holders", "--security", "920188", "--as-of", as_of.isoformat(), "--output", str(target)]
        call_command(*args, *(["--top", str(top)] if top else []), stdout=io.StringIO())
        assert target.read_bytes() == roster_csv(roster_as_of(security=world["stock"], as_of=as_of, top=top))
    assert '"张明, ""大"""' in (tmp_path / f"{D2}-None.csv").read_text(encoding="utf-8")
