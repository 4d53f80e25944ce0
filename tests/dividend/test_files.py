"""The participants' files are the same bytes through the C record kernel and through the reference
writer (csdp/lib/dbf_matrix.py), and a rerun writes them again byte for byte."""

from __future__ import annotations

from decimal import Decimal

import pytest

from csdp.dividend import files
from csdp.dividend.models import ParticipantPayment
from csdp.securities.models import CustodyUnit, ParticipantProfile, SecuritiesAccount
from csdp.lib import dbf_matrix
from tests.dividend.world import DEADLINE, PAY, R, eod, fund, schedule


def _funded_through(cast, *days):
    """Issuer A's distribution, funded, its end of day run on each of ``days``."""
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in days:
        eod(day)
    d.refresh_from_db()
    return d


def test_the_kernel_and_the_reference_writer_give_the_same_participant_files(world, cast, monkeypatch):
    if dbf_matrix._fixedwidth is None:
        pytest.skip("the C kernel is not built here")
    d = _funded_through(cast, DEADLINE, R, PAY)
    by_kernel = files.participant_files(d, PAY)
    monkeypatch.setattr(dbf_matrix, "_fixedwidth", None)
    by_reference = files.participant_files(d, PAY)
    assert [(f["path"], f["rows"], f["sha256"]) for f in by_kernel] == [
        (f["path"], f["rows"], f["sha256"]) for f in by_reference
    ]
    assert len(by_kernel) == 8


def test_files_written_a_group_of_participants_at_a_time_are_the_same_files(world, cast, monkeypatch):
    """A large distribution writes its participants' files per group of participants (memory); each
    participant's files are whole in one group, so they do not change."""
    d = _funded_through(cast, DEADLINE, R, PAY)
    at_once = files.participant_files(d, PAY)
    monkeypatch.setattr(files, "FILE_SLICE_ROWS", 1)
    p1, p2 = (ParticipantProfile.objects.get(code=c).institution_id for c in ("P1", "P2"))
    assert files.file_slices(d) == [[p1], [p2]]
    grouped = files.participant_files(d, PAY)
    assert [(f["path"], f["rows"], f["sha256"]) for f in grouped] == [
        (f["path"], f["rows"], f["sha256"]) for f in at_once
    ]


def _qyhz(path: str) -> list[dict[str, str]]:
    import csv
    from pathlib import Path

    from django.conf import settings

    with open(Path(settings.CSDP_FILES_DIR) / path, encoding="gbk", newline="") as handle:
        return list(csv.DictReader(handle))


def test_an_account_moved_to_another_custodian_after_r_is_in_the_file_of_the_participant_paid_for_it(
    world, cast, monkeypatch
):
    """The cash of R's holders goes to their custodian at R (one ledger transfer per participant); an
    account that moves custodian (转托管) before 派息日 stays in that participant's files, so each
    participant's summary adds up to what it was paid — also when the files are read a group at a time."""
    d = _funded_through(cast, DEADLINE, R)
    SecuritiesAccount.objects.filter(number="0100000001").update(custody_unit=CustodyUnit.objects.get(code="720001"))
    eod(PAY)
    d.refresh_from_db()
    for slice_rows in (files.FILE_SLICE_ROWS, 1):
        monkeypatch.setattr(files, "FILE_SLICE_ROWS", slice_rows)
        written = {"/".join(f["path"].split("/")[-2:]): f for f in files.participant_files(d, PAY)}
        detail_p1 = _qyhz(written["P1/QYMX920001.csv"]["path"])
        assert {row["GDDM"] for row in detail_p1} == {"0100000001", "0100000002"}
        assert {row["XWDM"] for row in detail_p1} == {"710001"}
        assert "0100000001" not in {row["GDDM"] for row in _qyhz(written["P2/QYMX920001.csv"]["path"])}
        for code in ("P1", "P2"):
            summary = _qyhz(written[f"{code}/QYHZ920001.csv"]["path"])
            paid = ParticipantPayment.objects.get(distribution=d, participant__participant_profile__code=code).paid_fen
            assert Decimal(summary[0]["SFJE"]) * 100 == paid


def test_the_issuers_result_from_the_kept_totals_equals_the_aggregate_over_the_entitlements(world, cast):
    from csdp.dividend.models import Step
    from csdp.securities.models import SecuritiesAccount
    from tests.dividend.world import LIST

    d = _funded_through(cast, DEADLINE, R, PAY)
    SecuritiesAccount.objects.filter(number="0100000005").update(status="closed")
    eod(LIST)
    d.refresh_from_db()
    kept = files.issuer_result_frame(d)
    step = Step.objects.get(distribution=d, name="entitle")
    step.detail.pop("by_participant")
    step.save(update_fields=["detail"])
    assert files.issuer_result_frame(d).equals(kept)
    assert kept.filter(kept["JSCY"] == "TOTAL")["ZXSL"].to_list() == [5]


def test_entitlements_written_before_migration_0004_get_their_accounts_number_and_custody_unit(world, cast):
    """Migration 0004's fill, on rows as an earlier release wrote them (no number, no custody unit): a
    distribution entitled but not yet paid then writes the files it would have written."""
    import importlib

    from django.db import connection

    from csdp.dividend.models import Entitlement

    d = _funded_through(cast, DEADLINE, R)
    Entitlement.objects.filter(distribution_id=d.pk).update(custody_unit_id=None, account_number="")
    migration = importlib.import_module("csdp.dividend.migrations.0004_entitlement_custody_at_record_date")
    with connection.cursor() as cursor:
        for sql in migration.FILL:
            cursor.execute(sql)
    accounts = {a.pk: (a.number, a.custody_unit_id) for a in SecuritiesAccount.objects.all()}
    filled = Entitlement.objects.filter(distribution_id=d.pk).values_list(
        "account_id", "account_number", "custody_unit_id"
    )
    assert len(filled) == 6
    assert all((number, unit) == accounts[account] for account, number, unit in filled)
    assert {unit for *_, unit in filled} == {
        None,
        *(u.pk for u in CustodyUnit.objects.filter(code__in=["710001", "720001"])),
    }
