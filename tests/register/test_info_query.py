"""信息查询, the structured type: its form and validation, and the Excel result built on acceptance
from the share register (csdp.register.selectors.holders_of, holding_changes)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from csdp.counter import handling
from csdp.counter.models import BusinessType, FilePurpose
from csdp.counter.registry import spec_for
from csdp.counter.services import CounterError, application_draft
from csdp.register.info_query import CODE, InfoQueryForm
from csdp.lib.ids import make_resident_id
from tests.counter.conftest import codes, key_a  # noqa: F401  (fixtures: the issuers' codes, a key)
from tests.counter.factories import sign_and_submit

TODAY = dt.date(2026, 3, 30)


@pytest.fixture(autouse=True)
def frozen_clock(db):
    from csdp.clock.services import at_local, clock_set

    clock_set(moment=at_local(TODAY, 10, 0), frozen=True)


def _form(**overrides):
    data = {"typed-query_kind": "holder_register", "typed-as_of": "2026-03-27", "typed-code": "920001", **overrides}
    return InfoQueryForm(data, prefix="typed")


def test_the_form_takes_a_kind_a_date_and_a_six_digit_code():
    form = _form()
    assert form.is_valid(), form.errors
    assert form.json_data() == {"query_kind": "holder_register", "as_of": "2026-03-27", "code": "920001"}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("typed-query_kind", "everything", "请选择有效的查询类型"),
        ("typed-as_of", "", "请填写查询日期"),
        ("typed-as_of", "2026-13-01", "请填写有效的日期"),
        ("typed-code", "92001", "证券代码为 6 位数字"),
    ],
)
def test_the_form_explains_what_is_wrong(field, value, message):
    form = _form(**{field: value})
    assert not form.is_valid()
    assert message in str(form.errors)


def test_the_form_takes_an_optional_period_start_and_account_for_the_changes():
    form = _form(
        **{"typed-query_kind": "holding_changes", "typed-date_from": "2026-01-05", "typed-account": "0180000001"}
    )
    assert form.is_valid(), form.errors
    assert form.json_data() == {
        "query_kind": "holding_changes",
        "as_of": "2026-03-27",
        "code": "920001",
        "date_from": "2026-01-05",
        "account": "0180000001",
    }


def test_the_form_refuses_a_period_that_starts_after_it_ends():
    form = _form(**{"typed-date_from": "2026-03-28"})
    assert not form.is_valid()
    assert "起始日期不能晚于查询日期" in str(form.errors)


def _query(user, **data):
    payload = {"query_kind": "holder_register", "as_of": "2026-03-27", "code": "920001", **data}
    return application_draft(
        user=user, business_type=BusinessType.objects.get(code=CODE), securities_code="920001", data=payload
    )


def test_a_query_needs_no_attachment(cast, codes):
    app = _query(cast.issuer_a)
    assert app.rounds.get().data["query_kind"] == "holder_register"
    assert not app.files.exists()


def test_it_refuses_a_date_after_today(cast, codes):
    with pytest.raises(CounterError, match="不能晚于今天"):
        _query(cast.issuer_a, as_of="2026-03-31")


def test_it_refuses_a_code_of_another_issuer(cast, codes):
    with pytest.raises(CounterError, match="不是本机构的证券"):
        _query(cast.issuer_a, code=codes["b"])


def test_the_spec_is_registered_and_the_catalogue_row_exists():
    assert spec_for(CODE).form_class is InfoQueryForm
    assert BusinessType.objects.get(code=CODE).name == "信息查询"


@pytest.fixture
def register(db):
    """Two holders of 920001 on the register: one unrestricted, one with a restricted lot."""
    from csdp.register.services import register_apply
    from csdp.securities.services import account_open, investor_create, security_create

    security = security_create(code="920001", name="甲股份", kind="stock", market="BSE")
    zhang = investor_create(
        ymt_number="180000000001",
        name="张明",
        id_type="resident_id",
        id_number=make_resident_id("11010519800101123"),
        holder_type="03",
    )
    li = investor_create(
        ymt_number="180000000002",
        name="李华",
        id_type="resident_id",
        id_number=make_resident_id("11010519850202234"),
        holder_type="03",
    )
    zhang_account = account_open(number="0180000001", investor=zhang, market="BSE")
    li_account = account_open(number="0180000002", investor=li, market="BSE")
    base = {"security": security, "event_type": "initial", "business_date": TODAY}
    register_apply(
        events=[
            {**base, "account": zhang_account, "key": "t1", "quantity_delta": 1000},
            {
                **base,
                "account": li_account,
                "key": "t2",
                "quantity_delta": 5000,
                "share_nature": "06",
                "lockup_end": dt.date(2027, 3, 30),
            },
        ]
    )


def _accepted_report(cast, key, kind, **data):
    app = sign_and_submit(_query(cast.issuer_a, query_kind=kind, **data), cast.issuer_a, key)
    handling.application_accept(application=app, actor=cast.operator)
    result = app.files.get(purpose=FilePurpose.RESULT)
    with result.stored_file.open() as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    return result, [list(r) for r in book.active.iter_rows(values_only=True)]


def test_acceptance_attaches_a_holder_register_built_from_the_register(cast, codes, key_a, register):
    result, rows = _accepted_report(cast, key_a, "holder_register")
    assert result.stored_file.detected_type == "xlsx"
    assert result.stored_file.original_name.endswith("股东名册-920001.xlsx")
    assert "股东名册（证券代码 920001，截至 2026-03-27）" in rows[0][0]
    assert rows[2][:4] == ["序号", "一码通账户", "证券账户", "股东名称"]
    holders = rows[3:5]
    assert [(r[3], r[5]) for r in holders] == [("李华", 5000), ("张明", 1000)]
    assert rows[5][0] == "合计 2 条"


def test_the_restricted_details_list_only_restricted_lots(cast, codes, key_a, register):
    _, rows = _accepted_report(cast, key_a, "restricted_details")
    assert [(r[3], r[5], r[6]) for r in rows[3:-1]] == [("李华", "2027-03-30", 5000)]


def test_a_code_not_yet_on_the_register_gives_an_empty_report_that_says_so(cast, codes, key_a):
    _, rows = _accepted_report(cast, key_a, "holding_changes")
    assert "尚无记录" in rows[1][0]
    assert rows[-1][0] == "合计 0 条"


def test_the_application_page_labels_the_structured_content(cast, client_for, codes):
    from django.urls import reverse

    app = _query(cast.issuer_a, query_kind="restricted_details")
    page = client_for(cast.issuer_a).get(reverse("counter:detail", args=[app.pk])).content.decode()
    assert "查询类型：限售股份明细" in page and "查询证券代码：920001" in page


@pytest.fixture
def history(db):
    """920001 was NEEQ 830001 until its L-1 switch on 2026-03-20: 张明 bought, pledged, kept his pledge
    across the switch and released it; 李华 holds a restricted lot."""
    from csdp.register.services import register_apply, security_code_switch
    from csdp.securities.services import account_open, investor_create, security_code_change_register, security_create

    neeq = security_create(code="830001", name="甲股份", kind="stock", market="NEEQ")
    security_code_change_register(
        old_code="830001", new_code="920001", effective_date=dt.date(2026, 3, 20), reason="北交所代码切换"
    )
    zhang = account_open(
        number="0180000001",
        market="BSE",
        investor=investor_create(
            ymt_number="180000000001",
            name="张明",
            id_type="resident_id",
            id_number=make_resident_id("11010519800101123"),
            holder_type="03",
        ),
    )
    li = account_open(
        number="0180000002",
        market="BSE",
        investor=investor_create(
            ymt_number="180000000002",
            name="李华",
            id_type="resident_id",
            id_number=make_resident_id("11010519850202234"),
            holder_type="03",
        ),
    )

    def on(day, key, account, event_type="initial", security=neeq, **deltas):
        return {
            "security": security,
            "account": account,
            "event_type": event_type,
            "business_date": day,
            "key": key,
            **deltas,
        }

    register_apply(
        events=[
            on(dt.date(2026, 1, 5), "z1", zhang, quantity_delta=1_000),
            on(dt.date(2026, 2, 2), "zp", zhang, "pledge", pledged_delta=400),
            on(dt.date(2026, 2, 2), "l1", li, quantity_delta=5_000, share_nature="06", lockup_end=dt.date(2027, 3, 30)),
        ]
    )
    security_code_switch(old_code="830001", new_code="920001", effective_date=dt.date(2026, 3, 20), actor=None)
    new = neeq.__class__.objects.get(code="920001")
    register_apply(
        events=[
            on(dt.date(2026, 3, 25), "zr", zhang, "pledge_release", security=new, pledged_delta=-400),
            on(dt.date(2026, 3, 30), "z2", zhang, security=new, quantity_delta=100),
        ]
    )  # after 查询日期


def test_the_holding_changes_report_lists_each_change_of_the_period_with_the_balance_after_it(
    cast, codes, key_a, history
):
    _, rows = _accepted_report(cast, key_a, "holding_changes", date_from="2026-02-01", account="0180000001")
    assert "持股变动（证券代码 920001，证券账户 0180000001，2026-02-01 至 2026-03-27）" in rows[0][0]
    assert "变动记录" in rows[1][0] and "当前持有" not in rows[1][0]
    assert rows[2][1:3] == ["变动日期", "变动类型"]
    # date, type, code, nature, quantity change, pledged change, balance after, pledged after
    assert [(r[1], r[2], r[3], r[7], r[9], r[11], r[12], r[14]) for r in rows[3:-1]] == [
        ("2026-02-02", "质押登记", "830001", "无限售流通股", 0, 400, 1_000, 400),
        ("2026-03-20", "代码转换转出", "830001", "无限售流通股", -1_000, -400, 1_000, 400),
        ("2026-03-20", "代码转换转入", "920001", "无限售流通股", 1_000, 400, 1_000, 400),
        ("2026-03-25", "解除质押", "920001", "无限售流通股", 0, -400, 1_000, 0),
    ]
    assert rows[-1][0] == "合计 4 条"


def test_without_an_account_the_holding_changes_cover_every_holder_and_restricted_lots(cast, codes, key_a, history):
    _, rows = _accepted_report(cast, key_a, "holding_changes")
    lines = [(r[1], r[2], r[6], r[7], r[8], r[12]) for r in rows[3:-1]]
    assert ("2026-01-05", "股份初始登记", "张明", "无限售流通股", None, 1_000) in lines
    assert ("2026-02-02", "股份初始登记", "李华", "限售流通股（机构）", "2027-03-30", 5_000) in lines
    assert len(lines) == 8  # 3 events before the switch, 2 × 2 for the switch, the release; not the 03-30 buy
