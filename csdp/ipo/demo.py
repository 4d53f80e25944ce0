"""The IPO part of the demo world, built through the production code paths with the business clock
moved and then put back:
- 920188 悦龙科技 (T = 2026-03-16, rules.md §2's worked example): T → T+1 → T+2 → registration → L, done;
- 920219 星河精机: cleared at its T, so that its T+1 is the next trading day from today — the demo
  participant (user "participant") owes money, can deposit before 16:00 and declare short investors
  (附件5) before 15:30 on its page.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from csdp.accounts.models import Institution
from csdp.clock.services import (
    business_today,
    clock_moved_to,
    clock_now,
    clock_set,
    is_trading_day,
    trading_day_offset,
)
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import Offering
from csdp.ipo.services import offering_create, offering_report_account, proceeds_pay, reserve_deposit
from csdp.ipo.failure.stop import offering_stop_record
from csdp.ledger.selectors import reserve_account_of
from csdp.lib.ids import make_resident_id
from csdp.accounts.demo import ISSUER_A, ISSUER_B, PARTICIPANT, UNDERWRITER, register_seeder
from csdp.securities.models import IdType, Market, ParticipantProfile, SecuritiesAccount
from csdp.securities.services import account_open, investor_create

DEMO_ACCOUNTS = 30  # 0190000001 … : demo investors in the participant's two custody units


def _at(day: dt.date, hh: int, mm: int = 0) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, mm), frozen=True)


def _institution(spec) -> Institution:
    return Institution.objects.get(kind=spec[0], code=spec[2])


def _investors(units: list[str]) -> list[tuple[str, str]]:
    """(account number, custody unit) of the demo subscribers, opened once."""
    out = []
    for i in range(1, DEMO_ACCOUNTS + 1):
        number, unit = f"01900000{i:02d}", units[i % len(units)]
        if not SecuritiesAccount.objects.filter(number=number).exists():
            investor = investor_create(
                ymt_number=f"1900000000{i:02d}",
                name=f"演示投资者{i:02d}",
                id_type=IdType.RESIDENT_ID,
                id_number=make_resident_id(f"110101199001{i:02d}00{i % 10}"),
                holder_type="03",
            )
            account_open(number=number, investor=investor, market=Market.BSE)
        out.append((number, unit))
    return out


def _orders_file(directory: Path, t: dt.date, participant: str, subscribers: list[tuple[str, str]], price: str) -> Path:
    sizes = [900 * 100, 500 * 100, 100 * 100, 2_000, 300, 9_000 * 100, 150]  # the last is not a multiple of 100
    lines = ["seq,account,participant,custody_unit,quantity,price,investor_id,confirmed_at"]
    for seq, (number, unit) in enumerate(subscribers, start=1):
        lines.append(
            f"{seq},{number},{participant},{unit},{sizes[seq % len(sizes)]},{price},,{t}T09:{30 + seq % 29:02d}:00"
        )
    path = directory / f"SG{participant}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(
    code: str, name: str, issuer, t: dt.date, listing: dt.date, *, to_listing: bool, stop_at_t1: bool = False
) -> None:
    underwriter = _institution(UNDERWRITER)
    participant = ParticipantProfile.objects.get(institution=_institution(PARTICIPANT))
    units = list(participant.custody_units.order_by("code").values_list("code", flat=True))
    _at(trading_day_offset(t, -2), 10)
    offering = offering_create(
        code=code,
        name=name,
        issuer=issuer,
        underwriter=underwriter,
        price_fen=1404,
        initial_online_shares=19_793_879,
        online_shares=1_000_000,
        t_date=t,
        listing_date=listing,
    )
    offering_report_account(offering=offering, account=reserve_account_of(underwriter), actor=None)
    _at(t, 15, 10)
    with tempfile.TemporaryDirectory() as tmp:
        offering_subscriptions_load(
            offering=offering, path=_orders_file(Path(tmp), t, participant.code, _investors(units), "14.04")
        )
    _at(t, 17)
    eod_run()
    if not to_listing:
        return
    t1 = trading_day_offset(t, 1)
    _at(t1, 10)
    owed = offering.obligations.get(participant=participant).subscribed_fen
    reserve_deposit(institution=participant.institution, amount_fen=owed, reference=f"demo:{code}", actor=None)
    if stop_at_t1:  # 002 §5.2: confirmed between T EOD and T+1 EOD; unfrozen at T+1 EOD with JDSJ
        _at(t1, 14)
        offering_stop_record(
            offering=offering,
            kind="suspended",
            confirmed_at=clock_now(),
            reference="演示〔2026〕1号",
            reason="演示：发行人突发事件，中止发行",
            actor=None,
        )
    _at(t1, 17)
    eod_run()
    if stop_at_t1:
        return
    _at(trading_day_offset(t, 2), 10)
    proceeds_pay(offering=offering, actor=None)
    _at(trading_day_offset(t, 2), 17)
    eod_run()  # registration (no placements to confirm) and 股份登记数据
    _at(listing, 17)
    eod_run()  # listed


@register_seeder(order=95)  # after the fee schedule (90): registration bills the 股份登记费
def seed_ipo() -> None:
    if Offering.objects.filter(code__in=["920188", "920219", "920166"]).exists():
        return
    today = business_today()
    # Each offering's days are done at their own moments (_at); the clock is put back as it was after.
    with clock_moved_to(clock_now()):
        _run("920188", "悦龙科技", _institution(ISSUER_A), dt.date(2026, 3, 16), dt.date(2026, 3, 30), to_listing=True)
        next_day = today if is_trading_day(today) else trading_day_offset(today, 1)
        t = trading_day_offset(next_day, -1)
        _run("920219", "星河精机", _institution(ISSUER_B), t, trading_day_offset(t, 9), to_listing=False)
        _run(
            "920166",
            "云岭材料",
            _institution(ISSUER_A),
            dt.date(2026, 4, 13),
            dt.date(2026, 4, 27),
            to_listing=True,
            stop_at_t1=True,
        )
