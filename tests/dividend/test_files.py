"""The participants' files are the same bytes through the C record kernel and through the reference
writer (csdp/lib/dbf_matrix.py), and a rerun writes them again byte for byte."""

from __future__ import annotations

import pytest

from csdp.dividend import files
from csdp.lib import dbf_matrix
from tests.dividend.world import DEADLINE, PAY, R, eod, fund, schedule


def test_the_kernel_and_the_reference_writer_give_the_same_participant_files(world, cast, monkeypatch):
    if dbf_matrix._fixedwidth is None:
        pytest.skip("the C kernel is not built here")
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    d.refresh_from_db()
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
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    d.refresh_from_db()
    at_once = files.participant_files(d, PAY)
    monkeypatch.setattr(files, "FILE_SLICE_ROWS", 1)
    assert files.file_slices(d) == [["P1"], ["P2"]]
    grouped = files.participant_files(d, PAY)
    assert [(f["path"], f["rows"], f["sha256"]) for f in grouped] == [
        (f["path"], f["rows"], f["sha256"]) for f in at_once
    ]


def test_the_issuers_result_from_the_kept_totals_equals_the_aggregate_over_the_entitlements(world, cast):
    from csdp.dividend.models import Step
    from csdp.securities.models import SecuritiesAccount
    from tests.dividend.world import LIST

    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    SecuritiesAccount.objects.filter(number="0100000005").update(status="closed")
    eod(LIST)
    d.refresh_from_db()
    kept = files.issuer_result_frame(d)
    step = Step.objects.get(distribution=d, name="entitle")
    step.detail.pop("by_participant")
    step.save(update_fields=["detail"])
    assert files.issuer_result_frame(d).equals(kept)
    assert kept.filter(kept["JSCY"] == "TOTAL")["ZXSL"].to_list() == [5]
