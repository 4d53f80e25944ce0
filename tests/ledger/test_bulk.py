import polars as pl
import pytest

from csdp.ledger.models import LedgerAccount, Transfer
from csdp.ledger.bulk import holds_create_bulk, holds_resolve_bulk
from csdp.ledger.selectors import balance_of, hold_state
from csdp.ledger.services import LedgerError, hold_create, hold_post, hold_void, transfer_post, transfers_post_bulk
from tests.ledger.conftest import DAY


def _rows(accounts, n):
    return [
        {
            "debit_account_id": accounts["reserve"].pk,
            "credit_account_id": accounts["clearing"].pk,
            "amount_fen": 1000 + i,
            "key": f"bulk-{i}",
            "code": "ipo_freeze",
            "business_date": DAY,
            "phase": "pending" if i % 3 == 0 else "posted",
        }
        for i in range(n)
    ]


def _totals():
    return {
        a.number: (a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)
        for a in LedgerAccount.objects.all()
    }


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
    transfer_post(
        debit=funded["bank"],
        credit=funded["reserve"],
        amount_fen=1_000_000,
        key="deposit-b",
        code="deposit",
        business_date=DAY,
    )
    for row in rows:
        write = hold_create if row["phase"] == "pending" else transfer_post
        write(
            debit=funded["reserve"],
            credit=funded["clearing"],
            amount_fen=row["amount_fen"],
            key="b-" + row["key"],
            code=row["code"],
            business_date=DAY,
        )
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


# ---- holds in bulk: the single-hold tests of test_services.py, a batch at a time -------------------


def _hold_rows(accounts, *amounts_fen):
    return [
        {
            "debit_account_id": accounts["reserve"].pk,
            "credit_account_id": accounts["clearing"].pk,
            "amount_fen": amount,
            "key": f"h{i}",
            "code": "IPO_FREEZE",
            "business_date": DAY,
            "memo": "冻结",
        }
        for i, amount in enumerate(amounts_fen)
    ]


def _balances(accounts):
    reserve, clearing = balance_of(accounts["reserve"]), balance_of(accounts["clearing"])
    return reserve.posted_fen, reserve.pending_debits_fen, clearing.posted_fen, clearing.pending_credits_fen


def test_holds_created_in_bulk_reduce_available_and_come_back_by_key(funded):
    holds = holds_create_bulk(_hold_rows(funded, 600_000, 100_000))
    assert sorted(holds) == ["h0", "h1"]
    assert (holds["h0"].phase, holds["h0"].amount_fen, holds["h0"].memo) == ("pending", 600_000, "冻结")
    assert balance_of(funded["reserve"]).available_fen == 300_000


def test_holds_beyond_the_available_balance_are_refused_naming_the_account(funded):
    with pytest.raises(LedgerError, match="账户 P001-RES 可用余额不足"):
        holds_create_bulk(_hold_rows(funded, 600_000, 400_001))
    assert not Transfer.objects.filter(phase="pending").exists()
    assert balance_of(funded["reserve"]).available_fen == 1_000_000


def test_posting_part_of_holds_in_bulk_releases_the_rest(funded):
    holds = holds_create_bulk(_hold_rows(funded, 600_000, 100_000))
    written = holds_resolve_bulk(
        [
            {"hold": holds["h0"], "phase": "post", "amount_fen": 140_400, "business_date": DAY},
            {"hold": holds["h1"], "phase": "post", "business_date": DAY},
        ]
    )
    assert written == 2
    assert _balances(funded) == (759_600, 0, 240_400, 0)
    state = hold_state(holds["h0"])
    assert (state.status, state.posted_fen, state.released_fen) == ("posted", 140_400, 459_600)
    assert hold_state(holds["h1"]).posted_fen == 100_000  # no amount: the whole hold


def test_voiding_holds_in_bulk_releases_all_of_them(funded):
    holds = holds_create_bulk(_hold_rows(funded, 600_000, 100_000))
    holds_resolve_bulk(
        [{"hold": hold, "phase": "void", "business_date": DAY, "memo": "解冻"} for hold in holds.values()]
    )
    assert _balances(funded) == (1_000_000, 0, 0, 0)
    assert {hold_state(hold).status for hold in holds.values()} == {"voided"}
    assert set(Transfer.objects.filter(phase="void").values_list("key", "memo", "code")) == {
        (f"hold:{holds['h0'].pk}:void", "解冻", "IPO_FREEZE"),
        (f"hold:{holds['h1'].pk}:void", "解冻", "IPO_FREEZE"),
    }


def test_a_hold_is_resolved_exactly_once_in_bulk(funded):
    hold = holds_create_bulk(_hold_rows(funded, 500))["h0"]
    holds_resolve_bulk([{"hold": hold, "phase": "void", "business_date": DAY}])
    with pytest.raises(LedgerError, match="不能再次处理"):
        holds_resolve_bulk([{"hold": hold, "phase": "post", "amount_fen": 100, "key": "another", "business_date": DAY}])
    with pytest.raises(LedgerError, match="不能再次处理"):
        holds_resolve_bulk([{"hold": hold, "phase": "void", "key": "again", "business_date": DAY}])
    assert hold_state(hold).status == "voided"
    assert balance_of(funded["reserve"]).available_fen == 1_000_000


def test_a_batch_that_resolves_one_hold_twice_is_refused(funded):
    hold = holds_create_bulk(_hold_rows(funded, 500))["h0"]
    with pytest.raises(LedgerError, match="同一批中出现两次"):
        holds_resolve_bulk(
            [
                {"hold": hold, "phase": "post", "amount_fen": 100, "key": "a", "business_date": DAY},
                {"hold": hold, "phase": "void", "key": "b", "business_date": DAY},
            ]
        )
    assert hold_state(hold).status == "pending"


def test_it_refuses_to_post_more_than_the_hold_in_bulk(funded):
    hold = holds_create_bulk(_hold_rows(funded, 500))["h0"]
    with pytest.raises(LedgerError, match="超过冻结金额"):
        holds_resolve_bulk([{"hold": hold, "phase": "post", "amount_fen": 501, "business_date": DAY}])
    with pytest.raises(LedgerError, match="只能全额解除"):
        holds_resolve_bulk([{"hold": hold, "phase": "void", "amount_fen": 499, "business_date": DAY}])


def test_one_bad_row_leaves_every_hold_of_the_batch_pending(funded):
    holds = holds_create_bulk(_hold_rows(funded, 300, 200, 100))
    rows = [
        {"hold": holds[key], "phase": "post", "amount_fen": 100, "business_date": DAY} for key in ("h0", "h1", "h2")
    ]
    rows[-1]["amount_fen"] = 101
    with pytest.raises(LedgerError, match="超过冻结金额"):
        holds_resolve_bulk(rows)
    assert {hold_state(hold).status for hold in holds.values()} == {"pending"}
    assert _balances(funded) == (1_000_000, 600, 0, 600)


def test_replaying_a_bulk_batch_of_holds_and_resolutions_changes_nothing(funded):
    holds = holds_create_bulk(_hold_rows(funded, 600_000, 100_000))
    rows = [
        {"hold": holds["h0"], "phase": "post", "amount_fen": 200, "key": "deduct", "business_date": DAY},
        {"hold": holds["h1"], "phase": "void", "business_date": DAY},
    ]
    holds_resolve_bulk(rows)
    before = (_balances(funded), Transfer.objects.count())
    assert holds_create_bulk(_hold_rows(funded, 600_000, 100_000)) == holds
    assert holds_resolve_bulk(rows) == 0
    assert (_balances(funded), Transfer.objects.count()) == before


def test_replaying_a_resolution_key_with_another_amount_is_refused_naming_the_key(funded):
    hold = holds_create_bulk(_hold_rows(funded, 500))["h0"]
    holds_resolve_bulk([{"hold": hold, "phase": "post", "amount_fen": 200, "key": "deduct", "business_date": DAY}])
    with pytest.raises(LedgerError, match="幂等键 deduct 已用于另一笔划转.*拒绝重放"):
        holds_resolve_bulk([{"hold": hold, "phase": "post", "amount_fen": 300, "key": "deduct", "business_date": DAY}])
    with pytest.raises(LedgerError, match="幂等键 h0 已用于另一笔划转.*拒绝重放"):
        holds_create_bulk(_hold_rows(funded, 501))


def test_bulk_resolutions_replay_the_one_by_one_ones_and_back(funded):
    first, second = holds_create_bulk(_hold_rows(funded, 500, 400)).values()
    single = hold_post(hold=first, amount_fen=200, business_date=DAY)
    holds_resolve_bulk([{"hold": second, "phase": "void", "business_date": DAY}])
    assert holds_resolve_bulk([{"hold": first, "phase": "post", "amount_fen": 200, "business_date": DAY}]) == 0
    assert Transfer.objects.get(pending=first) == single
    assert hold_void(hold=second, business_date=DAY) == Transfer.objects.get(pending=second)
