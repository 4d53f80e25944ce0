import datetime as dt

import polars as pl
import pytest

from csdp.register.models import Position, RegistrationEvent
from csdp.register.selectors import register_rebuild_check
from csdp.register.services import RegisterError, register_apply, register_apply_bulk
from tests.register.conftest import event

LOCKUP = dt.date(2026, 9, 30)


def _ids(world, rows):
    out = []
    for row in rows:
        row = dict(row)
        row["security_id"], row["account_id"] = row.pop("security").pk, row.pop("account").pk
        out.append(row)
    return out


def _batch(world, prefix):
    return [
        event(world, f"{prefix}1", "ipo_allocation", quantity=100),
        event(world, f"{prefix}2", "ipo_allocation", quantity=200, account="other"),
        event(world, f"{prefix}3", "strategic", quantity=5_000, nature="06", lockup_end=LOCKUP),
        event(world, f"{prefix}4", "freeze", frozen=50),
        event(world, f"{prefix}5", "pledge", pledged=30, account="other"),
    ]


def _positions():
    return sorted(
        (p.account.number, p.security.code, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged)
        for p in Position.objects.select_related("account", "security")
        if p.quantity
    )


def test_the_bulk_path_ends_where_the_one_by_one_path_ends(world):
    register_apply(events=_batch(world, "one-"))
    one_by_one = _positions()
    register_apply_bulk(_ids(world, _batch(world, "bulk-")))
    doubled = [(a, c, n, lock, 2 * q, 2 * f, 2 * p) for a, c, n, lock, q, f, p in one_by_one]
    assert _positions() == doubled
    assert register_rebuild_check() == []


def test_it_accepts_a_polars_frame_and_skips_replayed_keys(world):
    frame = pl.DataFrame(_ids(world, _batch(world, "f-")))
    assert register_apply_bulk(frame) == 5
    assert register_apply_bulk(frame) == 0
    assert RegistrationEvent.objects.count() == 5


def test_a_batch_ending_below_zero_writes_nothing(world):
    rows = _ids(
        world, [event(world, "a", "ipo_allocation", quantity=100), event(world, "b", "cancellation", quantity=-101)]
    )
    with pytest.raises(RegisterError, match="持有数量将小于零") as refused:
        register_apply_bulk(rows)
    assert "持有 0 股，本批登记变动减少 1 股" in refused.value.problems[0].message
    assert RegistrationEvent.objects.count() == 0 and not Position.objects.exists()


def test_a_batch_pledging_more_than_held_writes_nothing(world):
    register_apply(events=[event(world, "a", quantity=100)])
    with pytest.raises(RegisterError):
        register_apply_bulk(_ids(world, [event(world, "b", "pledge", pledged=101)]))
    assert register_rebuild_check() == []


def test_a_large_batch_proves_its_fold_and_ends_where_a_small_one_ends(world, monkeypatch):
    """Above REPLAY_LOTS lots the batch checks each lot = before + batch instead of replaying the touched
    accounts' histories; the register it leaves is the same, replayable, and a replay writes nothing."""
    from csdp.register import bulk

    register_apply(events=_batch(world, "one-"))
    one_by_one = _positions()
    monkeypatch.setattr(bulk, "REPLAY_LOTS", 0)
    assert register_apply_bulk(_ids(world, _batch(world, "big-"))) == 5
    doubled = [(a, c, n, lock, 2 * q, 2 * f, 2 * p) for a, c, n, lock, q, f, p in one_by_one]
    assert _positions() == doubled
    assert register_apply_bulk(_ids(world, _batch(world, "big-"))) == 0
    assert register_rebuild_check() == []


def test_a_large_batch_refuses_a_lot_another_writer_changed_meanwhile(world, monkeypatch):
    """The fold's proof fails, and nothing is written, when a lot's balance moved between the batch's
    reading it and folding into it (here: a writer slipped in just before the fold)."""
    from csdp.register import bulk
    from csdp.register.capital import RegisterInvariantError

    register_apply(events=[event(world, "a", quantity=1_000)])
    monkeypatch.setattr(bulk, "REPLAY_LOTS", 0)
    real = bulk._fold_into_positions

    def fold_and_meddle(cursor, lots, now, **kwargs):
        cursor.execute("UPDATE register_position SET frozen = frozen + 1")
        return real(cursor, lots, now, **kwargs)

    monkeypatch.setattr(bulk, "_fold_into_positions", fold_and_meddle)
    with pytest.raises(RegisterInvariantError, match="办理期间被另行变更"):
        register_apply_bulk(_ids(world, [event(world, "b", "pledge", pledged=10)]))
    assert RegistrationEvent.objects.count() == 1
    assert register_rebuild_check() == []


def _balances(frame):
    return sorted(
        (a, n, lock, q, f, p)
        for a, _s, n, lock, q, f, p in frame.select(
            "account_id", "security_id", "share_nature", "lockup_end", "quantity", "frozen", "pledged"
        ).iter_rows()
    )


def _changed_positions(world, keys):
    lots = {(e.account_id, e.share_nature, e.lockup_end) for e in RegistrationEvent.objects.filter(key__in=keys)}
    return sorted(
        (p.account_id, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged)
        for p in Position.objects.all()
        if (p.account_id, p.share_nature, p.lockup_end) in lots
    )


@pytest.mark.parametrize("large", [False, True], ids=["replayed", "proved"])
def test_the_balances_it_returns_are_the_changed_lots_as_the_register_now_holds_them(world, monkeypatch, large):
    """What a participant's file of the change reports (balances after) comes back from the fold itself
    and equals the positions; new lots included, a replay returns none."""
    from csdp.register import bulk

    register_apply(events=_batch(world, "one-"))
    if large:
        monkeypatch.setattr(bulk, "REPLAY_LOTS", 0)
    rows = _ids(world, _batch(world, "b-"))
    written, after = bulk.register_apply_bulk_balances(rows)
    assert written == 5
    assert _balances(after) == _changed_positions(world, [r["key"] for r in rows])
    assert after.height == len({(r["account_id"], r["share_nature"], r.get("lockup_end")) for r in rows})
    assert bulk.register_apply_bulk_balances(rows)[0] == 0
    assert bulk.register_apply_bulk_balances(rows)[1].height == 0
    assert register_rebuild_check() == []


def test_with_balances_a_lot_another_writer_changed_meanwhile_is_refused(world, monkeypatch):
    from csdp.register import bulk
    from csdp.register.capital import RegisterInvariantError

    register_apply(events=[event(world, "a", quantity=1_000)])
    monkeypatch.setattr(bulk, "REPLAY_LOTS", 0)
    real = bulk._fold_with_balances

    def fold_and_meddle(cursor, lots, now, **kwargs):
        cursor.execute("UPDATE register_position SET frozen = frozen + 1")
        return real(cursor, lots, now, **kwargs)

    monkeypatch.setattr(bulk, "_fold_with_balances", fold_and_meddle)
    with pytest.raises(RegisterInvariantError, match="办理期间被另行变更"):
        bulk.register_apply_bulk_balances(_ids(world, [event(world, "b", "pledge", pledged=10)]))
    assert RegistrationEvent.objects.count() == 1
    assert register_rebuild_check() == []


def test_with_balances_a_batch_ending_below_zero_is_refused_lot_by_lot_and_writes_nothing(world, monkeypatch):
    from csdp.register import bulk

    register_apply(events=[event(world, "a", quantity=100)])
    monkeypatch.setattr(bulk, "REPLAY_LOTS", 0)
    rows = _ids(world, [event(world, "b", "cancellation", quantity=-101)])
    with pytest.raises(RegisterError, match="持有数量将小于零") as refused:
        bulk.register_apply_bulk_balances(rows)
    number = world["account"].number
    assert refused.value.problems[0].message.startswith(f"证券账户 {number} 证券 {world['stock'].code} 股份性质 00")
    assert "持有 100 股，本批登记变动减少 101 股" in refused.value.problems[0].message
    assert RegistrationEvent.objects.count() == 1
    assert register_rebuild_check() == []
