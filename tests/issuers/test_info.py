"""本机构信息维护 (000 §二(二)): key fields through review, effective the day after approval; non-key
fields at once; a pending or rejected application blocks new ones until handled in 申请列表."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csdp.clock.services import at_local, clock_set
from csdp.issuers.models import InfoChangeApplication
from csdp.issuers.selectors import institution_info_as_of
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.info import (
    info_application_approve,
    info_application_reject,
    info_application_submit,
    institution_names_apply,
)
from csdp.issuers.states import ApplicationStatus
from csdp.keys.models import Signature
from tests.issuers.conftest import TODAY, pdf

KEY_CHANGE = reverse("issuers:institution_key_change")


def key_data(institution, **overrides) -> dict:
    info = institution_info_as_of(institution, TODAY)
    data = {
        "name": info.name,
        "uscc": info.uscc,
        "licence_valid_from": "2015-01-01",
        "licence_long_term": "on",
        "three_in_one": "on",
        "registered_address": info.registered_address,
        "legal_rep_name": info.legal_rep_name,
    }
    data.update(overrides)
    return data


def file_key_change(signer, institution, **overrides):
    return signer.submit(KEY_CHANGE, key_data(institution, **overrides), {"change_support_1": pdf("变更证明.pdf")})


def submit_directly(user, **changes) -> InfoChangeApplication:
    proposed = institution_info_as_of(user.institution, TODAY).values()
    proposed.update(changes)
    materials = [_stored(user)]
    return info_application_submit(
        institution=user.institution,
        user=user,
        proposed=proposed,
        materials=materials,
        signature_payload=signed_payload(user, "institution_key_change", key_values_of(proposed), materials),
    )


def key_values_of(values: dict) -> dict:
    from csdp.issuers.models.profile import KEY_FIELDS

    return {k: values[k] for k in KEY_FIELDS}


def signed_payload(user, kind: str, values: dict, files: list) -> str:
    """What the browser posts after the key signed this submission (a fresh software key)."""
    from csdp.issuers.signing import digest_of
    from csdp.keys.signing import signing_context
    from csdp.keys.testing import enrol_test_key, sign

    return sign(enrol_test_key(user), signing_context(user=user, digest=digest_of(kind, values, files)))


def _stored(user):
    from csdp.uploads.services import upload_store

    return upload_store(file=pdf(), kind="scan", owner=user.institution, actor=user)


def test_a_key_change_is_signed_reviewed_and_effective_the_day_after_approval(issuers, signer_for, client_for):
    a = issuers.issuer_a
    response = file_key_change(signer_for(a), a.institution, registered_address="北京市海淀区新址路 8 号")
    application = InfoChangeApplication.objects.get(institution=a.institution)
    assert response.url == reverse("issuers:info_application_detail", kwargs={"info_application_id": application.pk})
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.signature.method == Signature.Method.KEY and application.signature.verify()
    assert application.materials.count() == 1
    # Nothing changes before review.
    assert institution_info_as_of(a.institution, TODAY).registered_address == "北京市海淀区旧址路 1 号"

    page = (
        client_for(issuers.reviewer)
        .get(reverse("issuers:info_application_review", kwargs={"info_application_id": application.pk}))
        .content.decode()
    )
    assert "验签结果" in page and "有效" in page and "北京市海淀区新址路 8 号" in page
    client_for(issuers.reviewer).post(
        reverse("issuers:info_application_decide", kwargs={"info_application_id": application.pk}),
        {"decision": "approve"},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.effective_from == TODAY + dt.timedelta(days=1)
    # The approval day still reads the old address; the next day the new one.
    assert institution_info_as_of(a.institution, TODAY).registered_address == "北京市海淀区旧址路 1 号"
    assert (
        institution_info_as_of(a.institution, TODAY + dt.timedelta(days=1)).registered_address
        == "北京市海淀区新址路 8 号"
    )


def test_a_name_change_reaches_the_institution_row_when_the_business_day_comes(issuers):
    a = issuers.issuer_a
    application = submit_directly(a, name="甲发行人科技股份有限公司")
    info_application_approve(application=application, actor=issuers.reviewer)
    assert institution_names_apply(on=TODAY) == 0
    a.institution.refresh_from_db()
    assert a.institution.name == "甲发行人股份有限公司"
    clock_set(moment=at_local(TODAY + dt.timedelta(days=1), 9), frozen=True)
    response_page = _client(a).get(reverse("issuers:institution_info")).content.decode()
    a.institution.refresh_from_db()
    assert a.institution.name == "甲发行人科技股份有限公司"
    assert "甲发行人科技股份有限公司" in response_page


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_change_without_materials_is_refused(issuers, signer_for):
    a = issuers.issuer_a
    response = signer_for(a).submit(KEY_CHANGE, key_data(a.institution, legal_rep_name="新法人"))
    assert "修改关键信息须上传相关审核材料。" in response.content.decode()
    assert not InfoChangeApplication.objects.exists()


def test_a_change_that_changes_nothing_is_refused(issuers):
    with pytest.raises(IssuerRefused) as refused:
        submit_directly(issuers.issuer_a)
    assert refused.value.message == "关键信息没有变化，无需提交审核。"


def test_an_unsigned_confirmation_is_refused(issuers, signer_for):
    a = issuers.issuer_a
    signer = signer_for(a)
    first = signer.client.post(
        KEY_CHANGE, {**key_data(a.institution, legal_rep_name="新法人"), "change_support_1": pdf()}
    )
    assert "signing" in first.context
    stored = first.context["files"][0][1]
    response = signer.client.post(
        KEY_CHANGE,
        {**key_data(a.institution, legal_rep_name="新法人"), "confirm": "1", "change_support_1_stored": str(stored.pk)},
    )
    assert "请使用 USB-KEY 签名后提交。" in response.content.decode()
    assert not InfoChangeApplication.objects.exists()


def test_a_signature_over_other_content_is_refused(issuers, signer_for):
    from csdp.keys.testing import sign

    a = issuers.issuer_a
    signer = signer_for(a)
    first = signer.client.post(
        KEY_CHANGE, {**key_data(a.institution, legal_rep_name="新法人"), "change_support_1": pdf()}
    )
    stored = first.context["files"][0][1]
    payload = sign(signer.key, first.context["signing"])
    # The signed page said 新法人; the confirmation posts another name.
    response = signer.client.post(
        KEY_CHANGE,
        {
            **key_data(a.institution, legal_rep_name="别人"),
            "confirm": "1",
            "change_support_1_stored": str(stored.pk),
            "key_signature": payload,
        },
    )
    assert response.status_code == 200
    assert not InfoChangeApplication.objects.exists()


def test_a_rejected_application_blocks_new_ones_until_withdrawn(issuers, signer_for, client_for):
    a = issuers.issuer_a
    application = submit_directly(a, legal_rep_name="新法人")
    with pytest.raises(IssuerRefused) as refused:
        submit_directly(a, legal_rep_name="另一位")
    assert refused.value.message == "存在待审核的信息维护申请，审核完成前不能发起新的申请。"
    info_application_reject(application=application, actor=issuers.reviewer, reason="材料未盖章")
    with pytest.raises(IssuerRefused) as refused:
        submit_directly(a, legal_rep_name="另一位")
    assert "存在被驳回的信息维护申请，请先在申请列表中处理" in refused.value.message
    # The page locks the key fields and points to 申请列表; the form redirects to the blocking one.
    page = client_for(a).get(reverse("issuers:institution_info")).content.decode()
    assert "所有关键信息暂不能修改" in page
    assert client_for(a).get(KEY_CHANGE).url == reverse(
        "issuers:info_application_detail", kwargs={"info_application_id": application.pk}
    )
    listing = client_for(a).get(reverse("portal:my_applications")).content.decode()
    assert "已驳回" in listing and "待处理" in listing

    client_for(a).post(reverse("issuers:info_application_withdraw", kwargs={"info_application_id": application.pk}))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert submit_directly(a, legal_rep_name="另一位").status == ApplicationStatus.SUBMITTED


def test_a_rejected_application_is_corrected_and_resubmitted(issuers, signer_for):
    a = issuers.issuer_a
    application = submit_directly(a, legal_rep_name="新法人")
    info_application_reject(application=application, actor=issuers.reviewer, reason="材料未盖章")
    url = reverse("issuers:info_application_resubmit", kwargs={"info_application_id": application.pk})
    response = signer_for(a).submit(
        url, key_data(a.institution, legal_rep_name="新法人"), {"change_support_1": pdf("盖章材料.pdf")}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.materials.get().original_name == "盖章材料.pdf"
    assert list(application.transitions.values_list("to_state", flat=True)) == ["submitted", "rejected", "submitted"]


def test_rejection_tells_the_applicant(issuers):
    from csdp.notify.models import OutboxMessage

    application = submit_directly(issuers.issuer_a, legal_rep_name="新法人")
    info_application_reject(application=application, actor=issuers.reviewer, reason="材料未盖章")
    assert OutboxMessage.objects.filter(recipient=issuers.issuer_a.mobile, purpose="info_application_rejected").exists()


def test_non_key_fields_take_effect_at_once_without_review(issuers, signer_for):
    a = issuers.issuer_a
    response = signer_for(a).submit(
        reverse("issuers:institution_non_key"), {"phone": "010-99998888", "postcode": "100080"}
    )
    assert response.url == reverse("issuers:institution_info")
    assert institution_info_as_of(a.institution, TODAY).phone == "010-99998888"
    assert not InfoChangeApplication.objects.exists()


def test_a_non_key_change_is_kept_by_a_key_change_already_approved_for_tomorrow(issuers, signer_for):
    a = issuers.issuer_a
    info_application_approve(application=submit_directly(a, legal_rep_name="新法人"), actor=issuers.reviewer)
    signer_for(a).submit(reverse("issuers:institution_non_key"), {"phone": "010-99998888"})
    tomorrow = institution_info_as_of(a.institution, TODAY + dt.timedelta(days=1))
    assert (tomorrow.legal_rep_name, tomorrow.phone) == ("新法人", "010-99998888")
    assert institution_info_as_of(a.institution, TODAY).legal_rep_name == "原法人"


def test_issuer_b_cannot_see_or_handle_issuer_as_applications(issuers, client_for):
    application = submit_directly(issuers.issuer_a, legal_rep_name="新法人")
    b = client_for(issuers.issuer_b)
    kwargs = {"info_application_id": application.pk}
    assert b.get(reverse("issuers:info_application_detail", kwargs=kwargs)).status_code == 404
    assert b.post(reverse("issuers:info_application_withdraw", kwargs=kwargs)).status_code == 404
    assert b.get(reverse("issuers:info_application_resubmit", kwargs=kwargs)).status_code == 404
    assert "关键信息变更" not in b.get(reverse("portal:my_applications")).content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_the_reviewer_queue_lists_pending_applications(issuers, client_for):
    submit_directly(issuers.issuer_a, legal_rep_name="新法人")
    assert (
        "甲发行人股份有限公司"
        in client_for(issuers.reviewer).get(reverse("issuers:info_application_queue")).content.decode()
    )
    assert "本机构信息变更申请" in client_for(issuers.reviewer).get(reverse("portal:staff_queue")).content.decode()


def test_rejection_needs_a_reason(issuers):
    application = submit_directly(issuers.issuer_a, legal_rep_name="新法人")
    with pytest.raises(IssuerRefused) as refused:
        info_application_reject(application=application, actor=issuers.reviewer, reason=" ")
    assert refused.value.message == "请填写驳回原因。"


def test_resubmitting_offers_the_materials_already_filed(issuers, signer_for):
    a = issuers.issuer_a
    application = submit_directly(a, legal_rep_name="新法人")
    info_application_reject(application=application, actor=issuers.reviewer, reason="法定代表人姓名有误")
    url = reverse("issuers:info_application_resubmit", kwargs={"info_application_id": application.pk})
    signer = signer_for(a)
    page = signer.client.get(url).content.decode()
    filed = application.materials.get()
    assert f'name="change_support_1_stored" value="{filed.pk}"' in page
    response = signer.submit(
        url, {**key_data(a.institution, legal_rep_name="新法人甲"), "change_support_1_stored": str(filed.pk)}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.proposed["legal_rep_name"] == "新法人甲" and list(application.materials.all()) == [filed]


def test_another_institutions_file_cannot_be_passed_off_as_a_material(issuers, signer_for):
    b_file = _stored(issuers.issuer_b)
    a = issuers.issuer_a
    response = signer_for(a).submit(
        KEY_CHANGE, {**key_data(a.institution, legal_rep_name="新法人"), "change_support_1_stored": str(b_file.pk)}
    )
    assert "修改关键信息须上传相关审核材料。" in response.content.decode()
    assert not InfoChangeApplication.objects.exists()


def test_the_page_shows_an_open_licence_end_as_long_term_and_no_org_code_under_three_in_one(issuers, client_for):
    page = client_for(issuers.issuer_a).get(reverse("issuers:institution_info")).content.decode()
    assert "<td>长期有效</td>" in page and "<td>2015-01-01</td>" in page
    assert "组织机构代码" not in page


def test_approval_tells_the_applicant_when_it_takes_effect(issuers):
    from csdp.notify.models import OutboxMessage

    info_application_approve(
        application=submit_directly(issuers.issuer_a, legal_rep_name="新法人"), actor=issuers.reviewer
    )
    message = OutboxMessage.objects.get(recipient=issuers.issuer_a.mobile, purpose="info_application_approved")
    assert "2026-03-03" in message.body


def test_the_start_of_day_command_applies_names_in_force(issuers):
    from django.core.management import call_command

    a = issuers.issuer_a
    info_application_approve(application=submit_directly(a, name="甲发行人科技股份有限公司"), actor=issuers.reviewer)
    clock_set(moment=at_local(TODAY + dt.timedelta(days=1), 0, 5), frozen=True)
    call_command("issuers_apply_names")
    a.institution.refresh_from_db()
    assert a.institution.name == "甲发行人科技股份有限公司"
