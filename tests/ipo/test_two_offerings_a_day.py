"""Two offerings settled on the same T+1 draw on one reserve (rules.md §3: in ascending securities
code). Each offering's DJSJ shows the money left for it and its own gap, in the order the reserve
was actually applied — not each against the whole reserve."""

import pytest
from dbfread import DBF
from django.conf import settings

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import ParticipantObligation
from csdp.ipo.services import offering_create, offering_report_account, reserve_deposit
from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open
from tests.ipo import world
from tests.ipo.world import HEADER, T, at

pytestmark = pytest.mark.django_db
T1 = T.replace(day=17)


def _second_offering():
    issuer = Institution.objects.create(kind=InstitutionKind.ISSUER, name="乙科技股份有限公司", code="920199")
    underwriter = Institution.objects.create(kind=InstitutionKind.UNDERWRITER, name="乙证券", code="UW2")
    account = ledger_account_open(
        number="UW2-RES", name="乙证券 自营结算备付金", kind=AccountKind.UNDERWRITER_RESERVE, owner=underwriter
    )
    at(T.replace(day=13), 10)
    created = offering_create(
        code="920199",
        name="乙科技",
        issuer=issuer,
        underwriter=underwriter,
        price_fen=1000,
        initial_online_shares=100_000,
        online_shares=1_000,
        t_date=T,
        listing_date=T.replace(day=30),
    )
    offering_report_account(offering=created, account=account, actor=None)
    return created


def _load(offering, tmp_path, name, rows, price):
    lines = [f"{s},{a},{p},{u},{q},{price},,2026-03-16T09:{30 + s:02d}:00" for s, a, p, u, q in rows]
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n")
    offering_subscriptions_load(offering=offering, path=path)


def test_each_offering_of_the_day_shows_the_money_left_for_it_and_its_own_gap(tmp_path):
    participant = world.participant("R001", "300001", funds_fen=0)
    first = world.offering(online_shares=1_000, initial=100_000)  # 920188 at 14.04
    second = _second_offering()  # 920199 at 10.00
    at(T, 10)
    _load(first, tmp_path, "a.csv", [(1, "0300000001", "R001", "300001", 1_000)], "14.04")
    _load(second, tmp_path, "b.csv", [(1, "0300000002", "R001", "300001", 1_000)], "10.00")
    at(T, 17)
    eod_run()
    at(T1, 10)
    # Enough for 920188 (14,040.00) and half of 920199 (10,000.00).
    reserve_deposit(institution=participant.institution, amount_fen=1_404_000 + 500_000, reference="d", actor=None)
    at(T1, 17)
    eod_run()
    money = {
        o.offering.code: (o.available_fen, o.shortfall_fen, o.frozen_fen)
        for o in ParticipantObligation.objects.filter(participant=participant).select_related("offering")
    }
    assert money == {"920188": (1_904_000, 0, 1_404_000), "920199": (500_000, 500_000, 0)}
    djsj = {
        code: list(DBF(settings.CSDP_FILES_DIR / "20260317" / "R001" / f"DJSJ{code}_20260317.dbf"))[0]
        for code in ("920188", "920199")
    }
    assert [(r["KYJE"], r["QKJE"], r["DJJE"]) for r in djsj.values()] == [(19_040, 0, 14_040), (5_000, 5_000, 0)]
