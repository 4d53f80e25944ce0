"""The exchange's drop folder (`csdp ipo inbox`): finished files are loaded through the same path as an
upload and moved out; a bad file is refused whole with every error written beside it."""

import pytest
from django.core.management import CommandError, call_command

from csdp.ipo.subscription.inbox import inbox_scan
from csdp.ipo.models import OfferingStatus, Subscription
from tests.ipo import world
from tests.ipo.world import HEADER, T, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(tmp_path, cast):
    world.participant("W001", "800001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    at(T, 10)
    folder = tmp_path / "inbox"
    folder.mkdir()
    return offering, folder


def _write(folder, name, rows):
    lines = [f"{s},{a},W001,800001,{q},14.04,,2026-03-16T09:30:00" for s, a, q in rows]
    (folder / name).write_text(HEADER + "\n".join(lines) + "\n")


def test_a_finished_file_is_loaded_and_moved_to_done(inbox):
    offering, folder = inbox
    _write(folder, "SG920188_20260316.csv", [(1, "0100000001", 1_000), (2, "0100000002", 500)])
    _write(folder, "SG920188_20260316.csv.part", [(3, "0100000003", 100)])  # still being written: left alone
    [result] = inbox_scan(folder)
    assert (result.loaded, result.rows) == (True, 2)
    assert Subscription.objects.filter(offering=offering).count() == 2
    assert len(list((folder / "done").glob("SG920188_20260316.*.csv"))) == 1
    assert (folder / "SG920188_20260316.csv.part").exists()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SUBSCRIBING
    assert inbox_scan(folder) == []  # nothing twice


def test_a_bad_file_is_refused_whole_with_every_error_beside_it(inbox):
    offering, folder = inbox
    _write(folder, "SG920188_20260316.csv", [(1, "01", 1_000), (2, "0100000002", -5)])
    [result] = inbox_scan(folder)
    assert not result.loaded
    [report] = (folder / "rejected").glob("SG920188_20260316.*.csv.errors.txt")
    errors = report.read_text(encoding="utf-8").splitlines()
    assert len(errors) >= 2 and all(line.startswith("第 ") for line in errors[:2])
    assert not Subscription.objects.filter(offering=offering).exists()


def test_a_file_for_another_day_or_code_is_refused_by_its_name(inbox):
    _, folder = inbox
    _write(folder, "SG920188_20260317.csv", [(1, "0100000001", 1_000)])
    _write(folder, "SG920999_20260316.csv", [(1, "0100000001", 1_000)])
    _write(folder, "subscriptions.csv", [(1, "0100000001", 1_000)])
    results = {r.name: r.error for r in inbox_scan(folder)}
    assert "不是该发行的申购日" in results["SG920188_20260317.csv"]
    assert "没有证券代码为 920999 的发行" in results["SG920999_20260316.csv"]
    assert "文件名应为" in results["subscriptions.csv"]


def test_the_command_exits_non_zero_when_a_file_is_refused(inbox, capsys):
    _, folder = inbox
    _write(folder, "SG920188_20260316.csv", [(1, "01", 1_000)])
    with pytest.raises(CommandError, match="rejected"):
        call_command("ipo", "inbox", "--dir", str(folder))
    assert "拒绝" in capsys.readouterr().out


def test_a_symbolic_link_is_refused_unread(inbox, tmp_path):
    _, folder = inbox
    secret = tmp_path / "secret.csv"
    secret.write_text(HEADER)
    (folder / "SG920188_20260316.csv").symlink_to(secret)
    [result] = inbox_scan(folder)
    assert not result.loaded and "符号链接" in result.error
    assert secret.exists()  # the target is untouched; only the link moved out of the inbox


def test_every_copy_of_a_resent_file_is_kept(inbox):
    _, folder = inbox
    for _ in range(2):
        _write(folder, "SG920188_20260316.csv", [(1, "01", 1_000)])
        inbox_scan(folder)
    assert len(list((folder / "rejected").glob("SG920188_20260316.*.csv"))) == 2
