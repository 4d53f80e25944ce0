"""A small offering world for the pipeline tests: one issuer, one lead underwriter, two clearing
participants with custody units and funded reserves, and a settable business clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind
from csdp.clock.services import clock_set
from csdp.ipo.services import offering_create, offering_report_account, reserve_deposit
from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open
from csdp.securities.services import custody_unit_create, participant_profile_create

T = dt.date(2026, 3, 16)  # 悦龙科技's T (rules.md §2)
HEADER = "seq,account,participant,custody_unit,quantity,price,investor_id,confirmed_at\n"


def at(day: dt.date, hh: int, mm: int = 0) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, mm), frozen=True)


def participant(code: str, unit: str, *, funds_fen: int):
    institution = Institution.objects.create(kind=InstitutionKind.PARTICIPANT, name=f"{code}证券", code=code)
    profile = participant_profile_create(institution=institution, code=code)
    custody_unit_create(participant=profile, code=unit)
    ledger_account_open(
        number=f"R-{code}", name=f"{code} 综合结算备付金", kind=AccountKind.PARTICIPANT_RESERVE, owner=institution
    )
    if funds_fen:
        reserve_deposit(institution=institution, amount_fen=funds_fen, reference=f"seed-{code}", actor=None)
    return profile


def investor_account(number: str, name: str, *, id17: str, holder_type: str = "03", uscc: bool = False):
    """An investor with one BSE account (the register refuses allocations to unknown accounts)."""
    from csdp.lib.ids import make_resident_id, make_uscc
    from csdp.securities.models import IdType, Market
    from csdp.securities.services import account_open, investor_create

    investor = investor_create(
        ymt_number=f"18{number}",
        name=name,
        id_type=IdType.USCC if uscc else IdType.RESIDENT_ID,
        id_number=make_uscc(id17) if uscc else make_resident_id(id17),
        holder_type=holder_type,
    )
    return account_open(number=number, investor=investor, market=Market.BSE)


def offering(*, online_shares: int, price_fen: int = 1404, initial: int | None = None, strategic: int = 0, issuer=None):
    issuer = issuer or Institution.objects.create(
        kind=InstitutionKind.ISSUER, name="悦龙科技股份有限公司", code="920188"
    )
    underwriter = Institution.objects.create(kind=InstitutionKind.UNDERWRITER, name="华信证券", code="UW1")
    from csdp.fees.demo import seed_schedule

    seed_schedule()  # the (example) fee schedule: registration bills the 股份登记费
    account = ledger_account_open(
        number="UW-RES", name="华信证券 自营结算备付金", kind=AccountKind.UNDERWRITER_RESERVE, owner=underwriter
    )
    at(T - dt.timedelta(days=3), 10)
    created = offering_create(
        code="920188",
        name="悦龙科技",
        issuer=issuer,
        underwriter=underwriter,
        price_fen=price_fen,
        initial_online_shares=initial or online_shares,
        online_shares=online_shares,
        t_date=T,
        strategic_shares=strategic,
        listing_date=dt.date(2026, 3, 30),
    )
    offering_report_account(offering=created, account=account, actor=None)
    created.refresh_from_db()
    return created


def subscription_file(tmp_path: Path, rows: list[tuple]) -> Path:
    """rows: (seq, account, participant, custody_unit, quantity)."""
    lines = [f"{s},{a},{p},{u},{q},14.04,,2026-03-16T09:{30 + s % 29:02d}:00" for s, a, p, u, q in rows]
    path = tmp_path / "sg.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path
