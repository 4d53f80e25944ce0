"""信息查询, the structured type: its form and validation, and the Excel result built on acceptance
from the share register (csdp.register.selectors.holders_of)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from csdp.counter import handling
from csdp.counter.models import BusinessType, FilePurpose
from csdp.counter.registry import spec_for
from csdp.counter.services import CounterError, application_draft
from csdp.counter.types.info_query import CODE, InfoQueryForm
from csdp.lib.ids import make_resident_id
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


@pytest.mark.parametrize("field, value, message", [
    ("typed-query_kind", "everything", "请选择有效的查询类型"),
    ("typed-as_of", "", "请填写查询日期"),
    ("typed-as_of", "2026-13-01", "请填写有效的日期"),
    ("typed-code", "92001", "证券代码为 6 位数字"),
])
def test_the_form_explains_what_is_wrong(field, value, message):
    form = _form(**{field: value})
    assert not form.is_valid()
    assert message in str(form.errors)


def _query(user, **data):
    payload = {"query_kind": "holder_register", "as_of": "2026-03-27", "code": "920001", **data}
    return application_draft(user=user, business_type=BusinessType.objects.get(code=CODE), securities_code="920001",
                             data=payload)


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
    zhang = investor_create(ymt_number="180000000001", name="张明", id_type="resident_id",
                            id_number=make_resident_id("11010519800101123"), holder_type="03")
    li = investor_create(ymt_number="180000000002", name="李华", id_type="resident_id",
                         id_number=make_resident_id("11010519850202234"), holder_type="03")
    zhang_account = account_open(number="0180000001", investor=zhang, market="BSE")
    li_account = account_open(number="0180000002", investor=li, market="BSE")
    base = {"security": security, "event_type": "initial", "business_date": TODAY}
    register_apply(events=[
        {**base, "account": zhang_account, "key": "t1", "quantity_delta": 1000},
        {**base, "account": li_account, "key": "t2", "quantity_delta": 5000, "share_nature": "06",
         "lockup_end": dt.date(2027, 3, 30)},
    ])


def _accepted_report(cast, key, kind):
    app = sign_and_submit(_query(cast.issuer_a, query_kind=kind), cast.issuer_a, key)
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
