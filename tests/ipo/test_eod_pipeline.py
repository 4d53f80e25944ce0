"""The timeline of seed 002 ch. 4 end to end on a small offering, through the same code paths as
production: the exchange file at T, T EOD, T+1 declarations and deposits, T+1 EOD, files, T+2."""

import datetime as dt

import pytest
from dbfread import DBF
from django.conf import settings

from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.errors import IpoError
from csdp.ipo.subscription.exchange_subscriptions import ExchangeFileRejected
from csdp.ipo.models import OfferingStatus, ParticipantFile, ParticipantObligation, Subscription
from csdp.ipo.services import DeclarationRow, proceeds_pay, reserve_deposit, shortfall_declare
from csdp.ledger.selectors import balance_of, reserve_account_of
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db

T1 = dt.date(2026, 3, 17)
T2 = dt.date(2026, 3, 18)


@pytest.fixture
def market(tmp_path):
    # Codes Q00x: the cast already has a participant coded P001.
    p1 = world.participant("Q001", "100001", funds_fen=0)
    p2 = world.participant("Q002", "200001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000)  # cap: 5,000 shares
    rows = [
        (1, "0100000001", "Q001", "100001", 1_000),  # valid
        (2, "0100000002", "Q001", "100001", 2_000),  # valid
        (3, "0100000001", "Q001", "100001", 500),  # duplicate of seq 1
        (4, "0200000001", "Q002", "200001", 1_000),  # valid
        (5, "0200000002", "Q002", "200001", 150),  # not a multiple of 100
    ]
    at(T, 10)
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, rows))
    return offering, p1, p2


def test_t_eod_computes_what_each_participant_owes_and_reports_invalid_orders(market):
    offering, p1, p2 = market
    at(T, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CLEARED
    owed = {o.participant.code: o.subscribed_fen for o in ParticipantObligation.objects.filter(offering=offering)}
    assert owed == {"Q001": 3_000 * 1404, "Q002": 1_000 * 1404}
    sgqs = list(DBF(settings.CSDP_FILES_DIR / "20260316" / "Q001" / "SGQS920188_20260316.dbf"))
    assert [(r["SQBH"], r["JLLX"], r["WXYY"]) for r in sgqs] == [(1, "A0", ""), (2, "A0", ""), (3, "A1", "04")]
    assert sgqs[1]["SGJE"] == pytest.approx(2_000 * 14.04)


def test_a_malformed_exchange_file_is_refused_whole_and_nothing_is_loaded(tmp_path, market):
    offering, _, _ = market
    bad = world.subscription_file(
        tmp_path, [(1, "01", "Q001", "100001", 100), (2, "0100000009", "P009", "100001", 100)]
    )
    with pytest.raises(ExchangeFileRejected) as refused:
        offering_subscriptions_load(offering=offering, path=bad)
    assert refused.value.total == 3  # bad account, unknown participant, custody unit not its
    assert Subscription.objects.filter(offering=offering).count() == 5  # the earlier good load stands


def test_t1_eod_invalidates_the_short_participants_latest_orders_and_settles_the_rest(market):
    offering, p1, p2 = market
    at(T, 17)
    eod_run()
    at(T1, 11)
    # Q001 owes 3,000 × 14.04 but deposits only enough for 2,000 shares; Q002 pays in full.
    reserve_deposit(institution=p1.institution, amount_fen=2_000 * 1404, reference="p1", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    at(T1, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SETTLED
    p1_ob = ParticipantObligation.objects.get(offering=offering, participant=p1)
    # The latest order (seq 2, 2,000 shares) is invalidated: 1,000 shares stay valid (rules.md §3).
    assert (p1_ob.invalid_orders, p1_ob.frozen_fen) == (1, 1_000 * 1404)
    # 1,000 online shares over 2,000 valid exchange shares: 500 + 500 … seq 2's 1,000-share allocation is forfeited.
    p2_ob = ParticipantObligation.objects.get(offering=offering, participant=p2)
    assert p1_ob.allocated_shares + p2_ob.allocated_shares < 1_000
    assert p1_ob.deducted_fen + p1_ob.unfrozen_fen == p1_ob.frozen_fen
    reserve = balance_of(reserve_account_of(p1.institution))
    assert reserve.posted_fen == 2_000 * 1404 - p1_ob.deducted_fen
    assert reserve.pending_debits_fen == 0
    uw = balance_of(offering.underwriter_account)
    assert uw.posted_fen == p1_ob.deducted_fen + p2_ob.deducted_fen
    types = set(ParticipantFile.objects.filter(offering=offering, participant=p1).values_list("file_type", flat=True))
    assert types == {"SGQS", "SGHZ", "DJSJ", "WXSG", "JDSJ", "PSJG"}
    wxsg = list(DBF(settings.CSDP_FILES_DIR / "20260317" / "Q001" / "WXSG920188_20260317.dbf"))
    assert {(r["SQBH"], r["WXYY"]) for r in wxsg} == {(2, "12"), (3, "04")}


def test_running_the_end_of_day_twice_changes_nothing(market):
    offering, p1, p2 = market
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=3_000 * 1404, reference="p1", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    at(T1, 17)
    eod_run()
    files = {f.path: f.sha256 for f in ParticipantFile.objects.filter(offering=offering)}
    balances = balance_of(reserve_account_of(p1.institution))
    reports = eod_run()
    assert all(report.skipped for report in reports)
    assert {f.path: f.sha256 for f in ParticipantFile.objects.filter(offering=offering)} == files
    assert balance_of(reserve_account_of(p1.institution)) == balances


def test_declarations_and_deposits_are_refused_after_their_cutoffs(market):
    offering, p1, _ = market
    at(T, 17)
    eod_run()
    at(T1, 15, 30)
    row = DeclarationRow(
        account="0100000002",
        account_name="投资者乙",
        seq=2,
        invalid_shares=2_000,
        reserve_account="R-Q001",
        settlement_account="S-Q001",
    )
    with pytest.raises(IpoError, match="15:30"):
        shortfall_declare(offering=offering, participant=p1, rows=[row], actor=None)
    at(T1, 16, 0)
    with pytest.raises(IpoError, match="16:00"):
        reserve_deposit(institution=p1.institution, amount_fen=100, reference="late", actor=None)


def test_a_declared_order_is_invalidated_before_the_latest_one(market, cast):
    offering, p1, p2 = market
    at(T, 17)
    eod_run()
    at(T1, 15, 0)
    row = DeclarationRow(
        account="0100000001",
        account_name="投资者甲",
        seq=1,
        invalid_shares=1_000,
        reserve_account="R-Q001",
        settlement_account="S-Q001",
    )
    shortfall_declare(offering=offering, participant=p1, rows=[row], actor=cast.participant)
    reserve_deposit(institution=p1.institution, amount_fen=2_000 * 1404, reference="p1", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    at(T1, 17)
    eod_run()
    wxsg = list(DBF(settings.CSDP_FILES_DIR / "20260317" / "Q001" / "WXSG920188_20260317.dbf"))
    assert {(r["SQBH"], r["WXYY"]) for r in wxsg} == {(1, "11"), (3, "04")}


def test_the_underwriter_pays_the_issuer_on_t_plus_2(market):
    offering, p1, p2 = market
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=3_000 * 1404, reference="p1", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    at(T1, 17)
    eod_run()
    with pytest.raises(IpoError, match="T\\+2"):
        proceeds_pay(offering=offering, actor=None)
    at(T2, 10)
    paid = proceeds_pay(offering=offering, actor=None)
    assert paid == 1_000 * 1404  # all 1,000 online shares were allocated and paid for
    assert balance_of(offering.underwriter_account).posted_fen == 0


def test_participant_files_are_the_same_bytes_written_by_one_thread_or_several(monkeypatch, tmp_path):
    import datetime as dt

    import polars as pl

    from csdp.ipo.eod import participant_files as files
    from csdp.ipo.eod.layouts import LAYOUTS

    frame = pl.DataFrame(
        {
            "JLLX": ["A0", "A1", "A0", "A0"],
            "ZQDM": ["920001"] * 4,
            "JSCY": ["K002", "K001", "K002", "K003"],
            "XWDM": ["300001"] * 4,
            "GDDM": ["0300000001", "0300000002", "0300000003", "0300000004"],
            "SQBH": [4, 1, 2, 3],
            "SGSL": [100, 200, 300, 400],
            "SGJG": [1404] * 4,
            "SGJE": [140400, 0, 421200, 561600],
            "WXYY": ["", "01", "", ""],
            "RQ": [dt.date(2026, 3, 16)] * 4,
        }
    )
    codes = ["K001", "K002", "K003", "K004"]  # K004 has no orders: an empty file is not published
    written = {}
    for threads in (1, 2):
        monkeypatch.setattr(files, "FILE_WRITER_THREADS", threads)
        root = tmp_path / str(threads)
        done = files._write_type(root, LAYOUTS["SGQS"], frame, codes, "920001", dt.date(2026, 3, 16))
        written[threads] = {str(f.path.relative_to(root)): (f.path.read_bytes(), f.rows, f.sha256) for f in done}
    assert written[1] == written[2]
    assert [rows for _, rows, _ in written[2].values()] == [1, 1, 2, 2, 1, 1]
    assert not (tmp_path / "2" / "20260316" / "K004").exists()


@pytest.mark.parametrize(
    "content,encoding",
    [
        (
            "seq,account,participant,custody_unit,quantity,price,investor_id,confirmed_at\n1,0300000001,K001,300001,100,14.04,,2026-03-16T09:30:00\n",
            "utf-8",
        ),
        (
            "\ufeffseq,account,participant,custody_unit,quantity,price,investor_id,confirmed_at\n1,0300000001,K001,300001,100,14.04,张三,2026-03-16T09:30:00\n",
            "utf-8",
        ),
        (
            "seq,account,participant,custody_unit,quantity,price,investor_id,confirmed_at\n1,0300000001,K001,300001,100,14.04,张三,2026-03-16T09:30:00\n",
            "gbk",
        ),
        ("seq,account\n1,0300000001\n", "utf-8"),
        ("   \n\n", "utf-8"),
    ],
)
def test_the_direct_read_gives_what_decoding_in_python_gives(tmp_path, content, encoding):
    from csdp.ipo.subscription.exchange_subscriptions import _read_text, _read_text_decoded

    path = tmp_path / "sg.csv"
    path.write_bytes(content.encode(encoding))

    def outcome(read):
        try:
            return read(path).to_dicts()
        except ExchangeFileRejected as rejected:
            return str(rejected)

    assert outcome(_read_text) == outcome(_read_text_decoded)


def test_the_files_frames_keep_each_participants_orders_together_and_in_their_own_order():
    import polars as pl

    from csdp.ipo.eod.order_records import by_participant

    orders = pl.DataFrame({"seq": [1, 2, 3, 4, 5, 6], "participant": ["K002", "K001", "K002", "K003", "K001", "K002"]})
    grouped = by_participant(orders).collect()
    assert grouped["participant"].to_list() == ["K001", "K001", "K002", "K002", "K002", "K003"]
    assert grouped["seq"].to_list() == [2, 5, 1, 3, 6, 4]
