"""Register pages that scale (keyset pages, search), 信息查询 at once for the issuer's own codes and
staff (Excel / DBF, recorded), the holders API and the data template."""

import datetime as dt
import io

from openpyxl import load_workbook

from csdp.register.models import RosterQuery
from csdp.register.selectors import holders_page
from csdp.register.services import register_apply
from tests.register.conftest import event


def test_pages_continue_after_the_last_account_and_never_split_an_account(world, cast):
    register_apply(
        events=[
            event(world, "a", quantity=1_000),
            event(world, "a5", quantity=10, nature="05", lockup_end=dt.date(2027, 1, 4)),
            event(world, "b", quantity=2_000, account="other"),
        ]
    )
    first = holders_page(world["stock"], size=2)
    assert [h.account.number for h in first.rows] == ["0180000001", "0180000001"]
    second = holders_page(world["stock"], after=first.next_after, size=2)
    assert [h.account.number for h in second.rows] == ["0180000002"] and second.next_after is None
    assert [h.account.number for h in holders_page(world["stock"], q="0180000002").rows] == ["0180000002"]
    assert [h.account.number for h in holders_page(world["stock"], q="李华").rows] == ["0180000002"]


def test_holders_are_listed_by_account_number_not_by_when_their_account_was_opened(world, cast, client_for):
    from csdp.securities.services import account_open

    world["later"] = account_open(number="0180000000", investor=world["account"].investor, market="BSE")
    assert world["later"].pk > world["other"].pk > world["account"].pk  # opened last, numbered first
    register_apply(
        events=[
            event(world, "a", quantity=1_000),
            event(world, "b", quantity=2_000, account="other"),
            event(world, "c", quantity=3_000, account="later", nature="05", lockup_end=dt.date(2027, 1, 4)),
        ]
    )
    numbers, after = [], None
    while True:  # one account a page: the cursor walks the numbers
        page = holders_page(world["stock"], after=after, size=1)
        numbers += [h.account.number for h in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert numbers == ["0180000000", "0180000001", "0180000002"]
    text = client_for(cast.reviewer).get(f"/register/securities/{world['stock'].pk}/positions/").content.decode()
    assert "按证券账户号码排列" in text
    assert text.index("0180000000") < text.index("0180000001") < text.index("0180000002")
    assert "05 限售流通股（个人）" in text
    second = (
        client_for(cast.reviewer)
        .get(f"/register/securities/{world['stock'].pk}/positions/", {"after": "0180000000"})
        .content.decode()
    )
    assert "0180000001" in second and ">0180000000<" not in second


def test_the_holders_page_shows_a_page_and_a_link_to_the_next(world, cast, client_for):
    register_apply(
        events=[event(world, f"k{n}", quantity=10, account=who) for n, who in enumerate(["account", "other"])]
    )
    page = client_for(cast.reviewer).get(f"/register/securities/{world['stock'].pk}/positions/", {"q": "0180000002"})
    text = page.content.decode()
    assert "0180000002" in text and "0180000001\u003c" not in text


def _own(world, cast):
    from tests.counter.factories import give_codes

    give_codes(cast.issuer_a.institution, "920188")


def test_the_issuer_downloads_its_own_register_as_of_a_day_at_once_and_it_is_recorded(world, cast, client_for):
    from csdp.clock.services import at_local, clock_set

    clock_set(moment=at_local(dt.date(2026, 4, 1), 10, 0), frozen=True)
    _own(world, cast)
    register_apply(
        events=[
            event(world, "a", quantity=1_000),
            event(world, "b", quantity=3_000, account="other", day=dt.date(2026, 3, 31)),
        ]
    )
    client = client_for(cast.issuer_a)
    response = client.get(
        "/register/query/", {"kind": "holders", "code": "920188", "as_of": "2026-03-30", "file_format": "xlsx"}
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[2][1] == "0180000001" and rows[2][8] == "100.0000"
    assert all(r[1] != "0180000002" for r in rows[2:])  # registered the day after
    dbf = client.get(
        "/register/query/", {"kind": "holders", "code": "920188", "as_of": "2026-03-31", "file_format": "dbf"}
    )
    assert dbf.content[:1] == b"\x03" and b"0180000002" in dbf.content
    asked = RosterQuery.objects.order_by("id")
    assert [(q.asked_by, q.file_format, q.rows) for q in asked] == [
        (cast.issuer_a, "xlsx", 1),
        (cast.issuer_a, "dbf", 2),
    ]


def test_the_link_from_the_holders_page_prefills_the_code_and_shows_no_errors_before_a_submission(
    world, cast, client_for
):
    client = client_for(cast.reviewer)

    arrival = client.get("/register/query/", {"code": "920188"})
    sorted_list = client.get("/register/query/", {"sort": "-asked_at"})

    assert arrival.context["form"]["code"].value() == "920188"
    for page in (arrival, sorted_list):
        text = page.content.decode()
        assert not page.context["form"].is_bound and "必填" not in text and "请填写" not in text
    assert 'value="920188"' in arrival.content.decode()


def test_a_submission_without_a_date_shows_the_error(world, cast, client_for):
    page = client_for(cast.reviewer).get(
        "/register/query/", {"kind": "holders", "code": "920188", "file_format": "xlsx"}
    )

    assert "请填写查询日期。" in page.content.decode()
    assert not RosterQuery.objects.exists()


def test_another_issuers_code_is_refused(world, cast, client_for):
    _own(world, cast)
    register_apply(events=[event(world, "a", quantity=1_000)])
    page = client_for(cast.issuer_b).get(
        "/register/query/", {"kind": "holders", "code": "920188", "as_of": "2026-03-30", "file_format": "xlsx"}
    )
    assert "不是本机构的证券" in page.content.decode()
    assert not RosterQuery.objects.exists()
    api = client_for(cast.issuer_b).get("/api/v1/register/holders", {"security": "920188", "as_of": "2026-03-30"})
    assert api.status_code == 403 and api.json()["code"] == "register.query_refused"


def test_the_api_gives_the_list_with_its_summary(world, cast, client_for):
    from csdp.clock.services import at_local, clock_set

    clock_set(moment=at_local(dt.date(2026, 4, 1), 10, 0), frozen=True)
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "b", quantity=3_000, account="other")])
    body = (
        client_for(cast.operator)
        .get("/api/v1/register/holders", {"security": "920188", "as_of": "2026-03-30", "top": 1})
        .json()
    )
    assert (body["holders"], body["lots"], body["issued_capital"], body["total_quantity"]) == (1, 1, 4_000, 3_000)
    assert body["items"][0]["account"] == "0180000002" and body["items"][0]["percent"] == "75.0000"
    assert body["next_cursor"] is None


def test_the_data_template_downloads_for_issuers(cast, client_for):
    response = client_for(cast.issuer_a).get("/register/businesses/template/", {"code": "03"})
    header = next(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert header[0] == "证券账户号码" and header[-1] == "限售截止日"


def test_the_files_and_query_lists_name_the_business_and_the_format_in_chinese(world, cast, client_for):
    from csdp.clock.services import clock_now
    from csdp.register.models import HoldingChangeFile
    from csdp.securities.models import ParticipantProfile

    profile = ParticipantProfile.objects.create(institution=cast.participant.institution, code="P001")
    HoldingChangeFile.objects.create(
        participant=profile,
        security=world["stock"],
        business="02",
        reference="k",
        file_format="dbf",
        path="gfbd/x.dbf",
        sha256="0" * 64,
        rows=12_345,
        business_date=dt.date(2026, 3, 30),
    )
    files = client_for(cast.participant).get("/register/files/").content.decode()
    assert "<td>新增股份登记</td>" in files and "<td>02</td>" not in files and "12,345" in files
    for file_format in ("xlsx", "json"):
        RosterQuery.objects.create(
            kind=RosterQuery.Kind.HOLDERS,
            security=world["stock"],
            as_of=dt.date(2026, 3, 30),
            file_format=file_format,
            rows=1_200,
            asked_by=cast.reviewer,
            asked_at=clock_now(),
        )
    asked = client_for(cast.reviewer).get("/register/query/").content.decode()
    assert "<td>Excel</td>" in asked and "<td>接口查询</td>" in asked and "1,200" in asked
    assert "<td>xlsx</td>" not in asked and "<td>json</td>" not in asked
