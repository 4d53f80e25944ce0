"""The participants' files of a distribution are published as the other apps' files are: recorded in the
step that wrote them (DividendFile), listed on the participant's page and in the API, downloaded through
the access helper — a participant sees and gets only its own, the bytes on disk, the SHA-256 recorded —
its users told; a rerun records nothing twice. And the issuer's QYJG sheet is for people: words for the
rows that are no participant, numbers as numbers."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from csdp.accounts.menu import menu_for
from csdp.accounts.models import User
from csdp.dividend import files
from csdp.dividend.models import DividendFile, Step
from csdp.notify.models import OutboxMessage
from csdp.securities.models import ParticipantProfile, SecuritiesAccount
from tests.dividend.world import DEADLINE, LIST, PAY, R, eod, fund, schedule


def _clerk(code: str) -> User:
    """An active user of participant ``code`` (P1, P2 of the world), with a mobile and an address."""
    profile = ParticipantProfile.objects.get(code=code)
    return User.objects.create(
        username=f"{code.lower()}-clerk",
        institution=profile.institution,
        display_name=f"{code}经办",
        mobile="13900000001",
        email=f"{code.lower()}-clerk@example.test",
    )


@pytest.fixture
def paid(world, cast):
    """Issuer A's distribution, funded, through its pay date; a user at each of the two participants."""
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    clerks = {code: _clerk(code) for code in ("P1", "P2")}
    for day in (DEADLINE, R, PAY):
        eod(day)
    d.refresh_from_db()
    return d, clerks


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _on_disk(record: DividendFile) -> bytes:
    return (Path(settings.CSDP_FILES_DIR) / record.path).read_bytes()


def test_the_pay_date_records_each_participants_files_as_the_step_wrote_them(paid):
    d, _ = paid
    written = Step.objects.get(distribution=d, name="pay").detail["files"]
    recorded = DividendFile.objects.filter(distribution=d).select_related("participant")
    assert len(written) == recorded.count() == 8  # P1, P2 × QYMX, QYHZ × DBF, CSV
    assert {(r.path, r.sha256, r.rows) for r in recorded} == {(f["path"], f["sha256"], f["rows"]) for f in written}
    assert {(r.participant.code, r.file_type, r.file_format) for r in recorded} == {
        (p, t, f) for p in ("P1", "P2") for t in ("QYMX", "QYHZ") for f in ("dbf", "csv")
    }
    assert all(r.business_date == PAY and r.path.split("/")[3] == r.participant.code for r in recorded)


def test_a_participant_lists_and_downloads_only_its_own_files(paid, client_for):
    d, clerks = paid
    own = list(DividendFile.objects.filter(participant__code="P1"))
    other = list(DividendFile.objects.filter(participant__code="P2"))
    client = client_for(clerks["P1"])
    page = client.get("/dividend/files/")
    assert page.status_code == 200
    text = page.content.decode()
    assert all(f.sha256 in text for f in own) and not any(f.sha256 in text for f in other)
    assert "920001" in text and "甲股份" in text and "QYMX" in text and "QYHZ" in text
    for record in own:
        response = client.get(f"/dividend/files/{record.pk}/download/")
        assert response.status_code == 200
        assert (
            "attachment" in response["Content-Disposition"]
            and Path(record.path).name in response["Content-Disposition"]
        )
        content = _body(response)
        assert content == _on_disk(record) and hashlib.sha256(content).hexdigest() == record.sha256
    for record in other:  # another participant's file is not told from a missing one
        assert client.get(f"/dividend/files/{record.pk}/download/").status_code == 404
    assert client.get("/dividend/files/999999/download/").status_code == 404
    assert client.get("/dividend/").status_code == 403  # the distributions stay the issuer's and staff's


def test_the_files_page_is_in_the_participants_left_bar(paid):
    _, clerks = paid
    entries = [entry for _, items in menu_for(clerks["P1"], "/dividend/files/") for entry in items]
    assert [(e["label"], e["url"], e["active"]) for e in entries if e["url"].startswith("/dividend/")] == [
        ("权益分派数据文件", "/dividend/files/", True)
    ]


def test_anonymous_is_sent_to_login_and_the_issuer_refused(paid, cast, client_for):
    record = DividendFile.objects.first()
    anonymous = client_for(None)
    for url in ("/dividend/files/", f"/dividend/files/{record.pk}/download/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert client_for(cast.issuer_a).get(url).status_code == 403
    assert anonymous.get("/api/v1/dividend/files").status_code == 401
    assert anonymous.get(f"/api/v1/dividend/files/{record.pk}/content").json()["code"] == "not_authenticated"


def test_staff_see_every_participants_files_and_narrow_to_one_distribution(paid, cast, client_for):
    d, _ = paid
    client = client_for(cast.reviewer)
    text = client.get(f"/dividend/files/?distribution={d.pk}").content.decode()
    assert all(f.sha256 in text for f in DividendFile.objects.all())
    assert "暂无文件" in client.get(f"/dividend/files/?distribution={d.pk + 1000}").content.decode()
    assert f"/dividend/files/?distribution={d.pk}" in client.get(f"/dividend/{d.pk}/").content.decode()
    any_file = DividendFile.objects.filter(participant__code="P2").first()
    assert _body(client.get(f"/dividend/files/{any_file.pk}/download/")) == _on_disk(any_file)
    body = client.get("/api/v1/dividend/files", {"distribution_id": d.pk}).json()
    assert len(body["items"]) == 8 and body["next_cursor"] is None
    assert client.get("/api/v1/dividend/files", {"distribution_id": d.pk + 1000}).json()["items"] == []


def test_the_api_lists_a_participants_own_files_in_cursor_pages_and_serves_their_bytes(paid, client_for):
    d, clerks = paid
    client = client_for(clerks["P1"])
    first = client.get("/api/v1/dividend/files", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"] == first["items"][-1]["id"]
    rest = client.get("/api/v1/dividend/files", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    items = first["items"] + rest["items"]
    assert len(items) == 4 and {i["participant"] for i in items} == {"P1"}
    assert {(i["file_type"], i["file_format"]) for i in items} == {
        (t, f) for t in ("QYMX", "QYHZ") for f in ("dbf", "csv")
    }
    assert {
        (i["distribution_id"], i["security"], i["security_name"], i["record_date"], i["business_date"]) for i in items
    } == {(d.pk, "920001", "甲股份", R.isoformat(), PAY.isoformat())}
    assert client.get("/api/v1/dividend/files", {"business_date": LIST.isoformat()}).json()["items"] == []
    for item in items:
        record = DividendFile.objects.get(pk=item["id"])
        assert (item["name"], item["sha256"], item["rows"]) == (record.path, record.sha256, record.rows)
        content = _body(client.get(f"/api/v1/dividend/files/{item['id']}/content"))
        assert content == _on_disk(record) and hashlib.sha256(content).hexdigest() == item["sha256"]
    other = DividendFile.objects.filter(participant__code="P2").first()
    refused = client.get(f"/api/v1/dividend/files/{other.pk}/content")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_the_participants_users_are_told_their_files_are_published(paid, cast):
    d, clerks = paid
    told = OutboxMessage.objects.filter(purpose="dividend_files_ready")
    assert {m.user_id for m in told} == {clerks["P1"].pk, clerks["P2"].pk}
    assert told.count() == 4  # an SMS and an e-mail each
    body = told.filter(user=clerks["P1"], channel="email").get().body
    assert "920001" in body and "QYHZ、QYMX" in body and "P1" in body and "权益分派数据文件" in body
    assert not told.filter(user=cast.participant).exists()  # the cast's participant has no file here


def test_a_rerun_of_the_recording_adds_no_row_and_tells_no_one_again(paid):
    """The step's files are rebuilt byte for byte when it runs again; recording them again (what the step
    does after writing them) leaves the rows as they are — same ids, same content — and tells no one. A
    row that differs from the file written is put right in place, not doubled."""
    d, _ = paid
    before = {r.pk: (r.path, r.sha256, r.rows) for r in DividendFile.objects.all()}
    messages = OutboxMessage.objects.count()
    written = files.participant_files(d, PAY)
    assert files.files_record(d, PAY, written) == []
    assert {r.pk: (r.path, r.sha256, r.rows) for r in DividendFile.objects.all()} == before
    assert OutboxMessage.objects.count() == messages
    assert eod(PAY) == []  # and the runner does not run a step done
    stale = DividendFile.objects.filter(participant__code="P1", file_type="QYHZ", file_format="dbf").get()
    DividendFile.objects.filter(pk=stale.pk).update(sha256="0" * 64)
    assert files.files_record(d, PAY, written) == [stale.participant_id]
    assert {r.pk: (r.path, r.sha256, r.rows) for r in DividendFile.objects.all()} == before


def test_the_list_dates_qyzc_goes_to_the_participant_of_the_closed_account_only(paid, client_for):
    d, clerks = paid
    SecuritiesAccount.objects.filter(number="0100000005").update(status="closed")  # P2's (custody unit 720001)
    eod(LIST)
    qyzc = DividendFile.objects.filter(distribution=d, file_type="QYZC").select_related("participant")
    assert {(r.participant.code, r.file_format, r.rows, r.business_date) for r in qyzc} == {
        ("P2", "dbf", 1, LIST),
        ("P2", "csv", 1, LIST),
    }
    csv = qyzc.get(file_format="csv")
    assert _body(client_for(clerks["P2"]).get(f"/dividend/files/{csv.pk}/download/")) == _on_disk(csv)
    assert b"0100000005" in _on_disk(csv)
    assert client_for(clerks["P1"]).get(f"/dividend/files/{csv.pk}/download/").status_code == 404
    told = OutboxMessage.objects.filter(purpose="dividend_files_ready", body__contains="QYZC")
    assert {m.user_id for m in told} == {clerks["P2"].pk}
    suspense = Step.objects.get(distribution=d, name="register").detail["suspense_files"]
    assert files.files_record(d, LIST, suspense) == []
    assert DividendFile.objects.filter(distribution=d).count() == 10


def _sheet(d) -> list[list]:
    from openpyxl import load_workbook

    _, xlsx = files.issuer_result_file(d, LIST)
    return [[c for c in row] for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows()]


def test_the_issuers_result_sheet_names_its_rows_in_words_and_has_numeric_amounts(paid):
    d, _ = paid
    eod(LIST)
    d.refresh_from_db()
    rows = _sheet(d)
    header, body = [c.value for c in rows[1]], rows[2:]
    values = [c.value for row in rows for c in row]
    assert "NONE" not in values and "TOTAL" not in values
    participants = [row[header.index("结算参与人代码")].value for row in body]
    assert participants == ["无托管单元", "P1", "P2", "合计"]
    total = {name: cell for name, cell in zip(header, body[-1])}
    for column in ("应派现金红利（元）", "实派现金红利（元）", "暂不派发现金红利（元）"):
        assert all(isinstance(row[header.index(column)].value, int | float) for row in body), column
        assert all(row[header.index(column)].number_format == "#,##0.00" for row in body), column
    assert Decimal(str(total["应派现金红利（元）"].value)) * 100 == d.cash_total_fen
    for column in ("证券账户数", "股权登记日持有数量（股）", "送转股数量（股）"):
        assert all(isinstance(row[header.index(column)].value, int) for row in body), column
    assert total["送转股数量（股）"].value == d.bonus_total
    assert total["股权登记日持有数量（股）"].value == d.total_quantity
    assert total["股权登记日"].value.date() == R and total["证券代码"].value == "920001"
    # the DBF and CSV, read by machines, keep the documented codes (docs/interfaces.md §7)
    csv = (Path(settings.CSDP_FILES_DIR) / f"dividend/{d.pk}/{LIST:%Y%m%d}/issuer/QYJG920001.csv").read_text("gbk")
    assert [line.split(",")[1] for line in csv.splitlines()[1:]] == ["NONE", "P1", "P2", "TOTAL"]


def test_migration_0011_records_the_files_of_distributions_paid_before_it(paid):
    """Distributions paid before DividendFile existed: their files are recorded from the paths and SHA-256
    their steps kept, as the step records them now; running it again adds nothing."""
    import importlib

    from django.apps import apps

    d, _ = paid
    recorded = {
        (r.participant_id, r.file_type, r.file_format, r.path, r.sha256, r.rows, r.business_date)
        for r in DividendFile.objects.all()
    }
    DividendFile.objects.all().delete()
    migration = importlib.import_module("csdp.dividend.migrations.0011_published_files")
    for _ in range(2):
        migration.record_earlier_files(apps, None)
        assert {
            (r.participant_id, r.file_type, r.file_format, r.path, r.sha256, r.rows, r.business_date)
            for r in DividendFile.objects.filter(distribution=d)
        } == recorded


def test_the_days_manifest_lists_the_distributions_files_with_where_to_fetch_them(paid, client_for):
    _, clerks = paid
    client = client_for(clerks["P1"])
    lines = client.get("/api/v1/ipo/manifest", {"business_date": PAY.isoformat()}).json()["items"]
    ours = [line for line in lines if line["file_type"] in ("QYMX", "QYHZ")]
    assert len(ours) == 4  # QYMX and QYHZ, DBF and CSV
    assert {line["name"] for line in ours} == set(
        DividendFile.objects.filter(participant__code="P1", business_date=PAY).values_list("path", flat=True)
    )
    for line in ours:
        assert hashlib.sha256(_body(client.get(line["content_url"]))).hexdigest() == line["sha256"]
