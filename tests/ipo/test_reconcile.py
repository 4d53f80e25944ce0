"""Members reconcile: the reserve statement (page, cursor API, daily 对账 file), withdrawals through
the API, the day's manifest and "files ready" notice, the cursor on the files API, and the lead
underwriter's results for the 发行结果公告."""

import datetime as dt
import hashlib
import io
import json

import pytest
from dbfread import DBF
from django.conf import settings

from csdp.accounts.models import User
from csdp.ipo.eod.day import eod_run
from csdp.ipo.models import ParticipantFile
from csdp.ipo.services import reserve_deposit
from csdp.ledger.models import Transfer
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.notify.models import OutboxMessage
from csdp.register.models import HoldingChangeFile
from csdp.restrictions.models import RestrictionFile
from csdp.securities.models import Security
from tests.ipo.test_views import cleared  # noqa: F401  (fixture)
from tests.ipo.world import at

pytestmark = pytest.mark.django_db
T1, T2 = dt.date(2026, 3, 17), dt.date(2026, 3, 18)


@pytest.fixture
def settled(cleared):
    offering, p1, p2, users = cleared
    for user in users.values():
        user.email = f"{user.username}@example.cn"
        user.save()
    at(T1, 10)
    reserve_deposit(institution=p1.institution, amount_fen=2_000 * 1404, reference="bank-001", actor=None)
    reserve_deposit(institution=p2.institution, amount_fen=500 * 1404, reference="bank-002", actor=None)  # short
    at(T1, 17)
    eod_run()
    return offering, p1, p2, users


def test_the_statement_page_shows_every_movement_with_its_reference(settled, client_for):
    _, p1, _, users = settled
    page = client_for(users["V001"]).get("/ipo/reserve/?from=2026-03-17&to=2026-03-17").content.decode()
    assert "deposit:" in page and "bank-001" in page
    assert "ipo:920188:V001:freeze" in page and "ipo:920188:V001:deduct" in page
    assert "ipo:920188:V002" not in page  # only its own account


def test_the_statement_api_pages_with_a_cursor_through_every_movement(settled, client_for):
    _, p1, _, users = settled
    client = client_for(users["V001"])
    account = reserve_account_of(p1.institution)
    seen, cursor = [], 0
    while True:
        page = client.get(f"/api/v1/ipo/reserve/statement?cursor={cursor}&limit=1").json()
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    ids = [item["id"] for item in seen]
    mine = Transfer.objects.filter(debit_account=account) | Transfer.objects.filter(credit_account=account)
    assert ids == sorted(mine.values_list("id", flat=True)) and len(ids) == 3  # deposit, freeze, deduct
    assert seen[-1]["posted_balance_fen"] == balance_of(account).posted_fen
    assert [item["reference"].split(":")[-1] for item in seen] == ["bank-001", "freeze", "deduct"]
    refused = client.get("/api/v1/ipo/reserve/statement?limit=0").json()
    assert refused["code"] == "invalid" and refused["problems"][0]["field"].endswith("limit")


def test_the_daily_reconciliation_file_opens_and_closes_on_the_ledger_balance(settled, client_for, tmp_path):
    _, p1, _, users = settled
    client = client_for(users["V001"])
    dbf = client.get("/ipo/reserve/file/?date=2026-03-17&format=dbf")
    assert dbf["Content-Disposition"] == 'attachment; filename="ZJDZ20260317.dbf"'
    path = tmp_path / "ZJDZ20260317.dbf"
    path.write_bytes(dbf.content)
    records = list(DBF(path, encoding="gbk"))
    assert [r["JLLX"] for r in records] == ["01", "02", "02", "02", "03"]
    assert records[0]["YE"] == 0 and records[1]["JDFX"] == "贷" and records[2]["DJBD"] < 0
    closing = balance_of(reserve_account_of(p1.institution)).posted_fen
    assert round(records[-1]["YE"] * 100) == closing
    csv = client.get("/api/v1/ipo/reserve/statement/file?business_date=2026-03-17&format=csv").content.decode("gbk")
    assert csv.splitlines()[0].startswith("JLLX,ZJZH,JGDM,LSH") and "期末余额" in csv


def test_withdrawals_go_through_the_api_and_are_refused_beyond_the_available_balance(settled, client_for):
    _, p1, _, users = settled
    at(T2, 10)
    client = client_for(users["V001"])
    available = balance_of(reserve_account_of(p1.institution)).available_fen
    refused = client.post(
        "/api/v1/ipo/withdrawals",
        json.dumps({"amount_fen": available + 1, "reference": "w1"}),
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["detail"] == "划出金额超过可用余额。"
    ok = client.post(
        "/api/v1/ipo/withdrawals",
        json.dumps({"amount_fen": available, "reference": "w2"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and balance_of(reserve_account_of(p1.institution)).available_fen == 0


def test_the_manifest_names_every_file_of_the_day_with_its_records_and_hash(settled, client_for):
    _, p1, _, users = settled
    lines = client_for(users["V001"]).get("/api/v1/ipo/manifest?business_date=2026-03-17").json()["items"]
    published = ParticipantFile.objects.filter(participant=p1, business_date=T1)
    assert {line["name"] for line in lines if line["file_id"]} == set(published.values_list("path", flat=True))
    for line in lines:
        if line["file_id"]:
            data = (settings.CSDP_FILES_DIR / line["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == line["sha256"]
    assert {(line["file_type"], line["file_format"]) for line in lines if not line["file_id"]} == {
        ("ZJDZ", "dbf"),
        ("ZJDZ", "csv"),
    }
    csv = client_for(users["V001"]).get("/ipo/participant/manifest/?date=2026-03-17").content.decode("gbk")
    assert csv.splitlines()[0] == "WJM,WJLX,GS,JLS,SHA256" and len(csv.splitlines()) == len(lines) + 1


def _published(path: str, data: bytes) -> str:
    target = settings.CSDP_FILES_DIR / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_the_manifest_lists_the_register_and_restrictions_files_of_the_day_with_where_to_fetch_them(
    settled, client_for
):
    _, p1, _, users = settled
    gfbd_path, qlbd_path = "register/20260317/V001/GFBD920188_1.csv", "restrictions/20260317/V001/QLBD.csv"
    gfbd = HoldingChangeFile.objects.create(
        participant=p1,
        security=Security.objects.create(code="920300", name="登记测试", market="BSE", status="listed"),
        business="02",
        reference="approval:1",
        file_format="csv",
        path=gfbd_path,
        sha256=_published(gfbd_path, b"ZQZH,BDSL\r\n0190000001,100\r\n"),
        rows=1,
        business_date=T1,
    )
    RestrictionFile.objects.create(
        participant=p1, business_date=T1, file_format="csv", path=qlbd_path, sha256=_published(qlbd_path, b"X"), rows=0
    )
    client = client_for(users["V001"])
    lines = {line["name"]: line for line in client.get("/api/v1/ipo/manifest?business_date=2026-03-17").json()["items"]}
    assert (lines[gfbd_path]["file_type"], lines[gfbd_path]["file_id"]) == ("GFBD", None)
    assert lines[qlbd_path]["file_type"] == "QLBD"
    for name in (gfbd_path, qlbd_path):  # each line's address gives the bytes whose hash it lists
        body = b"".join(client.get(lines[name]["content_url"]).streaming_content)
        assert hashlib.sha256(body).hexdigest() == lines[name]["sha256"]
    assert all(line["content_url"].startswith("/api/v1/") for line in lines.values())
    other = client_for(users["V002"])
    assert other.get(lines[gfbd_path]["content_url"]).status_code == 404  # another participant's file
    theirs = other.get("/api/v1/ipo/manifest?business_date=2026-03-17").json()["items"]
    assert gfbd_path not in {line["name"] for line in theirs}
    csv = client.get("/ipo/participant/manifest/?date=2026-03-17").content.decode("gbk")
    assert f"{gfbd_path},GFBD,csv,1,{gfbd.sha256}" in csv.splitlines()


def test_a_reconciliation_file_or_manifest_of_a_day_after_today_is_refused(settled, client_for):
    client = client_for(settled[3]["V001"])  # the business day is T+1 (2026-03-17)
    refused = client.get("/api/v1/ipo/reserve/statement/file?business_date=2026-03-18&format=csv")
    assert refused.status_code == 422 and refused.json()["code"] == "ipo.day_in_future"
    assert "晚于今天" in refused.json()["detail"]
    assert client.get("/api/v1/ipo/manifest?business_date=2099-01-01").json()["code"] == "ipo.day_in_future"
    page = client.get("/ipo/reserve/file/?date=2027-01-05&format=csv")
    assert "Content-Disposition" not in page and "对账日期 2027-01-05 晚于今天" in page.content.decode()


def test_a_reconciliation_file_of_a_malformed_date_is_refused_not_read_as_today(settled, client_for):
    page = client_for(settled[3]["V001"]).get("/ipo/reserve/file/?date=abc&format=csv")
    assert "Content-Disposition" not in page and "日期“abc”格式不正确" in page.content.decode()


def test_each_participant_is_told_when_its_files_are_published(settled):
    told = OutboxMessage.objects.filter(purpose="ipo_files_ready", recipient="uV001@example.cn")
    assert told.count() == 1  # T+1's files (the T files were published before the address was set)
    assert "2026-03-17" in told.get().body and "DJSJ" in told.get().body


def test_the_files_api_returns_only_files_published_after_the_cursor(settled, client_for):
    _, p1, _, users = settled
    client = client_for(users["V001"])
    everything = client.get("/api/v1/ipo/files?cursor=0").json()["items"]
    ids = [f["id"] for f in everything]
    assert ids == sorted(ids) and len(ids) == ParticipantFile.objects.filter(participant=p1).count()
    t_files = ParticipantFile.objects.filter(participant=p1, business_date=dt.date(2026, 3, 16))
    newer = client.get(f"/api/v1/ipo/files?cursor={max(t_files.values_list('id', flat=True))}").json()["items"]
    assert {f["business_date"] for f in newer} == {"2026-03-17"}
    assert client.get(f"/api/v1/ipo/files?cursor={max(ids)}").json() == {"items": [], "next_cursor": None}


def test_the_lead_underwriter_sees_and_downloads_its_offerings_results(settled, client_for):
    offering, _, _, users = settled
    underwriter = User.objects.create(username="uw", institution=offering.underwriter)
    client = client_for(underwriter)
    results = client.get(f"/api/v1/ipo/offerings/{offering.pk}/results").json()
    # 1,000 online shares over 2,000 exchange-valid shares: 50 %; V002's order was invalid at T+1 (short).
    assert results["ratio_percent"] == "50.0000000000"
    assert (results["valid_accounts_t"], results["valid_shares_t"]) == (2, 2_000)
    assert (results["valid_accounts"], results["allocated_shares"], results["remainder_shares"]) == (1, 500, 500)
    assert [(row["seq"], row["code"]) for row in results["invalid"]] == [(2, "12")]
    page = client.get(f"/ipo/{offering.pk}/results/").content.decode()
    assert "50.0000000000 %" in page and "余股" in page
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/ipo/{offering.pk}/results.xlsx").content))
    assert book["无效申购明细"].max_row == 2
    assert client_for(users["V001"]).get(f"/ipo/{offering.pk}/results/").status_code == 403
