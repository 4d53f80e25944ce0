"""Greenshoe filings (002 §2.2): windows, checks against the register and the agreements, the limit
across (a) and (b), registration through the register, fees."""

import datetime as dt

import pytest

from csdp.fees.models import PaymentNotice
from csdp.greenshoe.errors import FilingRejected, GreenshoeError
from csdp.greenshoe.models import FilingKind, FilingStatus, FilingTransition
from csdp.greenshoe.services import (
    agreement_add,
    default_limit,
    filing_register,
    filing_reject,
    filing_submit,
    limit_reached_declare,
    option_create,
    transfer_fee_quotes,
)
from csdp.register.models import EventType, Position, RegistrationEvent
from tests.greenshoe import world
from tests.greenshoe.world import EXERCISE_END, at

pytestmark = pytest.mark.django_db
FIRST = dt.date(2026, 4, 29)
LAST = dt.date(2026, 5, 6)


def held(account, security) -> int:
    return sum(Position.objects.filter(account=account, security=security).values_list("quantity", flat=True))


def dj(cast, option, rows, *, sign=True):
    filing = filing_submit(
        option=option, kind=FilingKind.ISSUANCE, stored=world.dj_file(cast.issuer_a, rows), actor=cast.issuer_a
    )
    return world.signed(filing, cast.issuer_a) if sign else filing


def csplw(cast, option, rows, *, sign=True):
    filing = filing_submit(
        option=option, kind=FilingKind.TRANSFER, stored=world.csplw_file(cast.underwriter, rows), actor=cast.underwriter
    )
    return world.signed(filing, cast.underwriter) if sign else filing


def test_the_default_limit_is_15_percent_of_the_initial_issue(cast):
    option, *_ = world.build(cast)
    assert option.limit_shares == 150_000 == default_limit(option.offering)


def test_it_refuses_a_limit_above_15_percent(cast):
    option, *_ = world.build(cast)
    with pytest.raises(GreenshoeError, match="15%"):
        option_create(offering=option.offering, exercise_end=EXERCISE_END, actor=cast.operator, limit_shares=150_001)


def test_agreements_may_not_promise_more_than_the_limit(cast):
    option, _, _, accounts = world.build(cast, limit_shares=150_000)
    extra = world.investor("0410000009", "投资者丁", "11010519800101009")
    with pytest.raises(GreenshoeError, match="超过超额配售上限"):
        agreement_add(option=option, account=extra, shares=1, actor=cast.underwriter)


def test_an_issuance_registers_the_shares_and_bills_the_issuer(cast):
    option, security, _, (a, b, c) = world.build(cast)
    at(FIRST)
    filing = dj(cast, option, [world.dj_row(a, 60_000), world.dj_row(b, 10_000)], sign=False)
    assert filing.status == FilingStatus.VALIDATED
    with pytest.raises(GreenshoeError, match="尚未签名"):
        filing_register(filing=filing, actor=cast.reviewer)
    filing = world.signed(filing, cast.issuer_a)
    assert filing.status == FilingStatus.SUBMITTED and filing.signature.verify() and held(a, security) == 0
    filing_register(filing=filing, actor=cast.reviewer)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.REGISTERED
    assert (held(a, security), held(b, security)) == (60_000, 10_000)
    notice = PaymentNotice.objects.get(pk=filing.fee_notice_id)
    assert notice.payer == cast.issuer_a.institution
    assert notice.lines.get().item_code == "greenshoe_registration" and notice.lines.get().base_value == 70_000
    assert list(FilingTransition.objects.filter(filing=filing).values_list("to_state", flat=True)) == [
        FilingStatus.VALIDATED,
        FilingStatus.SUBMITTED,
        FilingStatus.REGISTERED,
    ]


def test_an_issuance_before_the_period_expires_is_refused(cast):
    option, _, _, (a, *_) = world.build(cast)
    at(EXERCISE_END)
    with pytest.raises(GreenshoeError, match="三个交易日内"):
        dj(cast, option, [world.dj_row(a, 1)])


def test_an_issuance_on_the_third_trading_day_after_the_holiday_is_accepted_and_the_next_day_refused(cast):
    option, _, _, (a, *_) = world.build(cast)
    at(LAST)
    dj(cast, option, [world.dj_row(a, 1)])
    at(LAST + dt.timedelta(days=1))
    with pytest.raises(GreenshoeError, match="三个交易日内"):
        dj(cast, option, [world.dj_row(a, 1)])


def test_a_bad_dj_file_lists_every_row_error_and_registers_nothing(cast):
    option, security, _, (a, b, c) = world.build(cast)
    at(FIRST)
    stranger = world.investor("0410000008", "路人", "11010519800101008")
    with pytest.raises(FilingRejected) as refused:
        dj(
            cast,
            option,
            [
                world.dj_row(a, 60_001),  # above its agreement
                ("0419999999", "无此人", "X", 5, "00", world.UNIT),  # unknown account
                (b.number, "错名", b.investor.id_number, 10, "00", "999999"),  # wrong name, unknown custody unit
                (c.number, c.investor.name, "110105198001010000", "十", "05", world.UNIT),  # wrong ID, shares, nature
                world.dj_row(stranger, 5),  # no agreement
                world.dj_row(a, 1),  # duplicate account
            ],
        )
    found = {(e.line, e.column) for e in refused.value.errors}
    assert found == {
        (2, "增发股数"),
        (3, "证券账户号码"),
        (4, "证券账户名称"),
        (4, "托管单元"),
        (5, "证件号码"),
        (5, "股份性质"),
        (5, "增发股数"),
        (6, "增发股数"),
        (7, "证券账户号码"),
    }
    assert not option.filings.exists()
    assert not RegistrationEvent.objects.filter(key__startswith="greenshoe:").exists()
    assert held(a, security) == 0


def test_a_file_with_the_wrong_header_is_refused(cast):
    option, *_ = world.build(cast)
    at(FIRST)
    stored = world.csplw_file(cast.issuer_a, [("x",)])
    with pytest.raises(FilingRejected, match="表头"):
        filing_submit(option=option, kind=FilingKind.ISSUANCE, stored=stored, actor=cast.issuer_a)


def test_a_transfer_moves_shares_from_the_special_account_without_fees(cast):
    option, security, special, (a, b, c) = world.build(cast, market_bought=90_000)
    at(FIRST)
    filing = csplw(cast, option, [world.csplw_row(special, a, 60_000), world.csplw_row(special, c, 30_000)])
    filing_register(filing=filing, actor=cast.reviewer)
    assert (held(special.account, security), held(a, security), held(c, security)) == (0, 60_000, 30_000)
    legs = RegistrationEvent.objects.filter(key__startswith=f"greenshoe:{filing.pk}:")
    assert {e.event_type for e in legs} == {EventType.NON_TRADE_TRANSFER} and legs.count() == 4
    assert sum(e.quantity_delta for e in legs) == 0
    filing.refresh_from_db()
    assert filing.fee_notice_id is None
    quotes = transfer_fee_quotes(shares=90_000, amount_fen=90_000 * 1000, on=FIRST)
    assert [q.amount_fen for q in quotes] == [0, 0] and {q.exempt_reason for q in quotes} == {"002 §2.2.3"}


def test_a_transfer_from_another_account_is_refused(cast):
    option, _, special, (a, *_) = world.build(cast, market_bought=10)
    at(FIRST)
    with pytest.raises(FilingRejected) as refused:
        csplw(cast, option, [("0810000001", a.number, a.investor.name, a.investor.id_number, 10, world.UNIT)])
    assert [(e.line, e.column) for e in refused.value.errors] == [(2, "转出证券账户号码")]


def test_a_transfer_beyond_what_the_special_account_holds_registers_nothing(cast):
    option, security, special, (a, *_) = world.build(cast, market_bought=100)
    at(FIRST)
    filing = csplw(cast, option, [world.csplw_row(special, a, 101)])
    with pytest.raises(GreenshoeError, match="持有数量不足"):
        filing_register(filing=filing, actor=cast.reviewer)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED and held(a, security) == 0


def test_the_transfer_window_opens_when_the_purchases_reach_the_limit(cast):
    option, _, special, (a, *_) = world.build(cast, market_bought=10)
    reached = dt.date(2026, 4, 14)
    at(reached)
    with pytest.raises(GreenshoeError, match="三个交易日内"):
        csplw(cast, option, [world.csplw_row(special, a, 10)])
    limit_reached_declare(option=option, on=reached, actor=cast.underwriter)
    csplw(cast, option, [world.csplw_row(special, a, 10)])
    with pytest.raises(GreenshoeError, match="不能更改"):  # the window cannot be moved afterwards
        limit_reached_declare(option=option, on=reached, actor=cast.underwriter)
    at(dt.date(2026, 4, 20))  # the fourth trading day after
    with pytest.raises(GreenshoeError, match="三个交易日内"):
        csplw(cast, option, [world.csplw_row(special, a, 1)])


def test_issuance_and_transfer_together_never_exceed_the_limit(cast):
    option, _, special, (a, b, c) = world.build(cast, market_bought=100_000)
    # The agreements (150,000) were made under a larger limit than the one now in force: the filings
    # themselves must hold the line across (a) and (b).
    type(option).objects.filter(pk=option.pk).update(limit_shares=100_000)
    at(FIRST)
    csplw(cast, option, [world.csplw_row(special, a, 60_000)])
    dj(cast, option, [world.dj_row(b, 40_000)])
    with pytest.raises(FilingRejected, match="超过超额配售上限"):
        dj(cast, option, [world.dj_row(c, 1)])
    with pytest.raises(FilingRejected, match="超过超额配售上限"):
        csplw(cast, option, [world.csplw_row(special, c, 1)])


def test_a_rejected_filing_frees_its_shares_and_cannot_be_registered(cast):
    option, security, _, (a, *_) = world.build(cast)
    at(FIRST)
    filing = dj(cast, option, [world.dj_row(a, 60_000)])
    with pytest.raises(GreenshoeError, match="退回理由"):
        filing_reject(filing=filing, actor=cast.reviewer, reason=" ")
    filing_reject(filing=filing, actor=cast.reviewer, reason="协议复印件不清晰")
    with pytest.raises(GreenshoeError, match="已处理"):
        filing_register(filing=filing, actor=cast.reviewer)
    again = dj(cast, option, [world.dj_row(a, 60_000)])  # the agreement is owed in full again
    assert again.total_shares == 60_000 and held(a, security) == 0


def test_a_new_upload_replaces_the_unsigned_one_of_the_same_kind(cast):
    option, _, _, (a, *_) = world.build(cast)
    at(FIRST)
    first = dj(cast, option, [world.dj_row(a, 60_000)], sign=False)
    second = dj(cast, option, [world.dj_row(a, 60_000)], sign=False)  # the agreement is not double-counted
    first.refresh_from_db()
    assert first.status == FilingStatus.REPLACED and second.status == FilingStatus.VALIDATED
    # kept with its history: the replacement is a new transition row, nothing is deleted
    assert list(first.transitions.values_list("from_state", "to_state")) == [
        ("", FilingStatus.VALIDATED),
        (FilingStatus.VALIDATED, FilingStatus.REPLACED),
    ]
    assert first.details.count() == 1


def test_only_the_filing_institution_may_sign(cast):
    option, _, _, (a, *_) = world.build(cast)
    at(FIRST)
    filing = dj(cast, option, [world.dj_row(a, 1)], sign=False)
    with pytest.raises(GreenshoeError, match="申报机构"):
        world.signed(filing, cast.underwriter)


def test_a_failed_offering_takes_no_greenshoe_filing(cast):
    option, _, _, (a, *_) = world.build(cast)
    type(option.offering).objects.filter(pk=option.offering_id).update(status="failed")
    option.refresh_from_db()
    at(FIRST)
    with pytest.raises(GreenshoeError, match="发行失败"):
        dj(cast, option, [world.dj_row(a, 1)], sign=False)


def test_each_registration_sends_the_participants_their_data_file(cast):
    from dbfread import DBF
    from django.conf import settings

    from csdp.ipo.models import ParticipantFile

    option, security, special, (a, b, c) = world.build(cast, market_bought=10_000)
    at(FIRST)
    filing_register(filing=dj(cast, option, [world.dj_row(a, 60_000), world.dj_row(b, 20_000)]), actor=cast.reviewer)
    filing_register(filing=csplw(cast, option, [world.csplw_row(special, c, 10_000)]), actor=cast.reviewer)
    files = {f.file_type: f for f in ParticipantFile.objects.filter(offering=option.offering, file_format="dbf")}
    assert set(files) == {"CPDJ", "CPGH"} and files["CPDJ"].participant.code == "G001"
    cpdj = [(r["GDDM"], r["DJSL"], r["XWDM"]) for r in DBF(settings.CSDP_FILES_DIR / files["CPDJ"].path)]
    assert cpdj == [(a.number, 60_000, world.UNIT), (b.number, 20_000, world.UNIT)]
    cpgh = [(r["GDDM"], r["ZCZH"], r["GHSL"]) for r in DBF(settings.CSDP_FILES_DIR / files["CPGH"].path)]
    assert cpgh == [(c.number, special.account.number, 10_000)]
