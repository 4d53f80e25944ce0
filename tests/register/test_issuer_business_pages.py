"""The issuer's register businesses on the counter's pages, as people read them: every field of the confirm
and application pages in Chinese with the filed sheet to download, a refusal listing one problem a line, a
closed security named by its status, a non-trading effective date refused, a closed security no longer
offered, and the register's pages reachable from the menu of each role that may use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csdp.accounts.menu import menu_for
from csdp.counter.models import BusinessType, FilePurpose
from csdp.counter.registry import spec_for
from csdp.counter.services import CounterError
from csdp.lib.ids import make_resident_id
from csdp.register.issuer_businesses import BUSINESSES, CLOSED, business_problems
from csdp.securities.models import Security, SecurityStatus
from tests.counter.factories import give_codes, pdf_upload, sign_and_submit
from tests.portal.crawl import visible_text
from tests.register.businesses import (  # noqa: F401  (world: the fixture)
    LOCKUP,
    TODAY,
    accept,
    business_form,
    draft_business,
    holder,
    initial,
    sheet,
    world,
)


def text_of(client, url: str) -> tuple[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


RAW = ("business", "file_name", "file_sha256", "True", "False", "数据行数", "（股）：3000", "None")


def test_every_field_of_a_filing_reads_in_chinese_and_staff_download_the_sheet_as_filed(world, client_for):
    cast = world["cast"]
    initial(world)
    form = business_form("02", [holder(world, 0, 3_000, "05", LOCKUP)], 3_000)
    filed = form.cleaned_data["data_file"]
    filed.seek(0)
    content = filed.read()
    app = draft_business(world, "02", form)
    sheet_url = reverse("counter:file_download", args=[app.files.get(purpose=FilePurpose.DATA).pk])
    text, links = text_of(client_for(cast.issuer_a), reverse("counter:confirm", args=[app.pk]))
    for shown in (
        "登记生效日\n2026-03-30",
        "本次新增股份合计（股）\n3,000",
        "（申报制）\n是",
        "持有明细\n1 行，合计 3,000 股",
    ):
        assert shown in text, shown
    assert "申报文件\n持有明细.xlsx" in text and "申报文件 SHA-256" in text and sheet_url in links
    for raw in RAW:
        assert raw not in text, raw

    sign_and_submit(app, cast.issuer_a, world["key"])
    for who in (cast.issuer_a, cast.operator):
        text, links = text_of(client_for(who), reverse("counter:detail", args=[app.pk]))
        assert "本次新增股份合计（股）：3,000" in text and "持有明细：1 行，合计 3,000 股" in text, who
        assert "申报文件：" in text and sheet_url in links, who
        for raw in RAW:
            assert raw not in text, (who, raw)
    download = client_for(cast.operator).get(sheet_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert client_for(cast.issuer_b).get(sheet_url).status_code == 404

    # The API is for programs: it keeps the round's machine keys, and its files are the materials.
    detail = client_for(cast.issuer_a).get(f"/api/v1/counter/applications/{app.pk}").json()
    assert detail["rounds"][0]["data"]["business"] == "02" and detail["rounds"][0]["data"]["declared"] == 3_000
    assert [f["name"] for f in detail["rounds"][0]["files"]] == ["申请材料.pdf"]


def test_an_exit_shows_no_rows_it_never_had(world, client_for):
    initial(world)
    form = spec_for("06").form_class(
        {"typed-effective_date": "2026-03-30", "typed-reason": "终止挂牌决定 2026-1号", "typed-declaration": "on"},
        prefix="typed",
    )
    assert form.is_valid(), form.errors
    app = draft_business(world, "06", form)
    text, _ = text_of(client_for(world["cast"].issuer_a), reverse("counter:confirm", args=[app.pk]))
    assert "终止挂牌决定 2026-1号" in text and "此后不再办理登记业务\n是" in text
    assert "0 行" not in text and "数据行数" not in text and "持有明细" not in text and "申报文件" not in text


def test_a_refused_filing_lists_each_problem_on_a_line_of_its_own(world, client_for):
    initial(world)
    client = client_for(world["cast"].issuer_a)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    unknown = [
        ("0180009998", "赵六", "居民身份证", make_resident_id("11010519900101123"), 400, "00", None),
        ("0180009999", "钱七", "居民身份证", make_resident_id("11010519910202234"), 600, "00", None),
    ]
    response = client.post(
        reverse("counter:new"),
        {
            "securities_code": "920188",
            "business_type": BusinessType.objects.get(code="02").pk,
            "remark": "请办理",
            "attachments": [pdf_upload()],
            "typed-effective_date": TODAY.isoformat(),
            "typed-declared": "1000",
            "typed-declaration": "on",
            "typed-data_file": sheet(unknown),
        },
    )
    lines = visible_text(response.content.decode())[0].splitlines()
    heading = lines.index("申报数据与证券登记簿核对不符，整份申报不予接收：")
    assert lines[heading + 1].startswith("第2行") and "0180009998 未在本公司开立" in lines[heading + 1]
    assert lines[heading + 2].startswith("第3行") and "0180009999" in lines[heading + 2]
    assert not any("：；" in line or "。；" in line for line in lines)


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_a_closed_security_is_named_by_its_status_said_once(world, status):
    Security.objects.filter(code="920188").update(status=status)
    problems = business_problems(business=BUSINESSES["02"], code="920188", rows=[], effective_date=TODAY, declared=None)
    assert [p.message for p in problems] == [f"证券 920188 {SecurityStatus(status).label}，不能再办理登记业务。"]
    assert "已已" not in problems[0].message


def test_a_registration_effective_on_a_day_without_trading_is_refused(world):
    initial(world)
    saturday = dt.date(2026, 12, 12)
    form = business_form("02", [holder(world, 0, 3_000)], 3_000, effective=saturday)
    with pytest.raises(CounterError, match="登记生效日 2026-12-12 不是交易日，请选择交易日。"):
        draft_business(world, "02", form)


def test_a_security_that_left_the_register_is_no_longer_offered_but_its_final_list_can_still_be_read(world, client_for):
    cast = world["cast"]
    give_codes(cast.issuer_a.institution, "920199")
    initial(world)
    form = spec_for("06").form_class(
        {"typed-effective_date": "2026-03-30", "typed-reason": "终止挂牌决定 2026-1号", "typed-declaration": "on"},
        prefix="typed",
    )
    assert form.is_valid()
    from csdp.approvals.services import approval_approve

    app = sign_and_submit(draft_business(world, "06", form), cast.issuer_a, world["key"])
    approval_approve(approval=accept(world, app), by=cast.reviewer)
    client = client_for(cast.issuer_a)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    page = client.get(reverse("counter:new")).content.decode()
    assert '<option value="920199">' in page and '<option value="920188">' not in page
    final = client.get(
        "/register/query/", {"kind": "holders", "code": "920188", "as_of": "2026-03-30", "file_format": "xlsx"}
    )
    assert final.status_code == 200 and final["Content-Type"].startswith("application/vnd.openxmlformats")


def _entries(user) -> dict[str, str]:
    return {item["label"]: item["url"] for _, items in menu_for(user) for item in items}


def test_the_register_pages_are_in_the_menu_of_each_role_that_may_open_them(cast, client_for):
    wanted = {
        cast.issuer_a: {"持有人名册查询": "/register/query/"},
        cast.participant: {"持股变动数据文件（GFBD）": "/register/files/"},
        cast.operator: {"持有人名册查询": "/register/query/", "持股变动数据文件": "/register/files/"},
        cast.reviewer: {"持有人名册查询": "/register/query/", "持股变动数据文件": "/register/files/"},
    }
    for user, entries in wanted.items():
        shown = _entries(user)
        for label, url in entries.items():
            assert shown.get(label) == url, (user, label)
            assert client_for(user).get(url).status_code == 200, (user, url)
    for user in (cast.underwriter, cast.pledge_user):
        assert not {"/register/query/", "/register/files/"} & set(_entries(user).values()), user
    assert "/register/files/" not in _entries(cast.issuer_a).values()
    assert "/register/query/" not in _entries(cast.participant).values()
