"""`csdp ops restore-check`: audit chain, register rebuilt from events, ledger totals rebuilt from
transfers, files' SHA-256 against their records — passes on a consistent world, names what is not."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from csdp.ledger.models import LedgerAccount
from csdp.ledger.services import hold_create, hold_post, ledger_account_open, transfer_post
from csdp.register.models import Position
from csdp.register.services import register_apply
from csdp.uploads.models import StoredFile
from tests.register.conftest import event
from tests.register.conftest import world  # noqa: F401  (fixture)
from tests.uploads.matrix import stored_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def consistent(cast, world):
    register_apply(
        events=[
            event(world, "r1", "ipo_allocation", quantity=100),
            event(world, "r2", "ipo_allocation", quantity=200, account="other"),
        ]
    )
    bank = ledger_account_open(number="BANK", name="银行", kind="depository_bank")
    reserve = ledger_account_open(
        number="R1", name="备付金", kind="participant_reserve", owner=cast.participant.institution
    )
    clearing = ledger_account_open(number="C1", name="清算", kind="ipo_clearing")
    transfer_post(debit=bank, credit=reserve, amount_fen=1_000_000, key="in", code="deposit")
    hold = hold_create(debit=reserve, credit=clearing, amount_fen=300_000, key="h", code="ipo_freeze")
    hold_post(hold=hold, amount_fen=120_000, key="hp")
    hold_create(debit=reserve, credit=clearing, amount_fen=50_000, key="h2", code="ipo_freeze")
    stored_file(cast)
    return world


def _check() -> dict:
    out = io.StringIO()
    try:
        call_command("ops", "restore-check", "--json", stdout=out)
    except CommandError:
        pass
    return json.loads(out.getvalue())


def test_a_consistent_world_passes_every_check(consistent):
    report = _check()
    assert report["ok"], report
    assert [c["name"] for c in report["checks"]] == ["audit_chain", "register", "ledger", "files"]
    checked = {c["name"]: c["checked"] for c in report["checks"]}
    assert checked["ledger"] == 3 and checked["files"] == 1 and checked["register"] == 2 and checked["audit_chain"] > 0


def test_a_file_changed_or_missing_after_the_restore_is_named(consistent):
    row = StoredFile.objects.get()
    path = Path(settings.CSDP_STORAGE_DIR) / row.storage_path
    path.write_bytes(b"tampered")
    report = _check()
    files = next(c for c in report["checks"] if c["name"] == "files")
    assert not report["ok"] and "SHA-256 与记录不符" in files["problems"][0]
    path.unlink()
    assert "文件缺失" in next(c for c in _check()["checks"] if c["name"] == "files")["problems"][0]


def test_ledger_totals_that_do_not_follow_from_the_transfers_are_named(consistent):
    LedgerAccount.objects.filter(number="R1").update(credits_posted=2_000_000)
    ledger = next(c for c in _check()["checks"] if c["name"] == "ledger")
    assert any("账户 R1 credits_posted" in p for p in ledger["problems"])
    assert any("借方记账合计" in p for p in ledger["problems"])


def test_the_held_amounts_rebuild_from_holds_and_their_resolutions(consistent):
    reserve = LedgerAccount.objects.get(number="R1")
    # 300,000 held then resolved (120,000 posted), 50,000 still held.
    assert (reserve.debits_pending, reserve.debits_posted) == (50_000, 120_000)
    assert next(c for c in _check()["checks"] if c["name"] == "ledger")["ok"]


def test_positions_that_do_not_follow_from_the_events_are_named(consistent):
    Position.objects.filter(quantity=100).update(quantity=101)
    register = next(c for c in _check()["checks"] if c["name"] == "register")
    assert not register["ok"] and "持有明细 (101" in register["problems"][0]


def test_the_command_exits_non_zero_and_prints_chinese_lines(consistent):
    LedgerAccount.objects.filter(number="R1").update(credits_posted=2_000_000)
    out = io.StringIO()
    with pytest.raises(CommandError, match="恢复核对未通过"):
        call_command("ops", "restore-check", stdout=out)
    assert "不通过  资金账簿总额" in out.getvalue() and "通过  审计轨迹哈希链" in out.getvalue()
