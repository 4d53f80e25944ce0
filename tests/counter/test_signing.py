"""Every submission is signed with the USB-KEY over the round's content and attachment hashes; each
round keeps its own signature, verifiable later against the certificate."""

from __future__ import annotations

import pytest

from csdp.counter import handling
from csdp.counter.services import (
    CounterError,
    application_submit,
    pending_round,
    round_content,
    round_prepare,
)
from csdp.counter.states import Status
from csdp.keys.signing import signing_context, submission_digest
from csdp.keys.testing import sign
from tests.counter.factories import draft, drive, pdf_upload, sign_and_submit, zip_upload


def test_the_digest_covers_the_form_content_and_the_attachment_hashes(cast, codes):
    app = draft(cast.issuer_a, remark="请办理初始登记", files=[zip_upload("一.zip"), zip_upload("二.zip")])
    round_ = pending_round(app)
    hashes = [f.stored_file.sha256 for f in round_.files.order_by("id")]
    assert round_.digest == submission_digest(content=round_content(round_), files=hashes)
    assert round_content(round_)["remark"] == "请办理初始登记"
    assert round_content(round_)["securities_code"] == codes["a"]


def test_a_submission_stores_a_signature_that_verifies_against_the_certificate(cast, codes, key_a):
    app = sign_and_submit(draft(cast.issuer_a), cast.issuer_a, key_a)
    round_ = app.rounds.get()
    assert round_.signature.digest == round_.digest
    assert round_.signature.certificate_id == key_a.certificate.pk
    assert round_.signature.verify() is True


def test_it_refuses_a_submission_without_a_signature(cast, codes, key_a):
    app = draft(cast.issuer_a)
    with pytest.raises(CounterError):
        application_submit(application=app, user=cast.issuer_a, signature_payload="")
    app.refresh_from_db()
    assert app.status == Status.DRAFT and pending_round(app).signature is None


def test_it_refuses_a_signature_made_for_other_content(cast, codes, key_a):
    first, second = draft(cast.issuer_a, remark="甲"), draft(cast.issuer_a, remark="乙")
    payload = sign(key_a, signing_context(user=cast.issuer_a, digest=pending_round(first).digest))
    with pytest.raises(CounterError):
        application_submit(application=second, user=cast.issuer_a, signature_payload=payload)
    second.refresh_from_db()
    assert second.status == Status.DRAFT


def test_it_refuses_a_signature_of_another_users_key(cast, codes, key_a, key_b):
    app = draft(cast.issuer_a)
    context = signing_context(user=cast.issuer_a, digest=pending_round(app).digest)
    with pytest.raises(CounterError):
        application_submit(application=app, user=cast.issuer_a, signature_payload=sign(key_b, context))


def test_each_round_keeps_its_own_signature_documents_and_opinion(cast, codes, key_a):
    app = drive(
        draft(cast.issuer_a, files=[pdf_upload("原材料.pdf")]),
        Status.SUBMITTED,
        filer=cast.issuer_a,
        key=key_a,
        operator=cast.operator,
    )
    handling.application_return(application=app, actor=cast.operator, kind="modify", opinion="缺少验资报告")
    round_prepare(application=app, user=cast.issuer_a, remark="已补充验资报告", files=[zip_upload("补充.zip")])
    sign_and_submit(app, cast.issuer_a, key_a)
    handling.application_return(application=app, actor=cast.operator, kind="confirm", opinion="请确认材料无误")
    round_prepare(application=app, user=cast.issuer_a, remark="确认无误")  # no files: confirm the previous ones
    sign_and_submit(app, cast.issuer_a, key_a)

    rounds = list(app.rounds.order_by("number"))
    assert [r.number for r in rounds] == [1, 2, 3]
    assert len({r.signature_id for r in rounds}) == 3
    assert all(r.signature.verify() and r.signature.digest == r.digest for r in rounds)
    names = [[f.stored_file.original_name for f in r.files.all()] for r in rounds]
    assert names == [["原材料.pdf"], ["补充.zip"], ["补充.zip"]]
    assert [list(r.opinions.values_list("kind", "text")) for r in rounds] == [
        [("modify", "缺少验资报告")],
        [("confirm", "请确认材料无误")],
        [],
    ]


def test_staff_see_each_rounds_signature_verified_on_the_page(cast, client_for, codes, key_a):
    from django.urls import reverse

    app = drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    page = client_for(cast.operator).get(reverse("counter:detail", args=[app.pk])).content.decode()
    assert "证书验签：<strong>通过</strong>" in page
