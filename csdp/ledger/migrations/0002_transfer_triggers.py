"""Database-enforced ledger invariants that a CHECK constraint cannot express (django-hordak style):

1. Transfers are append-only: UPDATE and DELETE are refused, whoever issues them (ORM, raw SQL).
2. A post / void must resolve a pending transfer between the same accounts, for at most its amount
   (a void for exactly its amount). "Exactly once" is the unique constraint hold_resolved_once.

PostgreSQL raises SQLSTATE 23000 and SQLite RAISE(ABORT), both surface as django.db.IntegrityError.
"""
from django.db import migrations

RESOLVES_A_HOLD = """
    EXISTS (SELECT 1 FROM ledger_transfer h WHERE h.id = NEW.pending_id AND h.phase = 'pending'
            AND h.debit_account_id = NEW.debit_account_id AND h.credit_account_id = NEW.credit_account_id
            AND NEW.amount_fen <= h.amount_fen AND (NEW.phase = 'post' OR NEW.amount_fen = h.amount_fen))
"""

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION ledger_transfer_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'ledger_transfer is append-only: % refused', TG_OP USING ERRCODE = '23000';
       END $$""",
    """CREATE TRIGGER ledger_transfer_immutable BEFORE UPDATE OR DELETE ON ledger_transfer
       FOR EACH ROW EXECUTE FUNCTION ledger_transfer_immutable()""",
    f"""CREATE OR REPLACE FUNCTION ledger_transfer_resolution_check() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NOT {RESOLVES_A_HOLD} THEN
           RAISE EXCEPTION 'ledger_transfer %: post/void must resolve a pending transfer of the same accounts '
                           'for at most its amount', NEW.key USING ERRCODE = '23000';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER ledger_transfer_resolution_check BEFORE INSERT ON ledger_transfer
       FOR EACH ROW WHEN (NEW.phase IN ('post', 'void')) EXECUTE FUNCTION ledger_transfer_resolution_check()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_transfer_resolution_check ON ledger_transfer",
    "DROP FUNCTION IF EXISTS ledger_transfer_resolution_check()",
    "DROP TRIGGER IF EXISTS ledger_transfer_immutable ON ledger_transfer",
    "DROP FUNCTION IF EXISTS ledger_transfer_immutable()",
]
SQLITE_UP = [
    """CREATE TRIGGER ledger_transfer_no_update BEFORE UPDATE ON ledger_transfer
       BEGIN SELECT RAISE(ABORT, 'ledger_transfer is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER ledger_transfer_no_delete BEFORE DELETE ON ledger_transfer
       BEGIN SELECT RAISE(ABORT, 'ledger_transfer is append-only: DELETE refused'); END""",
    f"""CREATE TRIGGER ledger_transfer_resolution_check BEFORE INSERT ON ledger_transfer
       WHEN NEW.phase IN ('post', 'void') AND NOT {RESOLVES_A_HOLD}
       BEGIN SELECT RAISE(ABORT, 'post/void must resolve a pending transfer of the same accounts'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_transfer_resolution_check",
    "DROP TRIGGER IF EXISTS ledger_transfer_no_delete",
    "DROP TRIGGER IF EXISTS ledger_transfer_no_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, None)  # None: no placeholders, "%" is plpgsql

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
