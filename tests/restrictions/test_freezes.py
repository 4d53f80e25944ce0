import datetime as dt

import pytest

from csdp.accounts.models import User
from csdp.approvals.services import approval_approve
from csdp.register.models import Position
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import Freeze, FreezeStatus, RestrictionFile
from csdp.restrictions.services_freeze import (
    FreezeData,
    freeze_prepare,
    freeze_release_prepare,
    freeze_renew_prepare,
    freezes_expire,
)
from tests.restrictions.factories import LOCKUP, TODAY, registered_pledge

END = dt.date(2026, 10, 14)


def _freeze(
    w, cast, *, court="北京市第一中级人民法院", doc="（2026）京01执1号", quantity=None, whole=False, end=END, lot=None
):
    nature, lockup = lot or ("", None)
    approval = freeze_prepare(
        by=cast.operator,
        data=FreezeData(
            court=court,
            document_number=doc,
            account_number=w["account"].number,
            security_code=w["stock"].code,
            whole_holding=whole,
            quantity_shares=quantity,
            start_date=TODAY,
            end_date=end,
            share_nature=nature,
            lockup_end=lockup,
        ),
    )
    approval_approve(approval=approval, by=cast.reviewer)
    return Freeze.objects.get(approval=approval)


def _unfreeze(cast, freeze, quantity=None, doc="解冻1号"):
    approval = freeze_release_prepare(freeze=freeze, by=cast.operator, document_number=doc, quantity_shares=quantity)
    approval_approve(approval=approval, by=cast.reviewer)
    freeze.refresh_from_db()
    return freeze


def _totals(w, account=None):
    rows = Position.objects.filter(account=account or w["account"], security=w["stock"])
    return (sum(p.quantity for p in rows), sum(p.frozen for p in rows), sum(p.pledged for p in rows))


def test_a_later_freeze_queues_and_takes_what_the_earlier_one_releases(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    first = _freeze(w, cast, whole=True)  # 15 000 held, 3 000 pledged: 12 000 frozen, 3 000 waiting
    assert (first.status, first.requested_shares, first.frozen_shares) == (FreezeStatus.ACTIVE, 15_000, 12_000)
    second = _freeze(w, cast, court="上海市第二中级人民法院", doc="（2026）沪02执9号", quantity=5_000)
    assert (second.status, second.frozen_shares) == (FreezeStatus.WAITING, 0)
    approval_approve(
        approval=freeze_release_prepare(freeze=first, by=cast.operator, document_number="解冻1号"), by=cast.reviewer
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.status == FreezeStatus.RELEASED and second.frozen_shares == 5_000
    assert second.status == FreezeStatus.ACTIVE
    assert _totals(w) == (15_000, 5_000, 3_000)
    assert restrictions_rebuild_check() == []


def test_a_freeze_expires_at_the_end_of_its_period_unless_renewed(w, cast):
    short = _freeze(w, cast, quantity=1_000, end=TODAY)
    kept = _freeze(w, cast, doc="（2026）京01执2号", quantity=2_000, end=TODAY)
    approval_approve(
        approval=freeze_renew_prepare(freeze=kept, by=cast.operator, end_date=END, document_number="续冻1号"),
        by=cast.reviewer,
    )
    assert freezes_expire(day=TODAY) == (1, 0)
    short.refresh_from_db()
    kept.refresh_from_db()
    assert short.status == FreezeStatus.EXPIRED and kept.status == FreezeStatus.ACTIVE and kept.end_date == END
    assert _totals(w)[1] == 2_000
    assert freezes_expire(day=TODAY) == (0, 0)  # resumable: a second run changes nothing


def test_renewal_must_extend_and_come_in_time(w, cast):
    f = _freeze(w, cast, quantity=100)
    with pytest.raises(RestrictionError, match="须晚于原期限"):
        freeze_renew_prepare(freeze=f, by=cast.operator, end_date=END, document_number="x")


def test_freeze_is_refused_without_a_holding(w, cast):
    with pytest.raises(RestrictionError, match="未持有"):
        freeze_prepare(
            by=cast.operator,
            data=FreezeData(
                court="法院",
                document_number="1",
                account_number=w["heir"].number,
                security_code=w["stock"].code,
                whole_holding=True,
                quantity_shares=None,
                start_date=TODAY,
                end_date=END,
            ),
        )


def _lot(w, nature):
    return Position.objects.get(account=w["account"], security=w["stock"], share_nature=nature)


def test_a_court_may_freeze_only_the_restricted_lot(w, cast):
    freeze = _freeze(w, cast, whole=True, lot=("05", LOCKUP))
    assert (freeze.requested_shares, freeze.frozen_shares) == (5_000, 5_000)  # the lot, not the 15 000 held
    assert (_lot(w, "05").frozen, _lot(w, "00").frozen) == (5_000, 0)
    assert restrictions_rebuild_check() == []


def test_a_lot_freeze_waits_for_its_own_lot_while_a_later_freeze_takes_another(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=5_000, share_nature="05", lockup_end=LOCKUP)
    named = _freeze(w, cast, quantity=1_000, lot=("05", LOCKUP))
    later = _freeze(w, cast, doc="（2026）京01执2号", quantity=4_000)
    assert (named.status, named.frozen_shares) == (FreezeStatus.WAITING, 0)  # its lot is all pledged
    assert (later.status, later.frozen_shares) == (FreezeStatus.ACTIVE, 4_000)  # from the free lot
    assert restrictions_rebuild_check() == []


def test_a_named_lot_must_be_a_proper_share_nature(w, cast):
    with pytest.raises(RestrictionError, match="限售截止日"):
        _freeze(w, cast, quantity=100, lot=("05", None))


def test_a_general_unfreeze_leaves_the_lot_a_court_named(w, cast):
    general = _freeze(w, cast, whole=True)  # all 15 000: both lots
    named = _freeze(w, cast, doc="（2026）京01执2号", quantity=2_000, lot=("05", LOCKUP))
    assert named.status == FreezeStatus.WAITING
    _unfreeze(cast, general)
    named.refresh_from_db()
    assert (named.status, named.frozen_shares) == (FreezeStatus.ACTIVE, 2_000)
    assert (_lot(w, "05").frozen, _lot(w, "00").frozen) == (2_000, 0)
    assert restrictions_rebuild_check() == []


def test_a_partial_unfreeze_releases_part_and_the_queue_takes_what_was_released(w, cast):
    first = _freeze(w, cast, whole=True)  # 15 000 frozen
    second = _freeze(w, cast, doc="（2026）沪02执9号", court="上海市第二中级人民法院", quantity=4_000)
    assert second.status == FreezeStatus.WAITING
    first = _unfreeze(cast, first, quantity=6_000)
    second.refresh_from_db()
    assert (first.status, first.lifted_shares, first.frozen_shares) == (FreezeStatus.ACTIVE, 6_000, 9_000)
    assert (second.status, second.frozen_shares) == (FreezeStatus.ACTIVE, 4_000)
    assert _totals(w) == (15_000, 13_000, 0)  # 2 000 of the released shares are free again
    assert "部分解除冻结 6,000 股" in first.transitions.last().reason
    assert restrictions_rebuild_check() == []


def test_a_partial_unfreeze_of_a_partly_waiting_freeze_lifts_the_waiting_part_first(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    freeze = _freeze(w, cast, whole=True)  # wants 15 000, holds 12 000
    freeze = _unfreeze(cast, freeze, quantity=2_000)
    assert (freeze.demand_shares, freeze.frozen_shares, freeze.waiting_shares) == (13_000, 12_000, 1_000)
    assert _totals(w)[1] == 12_000  # nothing was let go: the court lifted what it did not yet hold


def test_the_last_part_of_a_partial_unfreeze_ends_the_freeze(w, cast):
    freeze = _unfreeze(cast, _freeze(w, cast, quantity=3_000), quantity=1_000)
    freeze = _unfreeze(cast, freeze, quantity=2_000, doc="解冻2号")
    assert (freeze.status, freeze.frozen_shares, freeze.lifted_shares) == (FreezeStatus.RELEASED, 0, 3_000)
    assert _totals(w)[1] == 0


def test_an_unfreeze_of_more_than_the_freeze_holds_is_refused_in_chinese(w, cast):
    freeze = _freeze(w, cast, quantity=3_000)
    with pytest.raises(RestrictionError, match="解除冻结数量须在 1 至 3,000 股之间"):
        freeze_release_prepare(freeze=freeze, by=cast.operator, document_number="x", quantity_shares=3_001)


def test_the_daily_file_lists_what_touched_the_participants_clients(
    w, cast, settings, django_capture_on_commit_callbacks
):
    import csv
    import io
    from pathlib import Path

    from dbfread import DBF

    from csdp.restrictions.files import files_publish

    pledge = registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    _freeze(w, cast, quantity=1_000)
    with django_capture_on_commit_callbacks(execute=True):  # files move into place after the commit
        assert files_publish(day=TODAY) == 2
    record = RestrictionFile.objects.get(file_format="csv")
    path = Path(settings.CSDP_FILES_DIR) / record.path
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("gbk"))))
    assert [(r["JLLX"], r["YWBH"], r["BDSL"]) for r in rows] == [
        ("ZY", pledge.number, "3000"),
        ("DJ", Freeze.objects.get().number, "1000"),
    ]
    dbf_path = Path(settings.CSDP_FILES_DIR) / RestrictionFile.objects.get(file_format="dbf").path
    assert [r["JLLX"] for r in DBF(str(dbf_path), encoding="gbk")] == ["ZY", "DJ"]


def test_a_participants_back_office_lists_and_downloads_its_daily_files_through_the_api(
    w, cast, client_for, settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from csdp.restrictions.files import files_publish

    _freeze(w, cast, quantity=1_000)
    with django_capture_on_commit_callbacks(execute=True):
        files_publish(day=TODAY)
    record = RestrictionFile.objects.get(file_format="csv")
    owner = User.objects.filter(institution=record.participant.institution).first()
    client = client_for(owner)
    items = client.get("/api/v1/restrictions/files", {"business_date": TODAY.isoformat()}).json()["items"]
    assert {(i["name"], i["file_format"], i["rows"]) for i in items} == {
        (r.path, r.file_format, r.rows) for r in RestrictionFile.objects.all()
    }
    body = b"".join(client.get(f"/api/v1/restrictions/files/{record.pk}/content").streaming_content)
    assert body == (Path(settings.CSDP_FILES_DIR) / record.path).read_bytes()
    assert client_for(cast.issuer_a).get(f"/api/v1/restrictions/files/{record.pk}/content").status_code == 403


def test_files_a_crash_left_after_the_commit_are_put_in_place_by_the_next_run(w, cast, settings, tmp_path):
    """Issue 20 §7: the database recorded the day's files but the process died before renaming them;
    the next run puts each recorded .part whose bytes are the recorded ones in place."""
    from pathlib import Path

    from csdp.restrictions.files import files_publish

    settings.CSDP_FILES_DIR = tmp_path
    _freeze(w, cast, quantity=1_000)
    assert files_publish(day=TODAY) == 2  # inside the test's transaction: the renames never ran
    records = list(RestrictionFile.objects.all())
    root = Path(settings.CSDP_FILES_DIR)
    assert all(not (root / r.path).exists() and (root / f"{r.path}.part").exists() for r in records)
    files_publish(day=TODAY + dt.timedelta(days=1))
    assert all((root / r.path).exists() and not (root / f"{r.path}.part").exists() for r in records)


def test_a_partial_unfreeze_reads_its_quantity_with_thousands_separators(w, cast):
    freeze = _freeze(w, cast, quantity=3_000)
    approval = freeze_release_prepare(freeze=freeze, by=cast.operator, document_number="解冻2号", quantity_shares=1_000)
    assert "（部分解除 1,000 股）" in approval.summary and "现冻结 3,000 股" in approval.summary
