"""增值税发票信息 (000 §二(三)): certificate login, double entry, taxpayer types, next-day effect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from csdp.issuers.models import InvoiceInfo
from csdp.issuers.selectors import effective_invoice_info
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.invoice import invoice_info_submit
from tests.issuers.conftest import TODAY, pdf

INVOICE = reverse("issuers:invoice_info")


def invoice_data(**overrides) -> dict:
    data = {
        "taxpayer_type": "general",
        "invoice_type": "e_ordinary",
        "securities_code": "920001",
        "title": "甲发行人股份有限公司",
        "title_again": "甲发行人股份有限公司",
        "taxpayer_id": "91110108MA01ABCD1E",
        "taxpayer_id_again": "91110108MA01ABCD1E",
        "address_phone": "北京市海淀区 010-1234",
        "address_phone_again": "北京市海淀区 010-1234",
        "bank_account": "工行海淀支行 0200",
        "bank_account_again": "工行海淀支行 0200",
        "email": "fp@a.example",
    }
    data.update(overrides)
    return data


def test_it_needs_a_certificate_login(issuers):
    client = Client()
    client.force_login(issuers.issuer_a)
    session = client.session
    session["login_scope"] = "password_sms"
    session.save()
    assert client.get(INVOICE).url == reverse("portal:scope_limited")


def test_submitted_info_takes_effect_the_next_day(issuers, signer_for):
    a = issuers.issuer_a
    response = signer_for(a).submit(INVOICE, invoice_data(), {"business_licence": pdf("营业执照.pdf")})
    assert response.url == INVOICE
    info = InvoiceInfo.objects.get(institution=a.institution)
    assert info.effective_from == TODAY + dt.timedelta(days=1)
    assert info.signature.verify()
    assert effective_invoice_info(a.institution, TODAY) is None
    assert effective_invoice_info(a.institution, TODAY + dt.timedelta(days=1)) == info


def test_a_mismatched_double_entry_names_the_field(issuers, signer_for):
    response = signer_for(issuers.issuer_a).submit(
        INVOICE, invoice_data(bank_account_again="工行海淀支行 0201"), {"business_licence": pdf()}
    )
    assert "两次填写的“开户行及账号”不一致，请核对后重新填写。" in response.content.decode()
    assert not InvoiceInfo.objects.exists()


def test_a_small_taxpayer_cannot_have_the_paper_special_invoice(issuers, signer_for):
    response = signer_for(issuers.issuer_a).submit(
        INVOICE, invoice_data(taxpayer_type="small", invoice_type="paper_special"), {"business_licence": pdf()}
    )
    assert "非一般纳税人只能开具增值税电子普通发票。" in response.content.decode()
    with pytest.raises(IssuerRefused):
        invoice_info_submit(
            institution=issuers.issuer_a.institution,
            user=issuers.issuer_a,
            attachments=[object()],
            values=invoice_data(taxpayer_type="small", invoice_type="paper_special"),
        )
    assert not InvoiceInfo.objects.exists()


def test_only_the_institutions_codes_are_offered(issuers, signer_for):
    response = signer_for(issuers.issuer_a).submit(
        INVOICE, invoice_data(securities_code="920002"), {"business_licence": pdf()}
    )
    assert "请选择本机构的证券代码。" in response.content.decode()


def test_without_three_in_one_the_tax_certificates_are_required(cast, signer_for):
    from tests.issuers.conftest import give_profile

    give_profile(cast.issuer_a, "920001", three_in_one=False)
    response = signer_for(cast.issuer_a).submit(INVOICE, invoice_data(), {"business_licence": pdf()})
    page = response.content.decode()
    assert "请上传税务登记证。" in page and "一般纳税人须上传一般纳税人资格证明。" in page
    response = signer_for(cast.issuer_a).submit(
        INVOICE,
        invoice_data(),
        {"tax_registration": pdf("税务登记证.pdf"), "general_taxpayer": pdf("一般纳税人资格证明.pdf")},
    )
    assert response.status_code == 302
    assert InvoiceInfo.objects.get().attachments.count() == 2


def test_the_latest_submission_wins_and_the_old_info_stays_in_force_until_tomorrow(issuers, signer_for):
    a = issuers.issuer_a
    old = InvoiceInfo.objects.create(
        institution=a.institution,
        effective_from=dt.date(2025, 1, 1),
        taxpayer_type="small",
        invoice_type="e_ordinary",
        securities_code="920001",
        title="旧名称",
        taxpayer_id="91110108MA01ABCD1E",
        address_phone="x",
        bank_account="y",
        email="o@a.cn",
    )
    signer_for(a).submit(INVOICE, invoice_data(title="新名称", title_again="新名称"), {"business_licence": pdf()})
    assert effective_invoice_info(a.institution, TODAY) == old
    assert effective_invoice_info(a.institution, TODAY + dt.timedelta(days=1)).title == "新名称"
