"""A service that accepts a signed submission verifies the signature itself, under the lock of what it
writes: called directly (as the next API route or command would), a missing or wrong signature is
refused and nothing is written (seed 000 §二: every submission is signed with the USB-KEY)."""

from __future__ import annotations

import pytest

from csdp.fees import services as fees
from csdp.fees.models import PaymentDeclaration
from csdp.greenshoe.models import FilingStatus
from csdp.greenshoe.services import filing_content, filing_sign
from csdp.keys.signing import SignatureRefused, signing_context, submission_digest
from csdp.keys.testing import enrol_test_key, sign
from tests.fees import factories
from tests.greenshoe import world
from tests.greenshoe.test_services import FIRST, dj
from tests.greenshoe.world import at

pytestmark = pytest.mark.django_db


def _declare(cast, notice, payload: str):
    return fees.payment_declare(
        notice=notice,
        amount_fen=notice.total_fen,
        bank_reference="B1",
        paid_on=notice.issued_on,
        user=cast.issuer_a,
        signature_payload=payload,
    )


def test_a_payment_declaration_without_a_signature_is_refused_by_the_service(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)

    with pytest.raises(SignatureRefused) as refused:
        _declare(cast, notice, "")

    assert refused.value.code == "key.signature_refused"
    assert not PaymentDeclaration.objects.exists()


def test_a_payment_declaration_signed_over_other_content_is_refused_by_the_service(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    other = fees.declaration_content(notice=notice, amount_fen=1, bank_reference="B1", paid_on=notice.issued_on)
    payload = sign(
        enrol_test_key(cast.issuer_a), signing_context(user=cast.issuer_a, digest=submission_digest(content=other))
    )

    with pytest.raises(SignatureRefused):
        _declare(cast, notice, payload)

    assert not PaymentDeclaration.objects.exists()


def test_a_payment_declaration_signed_over_its_own_content_is_taken(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    content = fees.declaration_content(
        notice=notice, amount_fen=notice.total_fen, bank_reference="B1", paid_on=notice.issued_on
    )
    payload = sign(
        enrol_test_key(cast.issuer_a), signing_context(user=cast.issuer_a, digest=submission_digest(content=content))
    )

    declaration = _declare(cast, notice, payload)

    assert declaration.signature.method == "key" and declaration.signature.verify()


def test_a_greenshoe_filing_without_a_valid_signature_stays_unsigned(cast):
    option, _, _, (a, *_) = world.build(cast)
    at(FIRST)
    filing = dj(cast, option, [world.dj_row(a, 1_000)], sign=False)
    key = enrol_test_key(cast.issuer_a)
    stale = sign(key, signing_context(user=cast.issuer_a, digest=submission_digest(content={"other": 1})))

    for payload in ("", "not json", stale):
        with pytest.raises(SignatureRefused):
            filing_sign(filing=filing, signature_payload=payload, actor=cast.issuer_a)

    filing.refresh_from_db()
    assert filing.status == FilingStatus.VALIDATED and filing.signature_id is None
    good = sign(
        key,
        signing_context(
            user=cast.issuer_a, digest=submission_digest(content=filing_content(filing), files=[filing.source])
        ),
    )
    assert filing_sign(filing=filing, signature_payload=good, actor=cast.issuer_a).status == FilingStatus.SUBMITTED


def _renewal_data(cast) -> dict:
    from csdp.keys.applications import MATERIALS
    from tests.uploads.makers import image_bytes, upload

    return {
        "applicant_name": "王经办",
        "applicant_mobile": cast.issuer_a.mobile,
        "postal_address": "北京市海淀区中关村大街 1 号",
        **{slot: upload(f"{slot}.png", image_bytes("PNG")) for slot, _ in MATERIALS["renewal"]},
    }


def test_a_key_renewal_without_a_signature_is_refused_by_the_service(cast):
    from csdp.keys.applications import key_application_submit
    from csdp.keys.models import KeyApplication

    enrol_test_key(cast.issuer_a)

    with pytest.raises(SignatureRefused):
        key_application_submit(kind="renewal", user=cast.issuer_a, data=_renewal_data(cast), actor=cast.issuer_a)

    assert not KeyApplication.objects.exists()


def test_a_key_renewal_signed_over_other_materials_is_refused_by_the_service(cast):
    from csdp.keys.applications import key_application_submit
    from csdp.keys.models import KeyApplication
    from tests.keys.test_applications import renewal_signed

    key = enrol_test_key(cast.issuer_a)
    payload = renewal_signed(key, _renewal_data(cast) | {"postal_address": "上海市浦东新区世纪大道 8 号"})

    with pytest.raises(SignatureRefused):
        key_application_submit(
            kind="renewal", user=cast.issuer_a, data=_renewal_data(cast), actor=cast.issuer_a, signature_payload=payload
        )

    assert not KeyApplication.objects.exists()


def test_a_renewal_of_an_expired_certificate_is_filed_without_a_signature(cast):
    import datetime as dt

    from csdp.keys.applications import key_application_submit

    key = enrol_test_key(cast.issuer_a)
    key.certificate.__class__.objects.filter(pk=key.certificate.pk).update(
        not_after=key.certificate.not_before - dt.timedelta(days=1)
    )

    application = key_application_submit(
        kind="renewal", user=cast.issuer_a, data=_renewal_data(cast), actor=cast.issuer_a
    )

    assert application.signature is None
