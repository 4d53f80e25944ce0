import datetime as dt

import pytest

from csdp.approvals.services import approval_approve
from csdp.register.models import Position
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import Freeze, FreezeStatus, NonTradeTransfer, RestrictionFile
from csdp.restrictions.services_freeze import (
    FreezeData,
    freeze_prepare,
    freeze_release_prepare,
    freeze_renew_prepare,
    freezes_expire,
)
from csdp.restrictions.services_transfer import TransferData, transfer_prepare
from tests.restrictions.factories import TODAY, registered_pledge

END = dt.date(2026, 10, 14)


def _freeze(w, cast, *, court="北京市第一中级人民法院", doc="（2026）京01执1号", quantity=None, whole=False, end=END):
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
        ),
    )
    approval_approve(approval=approval, by=cast.reviewer)
    return Freeze.objects.get(approval=approval)


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


def test_a_transfer_keeps_nature_and_lockup_and_charges_the_schedule(w, cast):
    approval = transfer_prepare(
        by=cast.operator,
        data=TransferData(
            reason="inheritance",
            from_account=w["account"].number,
            to_account=w["heir"].number,
            security_code=w["stock"].code,
            quantity_shares=12_000,
            document="（2026）京长安证字第1号",
        ),
    )
    approval_approve(approval=approval, by=cast.reviewer)
    transfer = NonTradeTransfer.objects.get()
    assert transfer.fee_fen == 1_200  # 1‰ × 12 000 shares = 12 yuan
    heir = {(p.share_nature, p.lockup_end): p.quantity for p in Position.objects.filter(account=w["heir"])}
    assert heir == {("00", None): 10_000, ("05", dt.date(2027, 3, 30)): 2_000}
    assert _totals(w)[0] + _totals(w, w["heir"])[0] == 15_000


def test_pledged_or_frozen_shares_do_not_move(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    _freeze(w, cast, quantity=2_000)
    with pytest.raises(RestrictionError, match="可过户数量为 10000 股"):
        transfer_prepare(
            by=cast.operator,
            data=TransferData(
                reason="court",
                from_account=w["account"].number,
                to_account=w["heir"].number,
                security_code=w["stock"].code,
                quantity_shares=10_001,
                document="裁定书",
            ),
        )


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
