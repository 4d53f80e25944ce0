import polars as pl
import pytest

from csdp.ledger.models import LedgerAccount, Transfer
from csdp.ledger.selectors import balance_of
from csdp.ledger.services import LedgerError, hold_create, transfer_post, transfers_post_bulk
from tests.ledger.conftest import DAY


def _rows(accounts, n):
    return [{"debit_account_id": accounts["reserve"].pk, "credit_account_id": accounts["clearing"].pk,
             "amount_fen": 1000 + i, "key": f"bulk-{i}", "code": "ipo_freeze", "business_date": DAY,
             "phase": "pending" if i % 3 == 0 else "posted"} for i in range(n)]


def _totals():
    return {a.number: (a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)
            for a in LedgerAccount.objects.all()}


def test_the_bulk_path_ends_where_the_one_by_one_path_ends(funded):
    rows = _rows(funded, 40)
    transfers_post_bulk(rows)
    bulk = _totals()
    # Undo is impossible (transfers are immutable), so replay the same rows one by one on fresh accounts.
    for name in ("reserve", "clearing"):
        account = funded[name]
        account.pk, account.number = None, account.number + "-B"
        account.debits_posted = account.credits_posted = account.debits_pending = account.credits_pending = 0
        account.save()
    transfer_post(debit=funded["bank"], credit=funded["reserve"], amount_fen=1_000_000, key="deposit-b",
                  code="deposit", business_date=DAY)
    for row in rows:
        write = hold_create if row["phase"] == "pending" else transfer_post
        write(debit=funded["reserve"], credit=funded["clearing"], amount_fen=row["amount_fen"], key="b-" + row["key"],
              code=row["code"], business_date=DAY)
    single = _totals()
    assert bulk["P001-RES"] == single["P001-RES-B"]
    assert bulk["IPO-CLR"] == single["IPO-CLR-B"]


def test_it_accepts_a_polars_frame_and_skips_replayed_keys(funded):
    frame = pl.DataFrame(_rows(funded, 10))
    assert transfers_post_bulk(frame) == 10
    assert transfers_post_bulk(frame) == 0
    assert Transfer.objects.filter(key__startswith="bulk-").count() == 10


def test_a_batch_that_would_overdraw_an_account_writes_nothing(funded):
    rows = _rows(funded, 5)
    rows[-1]["amount_fen"] = 2_000_000
    with pytest.raises(LedgerError, match="可用余额不足"):
        transfers_post_bulk(rows)
    assert not Transfer.objects.filter(key__startswith="bulk-").exists()
    assert balance_of(funded["reserve"]).available_fen == 1_000_000


def test_a_conflicting_replay_in_bulk_is_refused(funded):
    transfers_post_bulk(_rows(funded, 3))
    rows = _rows(funded, 3)
    rows[1]["amount_fen"] += 1
    with pytest.raises(LedgerError, match="拒绝重放"):
        transfers_post_bulk(rows)
