"""`csdp dividend simulate` as an operator runs it (the installed script in a child process, on the CLI
tests' own migrated database): the fixed JSON, every invariant, and the plan through the counter and
four-eyes as production takes it."""

from __future__ import annotations

import json
import sqlite3

from tests.cli import run_csdp


def test_simulate_prints_the_fixed_keys_and_runs_the_plan_through_the_application_and_four_eyes(cli_env):
    # csdp.settings.test turns CSDP_CLOCK_SETTABLE on (bench/dividend_eod.py sets it for the dev settings)
    done = run_csdp(cli_env, "dividend", "simulate", "--holders", "300", "--participants", "5", "--seed", "3")
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["holders"] == 300 and isinstance(result["seconds"], float)
    assert result["invariants_ok"] is True, result["invariants"]
    assert all({"name", "seconds", "rows"} <= set(step) for step in result["steps"])
    names = [step["name"] for step in result["steps"]]
    # the set-up, the daytime application, then the four end-of-day steps in their order (SQLite: no ANALYZE)
    assert names == ["setup_accounts", "setup_register", "application", "funding", "entitle", "pay", "register"]
    rows = {step["name"]: step["rows"] for step in result["steps"]}
    assert rows["setup_accounts"] == 300 and rows["entitle"] == result["lots"] >= 300
    # `seconds` is the end of day alone: its days, not the set-up nor the application before them
    days, application_seconds = sum(result["days"].values()), result["steps"][names.index("application")]["seconds"]
    assert days - 0.01 <= result["seconds"] < days + application_seconds
    with sqlite3.connect(cli_env["CSDP_TEST_DATABASE"]) as db:
        application, seed = db.execute("SELECT application_id, seed FROM dividend_distribution").fetchone()
        approval = db.execute(
            "SELECT a.status, p.username, p.staff_role, r.username, r.staff_role FROM approvals_approval a "
            "JOIN accounts_user p ON p.id = a.prepared_by_id JOIN accounts_user r ON r.id = a.approved_by_id "
            "WHERE a.kind = 'dividend.plan'"
        ).fetchone()
        filed = db.execute(
            "SELECT t.code, a.status FROM counter_application a JOIN counter_businesstype t ON t.id = a.business_type_id "
            "WHERE a.id = ?",
            [application],
        ).fetchone()
        # the simulated freezes and pledges are records, and the bonus shares on them accrued to them
        accrued = dict(db.execute("SELECT kind, COUNT(*) FROM dividend_accrual GROUP BY kind").fetchall())
    assert filed == ("05", "accepted")
    assert accrued.get("freeze", 0) > 0 and accrued.get("pledge", 0) > 0
    assert result["invariants"]["freezes_and_pledges_match_register"] is True
    assert approval == ("applied", "sim-operator", "operator", "sim-reviewer", "reviewer")
    assert seed == result["fraction_seed"]  # drawn at acceptance and recorded with the plan
