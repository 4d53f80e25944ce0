"""The audit trail: a hash chain that names the first row edited or removed, on top of a table the
database itself keeps append-only (csdp/audit/migrations/0002_append_only.py)."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from csdp.audit.models import AuditEvent, AuditHead
from csdp.audit.services import GENESIS, audit_record, audit_verify, event_hash, history_of
from tests.cli import run_csdp

pytestmark = pytest.mark.django_db


def _record_three(actor) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, object_type="demo.thing", object_id="7", action="thing.submit", to_state="submitted"),
        audit_record(
            actor=actor,
            object_type="demo.thing",
            object_id="7",
            action="thing.accept",
            from_state="submitted",
            to_state="accepted",
            reason="材料齐全",
            data={"amount_fen": 12345},
        ),
        audit_record(actor="cli", object_type="demo.thing", object_id="8", action="thing.submit", to_state="submitted"),
    ]


@contextlib.contextmanager
def _triggers_lifted():
    """What an intruder with database rights does first: lift the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test runs inside one transaction whose inserts queued deferred foreign-key checks;
            # PostgreSQL will not ALTER a table with pending trigger events, so run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                from importlib import import_module

                for statement in import_module("csdp.audit.migrations.0002_append_only").SQLITE:
                    cursor.execute(statement)


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_each_event_links_to_the_one_before_and_the_chain_verifies(cast):
    first, second, third = _record_three(cast.operator)

    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert (first.prev_hash, second.prev_hash, third.prev_hash) == (GENESIS, first.hash, second.hash)
    assert AuditHead.objects.get().hash == third.hash
    assert audit_verify().ok and audit_verify().checked == 3


def test_the_stored_row_hashes_to_what_was_recorded(cast):
    recorded = _record_three(cast.operator)[1]
    stored = AuditEvent.objects.get(seq=recorded.seq)

    assert event_hash(stored) == stored.hash == recorded.hash
    assert (stored.actor, stored.actor_label, stored.data) == (cast.operator, "operator", {"amount_fen": 12345})


def test_an_event_recorded_in_a_rolled_back_transaction_leaves_no_gap(cast):
    audit_record(actor=cast.admin, object_type="demo.thing", object_id="1", action="a")
    with contextlib.suppress(RuntimeError), transaction.atomic():
        audit_record(actor=cast.admin, object_type="demo.thing", object_id="1", action="b")
        raise RuntimeError("the business write failed")
    audit_record(actor=cast.admin, object_type="demo.thing", object_id="1", action="c")

    assert list(AuditEvent.objects.values_list("seq", "action")) == [(1, "a"), (2, "c")]
    assert audit_verify().ok


def test_history_of_lists_the_events_of_one_object_in_order(cast):
    cast_row = cast.issuer_a.institution
    audit_record(actor=cast.reviewer, obj=cast_row, action="institution.review", to_state="approved")
    audit_record(actor=cast.reviewer, object_type="demo.thing", object_id="9", action="x")

    assert [event.action for event in history_of(cast_row)] == ["institution.review"]


def test_the_database_refuses_to_update_an_audit_row(cast):
    row = _record_three(cast.operator)[1]

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(reason="改过的原因")
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["改过的原因", 2])
    assert AuditEvent.objects.get(pk=row.pk).reason == "材料齐全"


def test_the_database_refuses_to_delete_an_audit_row(cast):
    row = _record_three(cast.operator)[1]

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    assert AuditEvent.objects.count() == 3


def test_an_edited_reason_is_named_by_verify_and_by_the_command(cast):
    _record_three(cast.operator)
    with _triggers_lifted():
        _sql("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["材料不全", 2])

    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.problem, result.checked) == (False, 2, "记录内容被修改", 1)
    with pytest.raises(CommandError, match="第 2 条 — 记录内容被修改"):
        call_command("audit", "verify")


def test_an_edited_row_whose_hash_is_recomputed_breaks_the_link_of_the_next_row(cast):
    _record_three(cast.operator)
    forged = AuditEvent.objects.get(seq=2)
    forged.reason = "材料不全"
    with _triggers_lifted():
        _sql("UPDATE audit_auditevent SET reason = %s, hash = %s WHERE seq = 2", [forged.reason, event_hash(forged)])

    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 3, "与前一条记录的链接不符")


def test_a_deleted_middle_row_is_reported_missing(cast):
    _record_three(cast.operator)
    with _triggers_lifted():
        _sql("DELETE FROM audit_auditevent WHERE seq = %s", [2])

    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "缺失" in result.problem
    with pytest.raises(CommandError, match="第 2 条"):
        call_command("audit", "verify")


def test_a_deleted_last_row_is_reported_missing_at_the_tail(cast):
    _record_three(cast.operator)
    with _triggers_lifted():
        _sql("DELETE FROM audit_auditevent WHERE seq = %s", [3])

    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 3, "链尾记录缺失（末尾记录被删除）")


def test_verify_walks_a_chain_longer_than_one_batch(cast):
    for number in range(7):
        audit_record(actor=cast.admin, object_type="demo.thing", object_id=str(number), action="x")
    with _triggers_lifted():
        _sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["y", 6])

    assert audit_verify(batch=3).first_bad_seq == 6


def test_the_command_reports_an_intact_chain(cast, capsys):
    _record_three(cast.operator)

    call_command("audit", "verify")

    assert "审计链完整：3 条记录校验通过" in capsys.readouterr().out


def test_the_console_script_exits_non_zero_and_names_the_edited_row(cli_env):
    # Two audited calendar changes, then an edit behind the triggers' back, then `csdp audit verify`.
    assert run_csdp(cli_env, "calendar", "close", "2026-03-10", "临时休市").returncode == 0
    assert run_csdp(cli_env, "calendar", "open", "2026-03-10").returncode == 0
    assert run_csdp(cli_env, "audit", "verify").returncode == 0
    with sqlite3.connect(cli_env["CSDP_TEST_DATABASE"]) as db:
        db.execute("DROP TRIGGER audit_auditevent_no_update")
        db.execute("UPDATE audit_auditevent SET reason = '无' WHERE seq = 1")

    done = run_csdp(cli_env, "audit", "verify")

    assert done.returncode != 0
    assert "审计链校验失败：第 1 条 — 记录内容被修改" in done.stderr
