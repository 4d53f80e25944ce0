"""The pages, driven as a browser would post them: notice → new → confirm with the key → returned →
resubmitted → accepted → result attached → results confirmed → 办结."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csdp.counter.models import Application, BusinessType
from csdp.counter.states import Status
from csdp.keys.testing import sign
from tests.counter.factories import pdf_upload, plain_type, xlsx_upload, zip_upload


def _sign_confirm(client, app, key):
    page = client.get(reverse("counter:confirm", args=[app.pk]))
    assert page.status_code == 200
    return client.post(reverse("counter:confirm", args=[app.pk]), {"key_signature": sign(key, page.context["signing"])})


def test_a_new_application_starts_with_the_notice(cast, client_for, codes):
    client = client_for(cast.issuer_a)
    assert client.get(reverse("counter:new")).url == reverse("counter:notice")
    refused = client.post(reverse("counter:notice"), follow=True)
    assert "请阅读温馨提示" in refused.content.decode()
    assert client.post(reverse("counter:notice"), {"acknowledged": "1"}).url == reverse("counter:new")
    page = client.get(reverse("counter:new")).content.decode()
    assert codes["a"] in page and "920003" in page and codes["b"] not in page


def test_the_guide_of_the_chosen_type_is_swapped_in(cast, client_for, codes):
    query = BusinessType.objects.get(code="07")
    html = (
        client_for(cast.issuer_a)
        .get(reverse("counter:type_guide"), {"business_type": query.pk}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "【信息查询】业务指南" in html and 'name="typed-query_kind"' in html


def test_the_new_form_reports_a_refused_attachment_set(cast, client_for, codes):
    client = client_for(cast.issuer_a)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    response = client.post(
        reverse("counter:new"),
        {
            "securities_code": codes["a"],
            "business_type": BusinessType.objects.get(code="00").pk,
            "attachments": [zip_upload(), pdf_upload()],
        },
    )
    assert response.status_code == 200
    assert "PDF 文件只能单独上传" in response.content.decode()
    assert not Application.objects.exists()


def test_the_whole_round_trip_through_the_pages(cast, client_for, codes, key_a):
    issuer, operator = client_for(cast.issuer_a), client_for(cast.operator)
    issuer.post(reverse("counter:notice"), {"acknowledged": "1"})
    response = issuer.post(
        reverse("counter:new"),
        {
            "securities_code": codes["a"],
            "business_type": plain_type("98").pk,
            "remark": "新增股份登记，请审核",
            "attachments": [zip_upload("一.zip"), zip_upload("二.zip")],
        },
    )
    app = Application.objects.get()
    assert response.url == reverse("counter:confirm", args=[app.pk])
    assert _sign_confirm(issuer, app, key_a).url == reverse("counter:detail", args=[app.pk])

    operator.post(reverse("counter:return", args=[app.pk]), {"return-kind": "modify", "return-opinion": "缺少验资报告"})
    app.refresh_from_db()
    assert app.status == Status.RETURNED and app.assignee == cast.operator
    page = issuer.get(reverse("counter:resubmit", args=[app.pk])).content.decode()
    assert "缺少验资报告" in page
    issuer.post(reverse("counter:resubmit", args=[app.pk]), {"remark": "已补充", "attachments": [pdf_upload("补.pdf")]})
    _sign_confirm(issuer, app, key_a)

    operator.post(reverse("counter:accept", args=[app.pk]), {"accept-opinion": "受理"})
    operator.post(reverse("counter:result_upload", args=[app.pk]), {"file": xlsx_upload("登记结果.xlsx")})
    operator.post(reverse("counter:issue_results", args=[app.pk]), {"note": "请查收"})
    app.refresh_from_db()
    assert app.status == Status.RESULT_ISSUED
    detail = issuer.get(reverse("counter:detail", args=[app.pk])).content.decode()
    assert "登记结果.xlsx" in detail and "确认结果并提交" in detail

    issuer.post(reverse("counter:confirm_results", args=[app.pk]))
    app.refresh_from_db()
    assert app.status == Status.FINISHED
    detail = issuer.get(reverse("counter:detail", args=[app.pk])).content.decode()
    for step in (
        "待确认提交 → 待受理",
        "待受理 → 退回待处理",
        "退回待处理 → 待受理",
        "待受理 → 办理中",
        "办理中 → 待确认结果",
        "待确认结果 → 办结",
    ):
        assert step in detail
    assert "本业务已办结" in detail and "撤回申请" not in detail


def test_a_wrong_signature_keeps_the_draft_and_says_why(cast, client_for, codes, key_a):
    from tests.counter.factories import draft

    app = draft(cast.issuer_a)
    client = client_for(cast.issuer_a)
    client.get(reverse("counter:confirm", args=[app.pk]))
    response = client.post(reverse("counter:confirm", args=[app.pk]), {"key_signature": "{}"}, follow=True)
    app.refresh_from_db()
    assert app.status == Status.DRAFT
    assert response.context["messages"]


def test_staff_assign_and_pass_on_an_application(cast, client_for, codes, key_a, django_user_model):
    from tests.counter.factories import draft, drive

    colleague = django_user_model.objects.create(username="operator2", staff_role="operator", display_name="郑办理")
    app = drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    client = client_for(cast.operator)
    client.post(reverse("counter:assign", args=[app.pk]), {"assignee": cast.operator.pk})
    client.post(reverse("counter:assign", args=[app.pk]), {"assignee": colleague.pk, "reason": "转办：熟悉该业务"})
    app.refresh_from_db()
    assert app.assignee == colleague
    assert list(app.assignments.values_list("assignee__username", "reason")) == [
        ("operator", ""),
        ("operator2", "转办：熟悉该业务"),
    ]
    detail = client.get(reverse("counter:detail", args=[app.pk])).content.decode()
    assert "分派给 郑办理" in detail


@pytest.mark.parametrize("who", ["admin", "operator"])
def test_staff_edit_a_guide_and_upload_a_template_the_issuer_downloads(cast, client_for, who):
    business = BusinessType.objects.get(code="05")
    staff = client_for(getattr(cast, who))
    staff.post(
        reverse("counter:catalogue_edit", args=[business.pk]),
        {
            "name": "权益分派",
            "guide": "新版权益分派指南：请提交实施公告。",
            "filer_kinds": ["issuer"],
            "handlers": [cast.operator.pk],
            "is_active": "on",
            "sort_order": 50,
        },
    )
    staff.post(
        reverse("counter:template_upload", args=[business.pk]),
        {"title": "权益分派申请表", "file": xlsx_upload("权益分派申请表.xlsx")},
    )
    business.refresh_from_db()
    assert business.guide == "新版权益分派指南：请提交实施公告。"
    assert list(business.handlers.all()) == [cast.operator]
    template = business.templates.get()
    issuer = client_for(cast.issuer_a)
    assert "新版权益分派指南" in issuer.get(reverse("counter:catalogue")).content.decode()
    assert issuer.get(reverse("counter:template_download", args=[template.pk])).status_code == 200


def test_an_issuer_cannot_edit_the_catalogue(cast, client_for):
    business = BusinessType.objects.get(code="05")
    response = client_for(cast.issuer_a).post(
        reverse("counter:catalogue_edit", args=[business.pk]), {"name": "改名", "guide": "", "sort_order": 1}
    )
    assert response.status_code == 403
    assert BusinessType.objects.get(code="05").name == "权益分派"


def test_a_template_must_be_a_pdf_or_excel(cast, client_for):
    business = BusinessType.objects.get(code="05")
    response = client_for(cast.admin).post(
        reverse("counter:template_upload", args=[business.pk]), {"title": "压缩包", "file": zip_upload()}, follow=True
    )
    assert not business.templates.exists()
    assert [str(m) for m in response.context["messages"]]


def test_a_filer_that_is_not_an_issuer_types_the_securities_code(cast, client_for):
    business = BusinessType.objects.create(code="89", name="承销商测试业务", filer_kinds=["underwriter"])
    client = client_for(cast.underwriter)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    page = client.get(reverse("counter:new")).content.decode()
    assert 'name="securities_code"' in page and "89-承销商测试业务" in page and "01-股份初始登记" not in page
    refused = client.post(
        reverse("counter:new"),
        {"securities_code": "92018", "business_type": business.pk, "attachments": [pdf_upload()]},
    )
    assert "证券代码为 6 位数字" in refused.content.decode()
    client.post(
        reverse("counter:new"),
        {"securities_code": "920188", "business_type": business.pk, "attachments": [pdf_upload()]},
    )
    app = Application.objects.get()
    assert (app.filer_institution, app.securities_code) == (cast.underwriter.institution, "920188")


def test_a_structured_query_is_filed_through_the_new_form(cast, client_for, codes):
    client = client_for(cast.issuer_a)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    base = {"securities_code": codes["a"], "business_type": BusinessType.objects.get(code="07").pk}
    refused = client.post(reverse("counter:new"), {**base, "typed-query_kind": "holder_register"})
    assert "请填写查询日期" in refused.content.decode() and not Application.objects.exists()
    client.post(
        reverse("counter:new"),
        {**base, "typed-query_kind": "restricted_details", "typed-as_of": "2026-01-05", "typed-code": codes["a"]},
    )
    app = Application.objects.get()
    assert app.rounds.get().data == {"query_kind": "restricted_details", "as_of": "2026-01-05", "code": codes["a"]}
    assert "限售股份明细" in client.get(reverse("counter:confirm", args=[app.pk])).content.decode()
