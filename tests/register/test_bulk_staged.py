"""register_apply_staged: the bulk path with its events built by the database (a 权益分派's bonus shares)."""

import pytest
from django.db import connection

from csdp.lib.errors import CsdpError
from csdp.register.bulk import COLUMNS, STAGE_COLUMNS
from csdp.register.bulk_staged import register_apply_staged
from csdp.register.models import Position, RegistrationEvent
from csdp.register.selectors import register_rebuild_check
from csdp.register.services import RegisterError, register_apply, register_apply_bulk
from tests.register.conftest import event
from tests.register.test_bulk import LOCKUP, _ids, _positions

VALUES = ("key", "event_type", "account_id", "security_id", "share_nature", "lockup_end", "quantity_delta")


def _source(world, rows, table="test_staged_source"):
    """The rows in a table of their own, and the SELECT over it that register_apply_staged takes."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} ({STAGE_COLUMNS})")
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            [[row.get(c, "" if c == "memo" else None) for c in COLUMNS] for row in _ids(world, rows)],
        )
    return f"SELECT * FROM {table}"


def _new_lots(world, prefix):
    """One event per lot (what the staged path takes): three new lots."""
    return [
        event(world, f"{prefix}1", "ipo_allocation", quantity=100),
        event(world, f"{prefix}2", "ipo_allocation", quantity=200, account="other"),
        event(world, f"{prefix}3", "strategic", quantity=5_000, nature="06", lockup_end=LOCKUP),
    ]


def _on_lots(world, prefix):
    """One event per lot on lots that exist after ``_new_lots``."""
    return [
        event(world, f"{prefix}4", "freeze", frozen=50),
        event(world, f"{prefix}5", "pledge", pledged=30, account="other"),
    ]


def _logged():
    return sorted(RegistrationEvent.objects.values_list(*VALUES))


@pytest.mark.parametrize("replay_lots", [10_000, 0])  # the small batch replays, the large one proves its fold
def test_the_staged_path_ends_where_the_bulk_path_ends(world, monkeypatch, replay_lots):
    from csdp.register import bulk

    monkeypatch.setattr(bulk, "REPLAY_LOTS", replay_lots)
    register_apply_bulk(_ids(world, _new_lots(world, "k") + _on_lots(world, "k")))
    by_bulk, logged_by_bulk = _positions(), _logged()
    assert register_apply_staged(_source(world, _new_lots(world, "s"))) == 3
    assert register_apply_staged(_source(world, _on_lots(world, "s"))) == 2
    doubled = [(a, c, n, lock, 2 * q, 2 * f, 2 * p) for a, c, n, lock, q, f, p in by_bulk]
    assert _positions() == doubled
    staged = [row for row in _logged() if row[0].startswith("s")]
    assert [row[1:] for row in staged] == [row[1:] for row in logged_by_bulk]
    assert register_rebuild_check() == []


@pytest.mark.parametrize("replay_lots", [10_000, 0])  # the small batch replays, the large one proves its fold
def test_a_replayed_source_writes_nothing(world, monkeypatch, replay_lots):
    from csdp.register import bulk

    monkeypatch.setattr(bulk, "REPLAY_LOTS", replay_lots)
    source = _source(world, _new_lots(world, "s"))
    assert register_apply_staged(source) == 3
    assert register_apply_staged(source) == 0
    assert RegistrationEvent.objects.count() == 3
    assert register_rebuild_check() == []


@pytest.mark.parametrize("replay_lots", [10_000, 0])
def test_two_events_on_one_lot_are_refused_and_nothing_is_written(world, monkeypatch, replay_lots):
    from csdp.register import bulk

    register_apply(events=[event(world, "a", quantity=1_000)])
    monkeypatch.setattr(bulk, "REPLAY_LOTS", replay_lots)
    rows = [event(world, "b1", "freeze", frozen=10), event(world, "b2", "freeze", frozen=10)]
    with pytest.raises(CsdpError, match="同一持有明细的多笔变动"):
        register_apply_staged(_source(world, rows))
    assert RegistrationEvent.objects.count() == 1
    assert Position.objects.get().frozen == 0


def test_two_events_on_one_new_lot_are_refused(world):
    rows = [event(world, "b1", "ipo_allocation", quantity=10), event(world, "b2", "ipo_allocation", quantity=10)]
    with pytest.raises(RegisterError):
        register_apply_staged(_source(world, rows))
    assert not RegistrationEvent.objects.exists() and not Position.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"quantity": 0}, "变动数量不能全部为零"),
        ({"quantity": 10, "nature": "05"}, "限售股份须填写限售截止日，无限售流通股不得填写"),
        ({"quantity": 10, "lockup_end": LOCKUP}, "限售股份须填写限售截止日，无限售流通股不得填写"),
        ({"quantity": 10, "event_type": "nonsense"}, "变动类型无效"),
        ({"quantity": 10, "event_type": "restrict", "nature": "05", "lockup_end": LOCKUP}, "股份性质变更"),
    ],
)
def test_a_bad_row_is_refused_by_name_as_the_bulk_path_does(world, row, message):
    rows = [event(world, "ok", "ipo_allocation", quantity=100, account="other"), event(world, "bad", **row)]
    with pytest.raises(RegisterError, match=f"登记变动 bad：{message}"):
        register_apply_staged(_source(world, rows))
    assert not RegistrationEvent.objects.exists()


def test_a_key_repeated_in_the_source_is_refused(world):
    rows = [
        event(world, "same", "ipo_allocation", quantity=10),
        event(world, "same", "ipo_allocation", quantity=5, account="other"),
    ]
    with pytest.raises(RegisterError, match="幂等键在同一批中重复"):
        register_apply_staged(_source(world, rows))
    assert not RegistrationEvent.objects.exists()


def test_a_key_in_the_log_with_other_values_is_refused(world):
    register_apply_staged(_source(world, [event(world, "k", "ipo_allocation", quantity=10)]))
    with pytest.raises(RegisterError, match="幂等键 k 已用于另一笔登记变动"):
        register_apply_staged(_source(world, [event(world, "k", "ipo_allocation", quantity=11)]))


def test_an_unknown_account_is_refused(world):
    rows = _ids(world, [event(world, "gone", "ipo_allocation", quantity=10)])
    rows[0]["account_id"] = 987_654
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE test_staged_gone ({STAGE_COLUMNS})")
        cursor.execute(
            f"INSERT INTO test_staged_gone ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            [rows[0].get(c, "") for c in COLUMNS],
        )
    with pytest.raises(RegisterError, match="987654"):
        register_apply_staged("SELECT * FROM test_staged_gone")
    assert not RegistrationEvent.objects.exists()


def test_an_empty_source_writes_nothing(world):
    assert register_apply_staged(_source(world, [])) == 0
