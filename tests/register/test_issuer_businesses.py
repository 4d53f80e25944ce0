"""The issuer's register businesses end to end at the service level: the counter application with its
data sheet → every row checked → the operator accepts (prepares the four-eyes approval) → a different
reviewer approves → the register, the capital, the participants' GFBD files and the application's
result change together; the same person is refused; a bad sheet is refused whole."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from csdp.approvals.models import Approval, Status as ApprovalStatus
from csdp.approvals.services import approval_approve, approvals_apply_due
from csdp.counter import handling
from csdp.counter.models import BusinessType, FilePurpose
from csdp.counter.registry import spec_for
from csdp.counter.services import CounterError, application_confirm_results, application_draft
from csdp.counter.states import Status
from csdp.lib.errors import CsdpError
from csdp.register.capital import register_check
from csdp.register.issuer_sheet import sheet_read, template_bytes
from csdp.register.models import HoldingChangeFile, Position, RegistrationEvent
from csdp.register.services import register_apply
from csdp.securities.models import Security
from tests.counter.factories import pdf_upload, sign_and_submit
from tests.register.businesses import LOCKUP, TODAY, accept, file_business, holder, initial, lots, sheet, world  # noqa: F401


def test_initial_registration_is_applied_only_after_a_different_reviewer_approves(world):
    app = file_business(world, "01", [holder(world, 0, 800_000), holder(world, 1, 200_000, "05", LOCKUP)], 1_000_000)
    approval = accept(world, app)
    assert not Position.objects.exists()  # accepted is not applied
    with pytest.raises(CsdpError) as same:
        approval_approve(approval=approval, by=world["cast"].operator)
    assert same.value.code in ("approval.same_person", "approval.role")
    with pytest.raises(CounterError, match="尚未经复核"):
        handling.application_issue_results(application=app, actor=world["cast"].operator)
    approval_approve(approval=approval, by=world["cast"].reviewer)
    assert Security.objects.get(code="920188").issued_shares == 1_000_000
    assert lots(world, 0) == [("00", None, 800_000, 0, 0)]
    assert lots(world, 1) == [("05", LOCKUP, 200_000, 0, 0)]
    assert RegistrationEvent.objects.filter(key__startswith=f"biz:{approval.key}:").count() == 2
    register_check(world["security"])
    # The participant learns it, and the issuer gets the 名册 as the application's result.
    assert set(HoldingChangeFile.objects.values_list("file_format", "rows")) == {("dbf", 2), ("csv", 2)}
    result = app.files.get(purpose=FilePurpose.RESULT)
    book = load_workbook(result.stored_file.open(), read_only=True)
    values = [row for row in book.active.iter_rows(values_only=True)]
    assert values[-1][7] == 1_000_000 and values[-2][7] == 1_000_000  # 登记股本 and 合计 reconcile
    handling.application_issue_results(application=app, actor=world["cast"].operator)
    application_confirm_results(application=app, user=world["cast"].issuer_a)
    app.refresh_from_db()
    assert app.status == Status.FINISHED


def test_a_bad_sheet_lists_every_problem_and_is_refused_whole(world):
    form = spec_for("01").form_class(
        {"typed-effective_date": TODAY.isoformat(), "typed-declared": "10", "typed-declaration": "on"},
        {"typed-data_file": sheet([("123", "", "驾照", "X", "-5", "07", None), holder(world, 0, 10, "05", None)])},
        prefix="typed",
    )
    assert not form.is_valid()
    text = str(form.errors)
    for expected in (
        "第2行",
        "证券账户号码",
        "持有人名称不能为空",
        "证件类型",
        "应为正整数",
        "股份性质",
        "第3行",
        "限售截止日",
    ):
        assert expected in text


def test_rows_are_checked_against_the_master_and_the_register_all_at_once(world):
    wrong_name = ("0180000001", "王五", "居民身份证", world["accounts"][0].investor.id_number, 600, "00", None)
    unknown = ("0180009999", "赵六", "居民身份证", "110105198001011234", 400, "00", None)
    with pytest.raises(CounterError) as refused:
        file_business(world, "01", [wrong_name, unknown], 1_500)
    for expected in ("第2行", "与账户资料不符", "第3行", "未在本公司开立", "合计 1,000 股"):
        assert expected in refused.value.message
    assert not RegistrationEvent.objects.exists()


def test_new_shares_grow_the_capital_with_their_lockups(world):
    initial(world)
    app = file_business(world, "02", [holder(world, 0, 50_000, "05", LOCKUP)], 50_000)
    approval_approve(approval=accept(world, app), by=world["cast"].reviewer)
    assert Security.objects.get(code="920188").issued_shares == 1_050_000
    assert lots(world, 0) == [("00", None, 800_000, 0, 0), ("05", LOCKUP, 50_000, 0, 0)]


def test_a_release_takes_the_lots_pledge_and_freeze_along_on_its_effective_date(world):
    initial(world)
    register_apply(
        events=[
            {
                "security": world["security"],
                "account": world["accounts"][1],
                "event_type": "pledge",
                "pledged_delta": 150_000,
                "frozen_delta": 50_000,
                "business_date": TODAY,
                "key": "t:p",
                "share_nature": "05",
                "lockup_end": LOCKUP,
            }
        ]
    )
    later = dt.date(2026, 4, 1)
    app = file_business(world, "03", [holder(world, 1, 200_000, "05", LOCKUP)], 200_000, effective=later)
    approval = accept(world, app)
    approval_approve(approval=approval, by=world["cast"].reviewer)
    assert lots(world, 1) == [("05", LOCKUP, 200_000, 50_000, 150_000)]  # not before its date
    approvals_apply_due(later)
    assert lots(world, 1) == [("00", None, 200_000, 50_000, 150_000)]
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPLIED
    approvals_apply_due(later)  # a rerun changes nothing
    assert RegistrationEvent.objects.filter(event_type="release").count() == 2
    gfbd = HoldingChangeFile.objects.filter(business="03", file_format="csv").get()
    from django.conf import settings
    from pathlib import Path

    text = (Path(settings.CSDP_FILES_DIR) / gfbd.path).read_bytes().decode("gbk").splitlines()
    assert text[0].startswith("ZQDM,YWLB,YWBH,JSCY,XWDM,ZQZH")
    assert any(",05,20270330,-200000,0,0,0," in line for line in text[1:])
    assert any(",00,,200000,200000,50000,150000," in line for line in text[1:])


def test_a_restriction_asking_for_more_than_the_free_lot_is_refused(world):
    initial(world)
    with pytest.raises(CounterError, match="少于申报的 900,000 股"):
        file_business(world, "04", [holder(world, 0, 900_000, "06", LOCKUP)], 900_000)


def test_exit_closes_the_register_and_hands_over_the_final_list(world):
    initial(world)
    form = spec_for("06").form_class(
        {"typed-effective_date": TODAY.isoformat(), "typed-reason": "终止挂牌决定 2026-1号", "typed-declaration": "on"},
        prefix="typed",
    )
    assert form.is_valid(), form.errors
    issuer = world["cast"].issuer_a
    app = sign_and_submit(
        application_draft(
            user=issuer,
            business_type=BusinessType.objects.get(code="06"),
            securities_code="920188",
            data=form.json_data(),
            files=[pdf_upload()],
        ),
        issuer,
        world["key"],
    )
    approval_approve(approval=accept(world, app), by=world["cast"].reviewer)
    assert Security.objects.get(code="920188").status == "delisted"
    assert app.files.filter(purpose=FilePurpose.RESULT).count() == 1
    with pytest.raises(CsdpError, match="退出登记"):
        register_apply(
            events=[
                {
                    "security": world["security"],
                    "account": world["accounts"][0],
                    "event_type": "pledge",
                    "pledged_delta": 1,
                    "business_date": TODAY,
                    "key": "t:after-exit",
                }
            ]
        )


def test_the_template_is_the_readers_own_header():
    rows, problems = sheet_read(template_bytes("01"))
    assert problems == [] and rows[0].account == "0180000001"


def test_the_person_who_prepared_it_may_not_approve_it_even_as_admin(world):
    app = file_business(world, "01", [holder(world, 0, 1_000)], 1_000)
    handling.application_accept(application=app, actor=world["cast"].admin, opinion="受理")
    approval = Approval.objects.get(subject_id=str(app.pk))
    with pytest.raises(CsdpError) as same:
        approval_approve(approval=approval, by=world["cast"].admin)
    assert same.value.code == "approval.same_person"
    assert not Position.objects.exists()


def test_a_step_interrupted_after_its_events_leaves_nothing_and_the_rerun_gives_the_same_register(world, monkeypatch):
    """The effect is one transaction: a failure after the register events were written (here injected
    in the participants' files, standing in for a process dying there) rolls everything back; retried,
    the register is the one an uninterrupted run gives."""
    import csdp.register.holding_files as holding_files
    from csdp.approvals.services import approval_retry

    initial(world)
    before = {n: lots(world, n) for n in (0, 1)}
    later = dt.date(2026, 4, 1)
    app = file_business(world, "04", [holder(world, 0, 300_000, "06", LOCKUP)], 300_000, effective=later)
    approval = accept(world, app)
    approval_approve(approval=approval, by=world["cast"].reviewer)
    real = holding_files.holding_change_files_prepare

    def dies(**kwargs):
        raise CsdpError("写文件时进程中断（测试注入）。", code="test.interrupted")

    monkeypatch.setattr(holding_files, "holding_change_files_prepare", dies)
    approvals_apply_due(later)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.FAILED
    assert {n: lots(world, n) for n in (0, 1)} == before
    assert not RegistrationEvent.objects.filter(event_type="restrict").exists()
    monkeypatch.setattr(holding_files, "holding_change_files_prepare", real)
    approval_retry(approval=approval, by=world["cast"].admin)
    approvals_apply_due(later)
    assert lots(world, 0) == [("00", None, 500_000, 0, 0), ("06", LOCKUP, 300_000, 0, 0)]
    assert Security.objects.get(code="920188").issued_shares == 1_000_000
    register_check(world["security"])


def test_a_file_that_is_not_a_workbook_is_a_problem_not_an_error():
    rows, problems = sheet_read(b"PK\x03\x04 not really a zip")

    assert rows == [] and "Excel" in problems[0].message


def test_a_step_failing_after_its_files_were_written_publishes_no_gfbd_file(world, monkeypatch, settings, tmp_path):
    """Issue 20: the participants' files of a business reach their names only after its commit. The
    effect fails after writing them (the result report, injected): no GFBD file, not even a .part, is
    left for a participant to read; the rerun publishes them with their records."""
    import csdp.register.issuer_businesses as businesses
    from csdp.approvals.services import approval_retry

    settings.CSDP_FILES_DIR = str(tmp_path)
    initial(world)
    published = sorted(p.name for p in tmp_path.rglob("GFBD*"))
    later = dt.date(2026, 4, 1)
    app = file_business(world, "04", [holder(world, 0, 300_000, "06", LOCKUP)], 300_000, effective=later)
    approval = accept(world, app)
    approval_approve(approval=approval, by=world["cast"].reviewer)
    real = businesses._attach_result

    def dies(*args):
        raise CsdpError("附结果时进程中断（测试注入）。", code="test.interrupted")

    monkeypatch.setattr(businesses, "_attach_result", dies)
    approvals_apply_due(later)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.FAILED
    assert sorted(p.name for p in tmp_path.rglob("GFBD*")) == published  # the 01's own files only
    monkeypatch.setattr(businesses, "_attach_result", real)
    approval_retry(approval=approval, by=world["cast"].admin)
    approvals_apply_due(later)
    records = HoldingChangeFile.objects.filter(business="04")
    assert records.count() == 2 and all((tmp_path / r.path).is_file() for r in records)
    assert not list(tmp_path.rglob("*.part"))


def test_files_committed_but_not_renamed_before_a_crash_are_put_in_place_by_the_next_end_of_day(
    world, settings, tmp_path
):
    from pathlib import Path

    from csdp.register.holding_files import holding_change_files_recover

    settings.CSDP_FILES_DIR = str(tmp_path)
    initial(world)
    record = HoldingChangeFile.objects.filter(file_format="dbf").first()
    final = Path(tmp_path) / record.path
    final.rename(final.with_suffix(".dbf.part"))  # the process died between the commit and the rename
    lines = holding_change_files_recover(TODAY)
    assert final.is_file() and [line.text for line in lines] == ["已补发"]
    assert holding_change_files_recover(TODAY) == []


def test_the_participants_records_made_from_the_folds_balances_are_the_ones_read_from_the_register(world, monkeypatch):
    """The GFBD records of a release are built from the balances the fold hands back and the sheet's
    accounts (no second read of the lots); they equal the records read from the register afterwards,
    an account without a custodian participant left out of both."""
    import polars as pl

    import csdp.register.holding_files as holding_files

    initial(world)
    register_apply(
        events=[
            {
                "security": world["security"],
                "account": world["accounts"][1],
                "event_type": "pledge",
                "pledged_delta": 150_000,
                "business_date": TODAY,
                "key": "t:p2",
                "share_nature": "05",
                "lockup_end": LOCKUP,
            }
        ]
    )
    seen = {}
    real = holding_files.holding_change_files_prepare

    def keep(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(holding_files, "holding_change_files_prepare", keep)
    app = file_business(world, "03", [holder(world, 1, 120_000, "05", LOCKUP)], 120_000)
    approval_approve(approval=accept(world, app), by=world["cast"].reviewer)
    assert seen["balances"] is not None
    common = {k: seen[k] for k in ("business", "security", "day", "events")} | {"reference": "r"}
    given = holding_files.gfbd_frame(**common, balances=seen["balances"])
    read = holding_files.gfbd_frame(**common)
    assert given.height == 2 and given.equals(read)
    assert given.filter(pl.col("GFXZ") == "00")["ZYSL"].to_list() == [120_000]  # the pledge went along
    world["accounts"][1].custody_unit = None
    world["accounts"][1].save(update_fields=["custody_unit"])
    after, known = seen["balances"]
    uncustodied = known.with_columns(pl.lit(None, dtype=pl.Int64).alias("participant_id"))
    assert holding_files.gfbd_frame(**common, balances=(after, uncustodied)).height == 0
    assert holding_files.gfbd_frame(**common).height == 0


def test_a_release_whose_lot_shrank_after_filing_is_refused_at_its_effective_date_naming_the_lot(world):
    """At the effective date the register's own bulk path judges the holdings (the filing was checked
    when filed): the lot now holds less than the release asks, so nothing is written and the approval
    fails with the account, the lot and both numbers."""
    initial(world)
    later = dt.date(2026, 4, 1)
    app = file_business(world, "03", [holder(world, 1, 200_000, "05", LOCKUP)], 200_000, effective=later)
    approval = accept(world, app)
    approval_approve(approval=approval, by=world["cast"].reviewer)
    register_apply(
        events=[
            {
                "security": world["security"],
                "account": world["accounts"][1],
                "event_type": "cancellation",
                "quantity_delta": -50_000,
                "business_date": TODAY,
                "key": "t:shrink",
                "share_nature": "05",
                "lockup_end": LOCKUP,
            }
        ]
    )
    approvals_apply_due(later)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.FAILED
    assert "持有数量将小于零" in approval.failure
    assert f"证券账户 {world['accounts'][1].number}" in approval.failure
    assert "持有 150,000 股，本批登记变动减少 200,000 股" in approval.failure
    assert lots(world, 1) == [("05", LOCKUP, 150_000, 0, 0)]
    assert not RegistrationEvent.objects.filter(event_type="release").exists()
