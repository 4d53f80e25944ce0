"""The issuer's signed submissions are verified by the services themselves (seed 000 §二: every
submission is signed with the USB-KEY): called directly, as the next API route would, a missing or
wrong signature is refused and nothing is written."""

from __future__ import annotations

import pytest

from csdp.issuers.models import InfoChangeApplication, InstitutionInfoVersion, InvoiceInfo
from csdp.issuers.selectors import institution_info_as_of
from csdp.issuers.services.agent import agent_info_update
from csdp.issuers.services.info import info_application_submit, institution_info_non_key_update
from csdp.issuers.services.invoice import invoice_info_submit
from csdp.keys.signing import SignatureRefused
from tests.issuers.conftest import TODAY
from tests.issuers.test_info import _stored, key_values_of, signed_payload
from tests.issuers.test_invoice import invoice_data


def _invoice(user, payload, attachments):
    return invoice_info_submit(
        institution=user.institution,
        user=user,
        values=invoice_data(),
        attachments=attachments,
        signature_payload=payload,
    )


def test_an_invoice_change_without_a_signature_is_refused(issuers):
    a = issuers.issuer_a
    for payload in (None, ""):
        with pytest.raises(SignatureRefused) as refused:
            _invoice(a, payload, [_stored(a)])
        assert refused.value.code == "key.signature_refused"
    assert not InvoiceInfo.objects.exists()


def test_an_invoice_change_signed_over_other_values_is_refused(issuers):
    a = issuers.issuer_a
    files = [_stored(a)]
    payload = signed_payload(a, "invoice_info", invoice_data(email="other@a.example"), files)

    with pytest.raises(SignatureRefused):
        _invoice(a, payload, files)

    assert not InvoiceInfo.objects.exists()


def test_an_invoice_change_signed_over_its_values_and_attachments_is_kept_with_its_signature(issuers):
    a = issuers.issuer_a
    files = [_stored(a)]

    info = _invoice(a, signed_payload(a, "invoice_info", invoice_data(), files), files)

    assert info.signature.method == "key" and info.signature.verify()


def test_a_key_field_change_signed_over_other_materials_is_refused(issuers):
    a = issuers.issuer_a
    proposed = institution_info_as_of(a.institution, TODAY).values()
    proposed["legal_rep_name"] = "新法人"
    filed, other = [_stored(a)], [_stored(a)]
    other[0].sha256 = "0" * 64  # a signature over different materials
    payload = signed_payload(a, "institution_key_change", key_values_of(proposed), other)

    with pytest.raises(SignatureRefused):
        info_application_submit(
            institution=a.institution, user=a, proposed=proposed, materials=filed, signature_payload=payload
        )

    assert not InfoChangeApplication.objects.exists()


def test_a_non_key_change_without_a_signature_is_refused(issuers):
    a = issuers.issuer_a
    values = institution_info_as_of(a.institution, TODAY).values()
    values["phone"] = "010-99998888"
    before = InstitutionInfoVersion.objects.count()

    with pytest.raises(SignatureRefused):
        institution_info_non_key_update(institution=a.institution, user=a, values=values, signature_payload="")

    assert InstitutionInfoVersion.objects.count() == before


def test_an_agent_update_with_a_wrong_signature_is_refused_and_the_mobile_stays(issuers):
    a = issuers.issuer_a
    mobile = a.mobile
    values = {
        "display_name": "新经办",
        "mobile": "13900000009",
        "email": "new@a.example",
        "agent_id_type": "id_card",
        "agent_id_number": "110101199001011234",
        "postal_province": "北京市",
        "postal_city": "北京市",
        "postal_district": "海淀区",
        "postal_detail": "中关村大街 1 号",
    }
    payload = signed_payload(a, "agent_info", {**values, "mobile": "13900000008"}, [])

    with pytest.raises(SignatureRefused):
        agent_info_update(user=a, values=values, signature_payload=payload)

    a.refresh_from_db()
    assert a.mobile == mobile
