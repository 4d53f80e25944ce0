"""附件5 declarations (seed 002 §4.1.2(四)(五)): a declared investor's order is a declared invalid
subscription even when its participant's reserve covers it; declarations are acknowledged, listed and
withdrawn before 15:30 business time, on the page and through the API."""

import datetime as dt
import json

import pytest
from dbfread import DBF
from django.conf import settings

from csdp.ipo.eod.day import eod_run
from csdp.ipo.errors import IpoError
from csdp.ipo.models import ParticipantObligation, ShortfallDeclaration
from csdp.ipo.services import DeclarationRow, reserve_deposit, shortfall_declare, shortfall_withdraw
from tests.ipo.test_views import cleared  # noqa: F401  (fixture)
from tests.ipo.world import at

pytestmark = pytest.mark.django_db
T1 = dt.date(2026, 3, 17)


def _row(seq=1, account="0500000001", shares=1_000):
    return DeclarationRow(
        account=account,
        account_name="投资者甲",
        seq=seq,
        invalid_shares=shares,
        reserve_account="R-V001",
        settlement_account="S-V001",
    )


def test_a_declared_order_is_invalid_even_when_the_reserve_covers_it(cleared):
    offering, p1, p2, _ = cleared
    at(T1, 10)
    saved = shortfall_declare(offering=offering, participant=p1, rows=[_row()], actor=None)
    assert saved[0].receipt.startswith("ZJBZ920188-")
    # V001 deposits far more than it owes: before the fix the declaration was silently ignored.
    reserve_deposit(institution=p1.institution, amount_fen=10_000 * 1404, reference="plenty", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    at(T1, 17)
    eod_run()
    ob = ParticipantObligation.objects.get(offering=offering, participant=p1)
    assert (ob.invalid_orders, ob.frozen_fen, ob.allocated_shares) == (1, 0, 0)
    wxsg = list(DBF(settings.CSDP_FILES_DIR / "20260317" / "V001" / "WXSG920188_20260317.dbf"))
    assert [(r["SQBH"], r["WXYY"]) for r in wxsg] == [(1, "11")]


def test_a_withdrawn_declaration_leaves_the_order_valid(cleared):
    offering, p1, p2, _ = cleared
    at(T1, 10)
    shortfall_declare(offering=offering, participant=p1, rows=[_row()], actor=None)
    at(T1, 15, 29)
    assert shortfall_withdraw(offering=offering, participant=p1, seqs=[1], actor=None) == 1
    assert ShortfallDeclaration.objects.get(offering=offering, seq=1).withdrawn_at is not None
    reserve_deposit(institution=p1.institution, amount_fen=1_000 * 1404, reference="p1", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=1_000 * 1404, reference="p2", actor=None)
    at(T1, 17)
    eod_run()
    ob = ParticipantObligation.objects.get(offering=offering, participant=p1)
    assert (ob.invalid_orders, ob.frozen_fen) == (0, 1_000 * 1404)


def test_withdrawal_is_refused_at_1530_and_for_rows_not_declared(cleared):
    offering, p1, _, _ = cleared
    at(T1, 10)
    shortfall_declare(offering=offering, participant=p1, rows=[_row()], actor=None)
    with pytest.raises(IpoError) as refused:
        shortfall_withdraw(offering=offering, participant=p1, seqs=[1, 7, 8], actor=None)
    assert [p.message for p in refused.value.problems] == [
        "成交号码 7 没有本参与人有效的资金不足申报",
        "成交号码 8 没有本参与人有效的资金不足申报",
    ]
    assert ShortfallDeclaration.objects.get(offering=offering, seq=1).withdrawn_at is None  # nothing half-done
    at(T1, 15, 30)
    with pytest.raises(IpoError, match="15:30"):
        shortfall_withdraw(offering=offering, participant=p1, seqs=[1], actor=None)


def test_a_row_declared_twice_in_one_table_is_refused_with_every_problem(cleared):
    offering, p1, _, _ = cleared
    at(T1, 10)
    with pytest.raises(IpoError) as refused:
        shortfall_declare(
            offering=offering, participant=p1, rows=[_row(), _row(), _row(seq=2, account="0600000001")], actor=None
        )
    assert [p.row for p in refused.value.problems] == [2, 3]


def test_the_page_lists_acknowledges_and_withdraws(cleared, client_for):
    offering, _, _, users = cleared
    at(T1, 14)
    client = client_for(users["V001"])
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-account": "0500000001",
        "form-0-account_name": "投资者甲",
        "form-0-seq": "1",
        "form-0-invalid_shares": "1000",
        "form-0-reserve_account": "R-V001",
        "form-0-settlement_account": "S-V001",
    }
    page = client.post(f"/ipo/{offering.pk}/declare/", form, follow=True).content.decode()
    receipt = ShortfallDeclaration.objects.get(offering=offering, seq=1).receipt
    assert f"受理编号 {receipt}" in page and "已受理" in page and "撤回所选申报" in page
    page = client.post(f"/ipo/{offering.pk}/declare/withdraw/", {"seq": ["1"]}, follow=True).content.decode()
    assert "已撤回 1 条资金不足申报" in page and "已撤回（" in page


def test_the_api_declares_lists_and_withdraws_and_refuses_with_a_code(cleared, client_for):
    offering, _, _, users = cleared
    at(T1, 14)
    client = client_for(users["V001"])
    url = f"/api/v1/ipo/offerings/{offering.pk}/declarations"
    row = {
        "account": "0500000001",
        "account_name": "投资者甲",
        "seq": 1,
        "invalid_shares": 1000,
        "reserve_account": "R-V001",
        "settlement_account": "S-V001",
    }
    answer = client.post(url, json.dumps([row]), content_type="application/json").json()
    assert answer["declared"] == 1 and answer["declarations"][0]["receipt"].startswith("ZJBZ")
    listed = client.get(url).json()["items"]
    assert [(d["seq"], d["withdrawn_at"]) for d in listed] == [(1, None)]
    assert client.post(url + "/withdraw", json.dumps({"seqs": [1]}), content_type="application/json").json() == {
        "withdrawn": 1
    }
    assert client.get(url).json()["items"][0]["withdrawn_at"] is not None
    at(T1, 15, 31)
    refused = client.post(url, json.dumps([row]), content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "ipo.declaration_late"
