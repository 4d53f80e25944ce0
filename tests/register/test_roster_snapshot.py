"""持有人名册 snapshots: the list of a day read from the nearest snapshot ± the events between is the very
list the replay of the events gives — whatever was written after the snapshot, back-dated or not."""

import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csdp.register import roster_snapshot
from csdp.register.models import RosterSnapshot, RosterSnapshotLot
from csdp.register.roster import roster_as_of, roster_csv, roster_csv_write
from csdp.register.roster_snapshot import roster_snapshot_build, roster_snapshots_eod
from csdp.register.services import register_apply, register_apply_bulk
from csdp.securities.models import Investor
from csdp.securities.services import investor_update
from tests.register.conftest import event

D1, D2, D3, D4 = dt.date(2026, 1, 5), dt.date(2026, 2, 2), dt.date(2026, 3, 16), dt.date(2026, 4, 20)
LOCKUP = dt.date(2027, 3, 30)


def rows(roster):
    return [
        (r["account"], r["name"], r["share_nature"], r["lockup_end"], r["quantity"], r["frozen"], r["pledged"])
        for r in roster.lots.iter_rows(named=True)
    ]


def same_lists(stock, days=(D1 - dt.timedelta(days=1), D1, D2, D3, D4), top=None):
    """Every day's list from the snapshots equals its replay from the events (lots, names, order, capital),
    and so does the command's file (on PostgreSQL made by the database in the snapshot's order)."""
    stock.refresh_from_db()
    for as_of in days:
        replayed = roster_as_of(security=stock, as_of=as_of, side="head", top=top)
        from_snapshot = roster_as_of(security=stock, as_of=as_of, side="snapshot", top=top)
        assert rows(from_snapshot) == rows(replayed), as_of
        assert from_snapshot.issued_capital == replayed.issued_capital, as_of
        assert from_snapshot.total_quantity == replayed.total_quantity, as_of
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "h.csv"
            summary = roster_csv_write(security=stock, as_of=as_of, top=top, path=path)
            assert path.read_bytes() == roster_csv(replayed), as_of
        assert (summary["holders"], summary["lots"], summary["issued_capital"]) == (
            replayed.holders,
            replayed.lots.height,
            replayed.issued_capital,
        )


def issue(world, key, quantity, who="account", day=D1):
    register_apply(events=[event(world, key, quantity=quantity, account=who, day=day)])


def test_an_event_back_dated_before_a_snapshot_and_written_after_it_is_on_the_list(world):
    issue(world, "i1", 1_000, day=D1)
    issue(world, "i2", 500, who="other", day=D2)
    roster_snapshot_build(security=world["stock"], as_of=D2)
    # Written after the snapshot, dated before it: a pledge on D1 and new shares on D2.
    register_apply_bulk([event(world, "late:p", event_type="pledge", pledged=300, day=D1)])
    register_apply(events=[event(world, "late:n", event_type="new_shares", quantity=200, account="other", day=D2)])
    snap = roster_as_of(security=world["stock"], as_of=D2, side="snapshot")
    assert rows(snap) == [
        ("0180000001", "张明", "00", None, 1_000, 0, 300),
        ("0180000002", "李华", "00", None, 700, 0, 0),
    ]
    assert snap.issued_capital == 1_700
    same_lists(world["stock"])


def test_a_day_before_the_snapshot_takes_off_what_the_snapshot_folded_after_it(world):
    issue(world, "i1", 1_000, day=D1)
    register_apply(
        events=[
            event(world, "r:out", event_type="restrict", quantity=-600, day=D3),
            event(world, "r:in", event_type="restrict", quantity=600, nature="05", lockup_end=LOCKUP, day=D3),
        ]
    )
    roster_snapshot_build(security=world["stock"], as_of=D4)
    assert rows(roster_as_of(security=world["stock"], as_of=D2, side="snapshot")) == [
        ("0180000001", "张明", "00", None, 1_000, 0, 0)
    ]
    same_lists(world["stock"])


def test_a_holder_renamed_after_the_snapshot_is_listed_under_the_new_name(world):
    issue(world, "i1", 1_000, day=D1)
    issue(world, "i2", 3_000, who="other", day=D1)
    Investor.objects.update(updated_at=timezone.now() - dt.timedelta(days=30))  # long since opened
    roster_snapshot_build(security=world["stock"], as_of=D2)
    RosterSnapshotLot.objects.filter(number="0180000002").update(name="快照中的名称")  # read from the snapshot
    investor = Investor.objects.get(pk=world["account"].investor_id)
    investor_update(
        investor=investor, name="张明远", id_type=investor.id_type, id_number=investor.id_number, holder_type="03"
    )
    # No event touched the account since the snapshot: the name still has to be today's.
    assert [r[1] for r in rows(roster_as_of(security=world["stock"], as_of=D2, side="snapshot"))] == [
        "快照中的名称",
        "张明远",
    ]


def test_the_command_file_is_byte_for_byte_the_same_with_or_without_a_snapshot(world, tmp_path):
    Investor.objects.filter(pk=world["account"].investor_id).update(name='张明, "大"')
    register_apply(
        events=[
            event(world, "i1", quantity=1_000, day=D1),
            event(world, "i2", quantity=600, nature="06", lockup_end=LOCKUP, day=D1),
            event(world, "i3", quantity=3_000, account="other", day=D2),
            event(world, "p1", event_type="pledge", pledged=200, day=D2),
        ]
    )
    cases = [(as_of, top) for as_of in (D1, D2, D3) for top in (None, 1)]

    def files(tag):
        out = {}
        for as_of, top in cases:
            path = tmp_path / f"{tag}-{as_of}-{top}.csv"
            summary = roster_csv_write(security=world["stock"], as_of=as_of, top=top, path=path)
            out[(as_of, top)] = (path.read_bytes(), {k: v for k, v in summary.items() if k != "seconds"})
        return out

    before = files("replayed")
    roster_snapshot_build(security=world["stock"], as_of=D2)
    after = files("snapshot")
    assert after == before
    for as_of, top in cases:  # and equal to the list's own CSV (Polars), quoting included
        assert after[(as_of, top)][0] == roster_csv(roster_as_of(security=world["stock"], as_of=as_of, top=top))
    assert '"张明, ""大"""' in after[(D2, None)][0].decode("utf-8")


def test_a_snapshot_is_taken_once_and_a_killed_build_leaves_nothing(world, monkeypatch):
    issue(world, "i1", 1_000, day=D1)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(roster_snapshot, "_totals", killed)
    with pytest.raises(KeyboardInterrupt):
        roster_snapshot_build(security=world["stock"], as_of=D1)
    assert not RosterSnapshot.objects.exists() and not RosterSnapshotLot.objects.exists()
    monkeypatch.undo()
    first = roster_snapshot_build(security=world["stock"], as_of=D1)
    again = roster_snapshot_build(security=world["stock"], as_of=D1)
    assert (first["skipped"], again["skipped"]) == (False, True)
    assert (first["holders"], first["lots"], first["total_quantity"], first["issued_capital"]) == (1, 1, 1_000, 1_000)
    assert RosterSnapshotLot.objects.count() == 1


def test_the_command_takes_a_snapshot_and_prints_what_it_holds(world):
    issue(world, "i1", 1_000, day=D1)
    out = io.StringIO()
    call_command("register", "snapshot", "--security", "920188", "--as-of", D1.isoformat(), stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["as_of"], summary["holders"], summary["skipped"]) == (D1.isoformat(), 1, False)


@override_settings(CSDP_ROSTER_SNAPSHOT_MIN_HOLDERS=2, CSDP_ROSTER_SNAPSHOT_DAYS=7, CSDP_ROSTER_SNAPSHOT_KEEP=2)
def test_the_end_of_day_snapshots_large_securities_at_the_interval_and_keeps_the_newest(world):
    issue(world, "i1", 1_000, day=D1)
    assert roster_snapshots_eod(D1, None) == []  # one holder: below the threshold
    issue(world, "i2", 500, who="other", day=D1)
    assert [line.subject for line in roster_snapshots_eod(D1, None)] == ["920188"]
    assert roster_snapshots_eod(D1 + dt.timedelta(days=6), None) == []  # within the interval
    for day in (D2, D3):
        roster_snapshots_eod(day, None)
    assert list(RosterSnapshot.objects.order_by("as_of").values_list("as_of", flat=True)) == [D2, D3]
    assert RosterSnapshotLot.objects.count() == 4
    same_lists(world["stock"])


days = st.sampled_from([D1, D2, D3, D4])
HOLDERS = ["account", "other", "h3", "h4", "h5"]
change = st.tuples(days, st.sampled_from(HOLDERS), st.integers(1, 400), st.sampled_from(["new", "pledge", "restrict"]))


@pytest.fixture
def crowd(world):
    """Three more holders (account numbers out of opening order), so the lists' order has work to do."""
    from csdp.lib.ids import make_resident_id
    from csdp.securities.services import account_open, investor_create

    for n, number in ((3, "0180000009"), (4, "0180000004"), (5, "0180000007")):
        investor = investor_create(
            ymt_number=f"18000000000{n}",
            name=f"持有人{n}",
            id_type="resident_id",
            id_number=make_resident_id(f"1101051990010{n}123"),
            holder_type="03",
        )
        world[f"h{n}"] = account_open(number=number, investor=investor, market="BSE")
    return world


def apply_change(world, n, change):
    day, who, qty, what = change
    if what == "new":
        spec = [event(world, f"c{n}", event_type="new_shares", quantity=qty, account=who, day=day)]
    elif what == "pledge":
        spec = [event(world, f"c{n}", event_type="pledge", pledged=qty // 4, account=who, day=day)]
    else:
        spec = [
            event(world, f"c{n}:out", event_type="restrict", quantity=-qty, account=who, day=day),
            event(world, f"c{n}:in", event_type="restrict", quantity=qty, account=who, day=day, nature="05",
                  lockup_end=LOCKUP),
        ]  # fmt: skip
    try:
        register_apply_bulk(spec)
    except Exception:  # not enough free shares for this one: the register refuses it whole
        pass


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(change, max_size=6),
    after=st.lists(change, max_size=6),
    snapshot_days=st.lists(days, min_size=1, max_size=2),
    top=st.sampled_from([None, 2]),
)
def test_the_list_from_a_snapshot_equals_the_replay_whatever_was_written_after_it(
    crowd, before, after, snapshot_days, top
):
    """Changes on random days, snapshots taken (the second from the first), more changes on random days
    (many back-dated before the snapshots): every day's list from the nearest snapshot equals its
    replay from the events."""
    world = crowd
    with transaction.atomic():
        for n, who in enumerate(HOLDERS):
            issue(world, f"i{n}", 400 + 200 * (n % 3), who=who)  # equal holdings too: ties by account number
        for n, c in enumerate(before):
            apply_change(world, f"b{n}", c)
        for day in snapshot_days:
            roster_snapshot_build(security=world["stock"], as_of=day)
        for n, c in enumerate(after):
            apply_change(world, f"a{n}", c)
        same_lists(world["stock"], top=top)
        transaction.set_rollback(True)


def test_the_list_is_read_from_the_nearest_snapshot_when_there_is_one(world):
    issue(world, "i1", 1_000, day=D1)
    roster_snapshot_build(security=world["stock"], as_of=D1)
    RosterSnapshotLot.objects.update(quantity=999)  # only the snapshot says so
    assert rows(roster_as_of(security=world["stock"], as_of=D2))[0][4] == 999
    assert rows(roster_as_of(security=world["stock"], as_of=D2, side="head"))[0][4] == 1_000
