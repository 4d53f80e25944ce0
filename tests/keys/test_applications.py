import pytest
from django.test import Client
from django.urls import reverse

from csdp.keys.applications import MATERIALS, ApplicationRefused, key_application_decide, key_application_submit
from csdp.keys.models import CertificateStatus, KeyApplication, KeyApplicationState, KeyDevice, KeyIssue
from csdp.keys.testing import enrol_test_key
from csdp.notify.testing import captcha_solve
from tests.uploads.makers import image_bytes, upload

AGENT_ADDRESS = "北京市 北京市 海淀区 中关村大街 1 号"


def _materials(kind: str) -> dict:
    return {slot: upload(f"{slot}.png", image_bytes("PNG")) for slot, _ in MATERIALS[kind]}


@pytest.fixture
def agent_address(monkeypatch):
    monkeypatch.setattr("csdp.keys.applications._POSTAL_ADDRESS", [lambda user: AGENT_ADDRESS])


def _reissue(user, address=AGENT_ADDRESS):
    data = {
        "applicant_name": "王经办",
        "applicant_mobile": user.mobile,
        "postal_address": address,
        **_materials("reissue"),
    }
    return key_application_submit(kind="reissue", user=user, data=data, actor=user)


@pytest.mark.django_db
def test_a_reissue_must_be_mailed_to_the_agents_postal_address(cast, agent_address):
    with pytest.raises(ApplicationRefused) as refused:
        _reissue(cast.issuer_a, address="上海市 上海市 浦东新区 世纪大道 8 号")
    assert refused.value.field == "postal_address"
    assert not KeyApplication.objects.exists()


@pytest.mark.django_db
def test_an_approved_reissue_revokes_the_lost_key_and_issues_a_new_one(cast, agent_address):
    lost = enrol_test_key(cast.issuer_a)
    application = _reissue(cast.issuer_a, address=AGENT_ADDRESS.replace(" ", ""))  # spacing does not matter
    assert application.materials.count() == len(MATERIALS["reissue"])
    key_application_decide(application=application, approve=True, reason="材料齐全", actor=cast.reviewer)
    lost.certificate.refresh_from_db()
    assert lost.certificate.status == CertificateStatus.REVOKED
    assert KeyIssue.objects.filter(user=cast.issuer_a, used_at__isnull=True, voided_at__isnull=True).count() == 1
    application.refresh_from_db()
    assert application.state == KeyApplicationState.APPROVED
    assert [t.to_state for t in application.transitions.all()] == ["submitted", "approved"]


def renewal_signed(key, data: dict) -> str:
    """The key's signature over a renewal: its text fields and each material's SHA-256, in slot order."""
    import hashlib

    from csdp.keys.applications import application_content
    from csdp.keys.signing import signing_context, submission_digest
    from csdp.keys.testing import sign

    hashes = []
    for slot, _ in MATERIALS["renewal"]:
        data[slot].seek(0)
        hashes.append(hashlib.sha256(data[slot].read()).hexdigest())
        data[slot].seek(0)
    digest = submission_digest(content=application_content("renewal", data), files=hashes)
    return sign(key, signing_context(user=key.device.user, digest=digest))


@pytest.mark.django_db
def test_an_approved_renewal_keeps_the_old_key_until_the_new_one_is_enrolled(cast):
    old = enrol_test_key(cast.issuer_a)
    data = {
        "applicant_name": "王经办",
        "applicant_mobile": cast.issuer_a.mobile,
        "postal_address": AGENT_ADDRESS,
        **_materials("renewal"),
    }
    application = key_application_submit(
        kind="renewal", user=cast.issuer_a, data=data, actor=cast.issuer_a, signature_payload=renewal_signed(old, data)
    )
    key_application_decide(application=application, approve=True, reason="", actor=cast.admin)
    old.certificate.refresh_from_db()
    assert old.certificate.status == CertificateStatus.ACTIVE
    assert KeyIssue.objects.filter(user=cast.issuer_a, used_at__isnull=True).exists()
    enrol_test_key(cast.issuer_a)
    old.certificate.refresh_from_db()
    assert old.certificate.status == CertificateStatus.REVOKED


@pytest.mark.django_db
def test_a_decided_application_cannot_be_decided_again(cast, agent_address):
    enrol_test_key(cast.issuer_a)
    application = _reissue(cast.issuer_a)
    key_application_decide(application=application, approve=False, reason="材料不清晰", actor=cast.reviewer)
    with pytest.raises(ApplicationRefused):
        key_application_decide(application=application, approve=True, reason="", actor=cast.reviewer)


def _recovery_post(client, kind: str, uscc: str, mobile: str):
    captcha = captcha_solve(client)
    data = {
        "kind": kind,
        "applicant_name": "王经办",
        "applicant_mobile": mobile,
        "claimed_uscc": uscc,
        "captcha": captcha,
        **_materials(kind),
    }
    return client.post(reverse("keys:recovery_apply"), data)


@pytest.mark.django_db
def test_a_locked_key_is_unlocked_through_a_pin_reset_application(cast, client_for):
    from csdp.lib.ids import make_uscc

    uscc = make_uscc("91110108MA01A2B3C")
    cast.issuer_a.institution.uscc = uscc
    cast.issuer_a.institution.save()
    key = enrol_test_key(cast.issuer_a)
    KeyDevice.objects.filter(pk=key.device.pk).update(failed_pins=6, locked_at=key.device.created_at)
    response = _recovery_post(Client(), "pin_reset", uscc, cast.issuer_a.mobile)
    assert response.status_code == 302
    application = KeyApplication.objects.get()
    assert application.user == cast.issuer_a
    reviewer = client_for(cast.reviewer)
    reviewer.post(
        reverse("keys:application_decide", kwargs={"key_application_id": application.pk}),
        {"decision": "approve", "reason": "核实无误"},
    )
    device = KeyDevice.objects.get(pk=key.device.pk)
    assert device.locked_at is None and device.pin_must_change


@pytest.mark.django_db
def test_a_recovery_request_for_an_unknown_mobile_is_accepted_but_cannot_be_approved(cast):
    from csdp.lib.ids import make_uscc

    uscc = make_uscc("91110108MA01A2B3C")
    cast.issuer_a.institution.uscc = uscc
    cast.issuer_a.institution.save()
    response = _recovery_post(Client(), "username_lookup", uscc, "13700000000")
    assert response.status_code == 302  # the caller is not told whether anything matched
    application = KeyApplication.objects.get()
    assert application.user is None
    with pytest.raises(ApplicationRefused):
        key_application_decide(application=application, approve=True, reason="", actor=cast.reviewer)


@pytest.mark.django_db
def test_a_recovery_request_needs_the_captcha(cast):
    client = Client()
    data = {
        "kind": "password_reset",
        "applicant_name": "王经办",
        "applicant_mobile": "13900000000",
        "claimed_uscc": "91110108MA01A2B3C4",
        "captcha": "NOPE",
        **_materials("password_reset"),
    }
    captcha_solve(client, "HK7W")
    response = client.post(reverse("keys:recovery_apply"), data)
    assert response.status_code == 200
    assert not KeyApplication.objects.exists()


@pytest.mark.django_db
def test_issuer_b_cannot_see_issuer_as_key_application(cast, client_for, agent_address):
    enrol_test_key(cast.issuer_a)
    application = _reissue(cast.issuer_a)
    url = reverse("keys:application_detail", kwargs={"key_application_id": application.pk})
    assert client_for(cast.issuer_a).get(url).status_code == 200
    assert client_for(cast.issuer_b).get(url).status_code == 404


@pytest.mark.django_db
def test_the_staff_queue_and_my_applications_list_key_applications(cast, client_for, agent_address):
    enrol_test_key(cast.issuer_a)
    _reissue(cast.issuer_a)
    assert "补办证书" in client_for(cast.reviewer).get(reverse("portal:staff_queue")).content.decode()
    assert "补办证书" in client_for(cast.issuer_a).get(reverse("portal:my_applications")).content.decode()
    assert "补办证书" not in client_for(cast.issuer_b).get(reverse("portal:my_applications")).content.decode()


@pytest.mark.django_db
def test_a_renewal_is_signed_with_the_key_on_its_confirm_page(cast, client_for):
    from csdp.keys.testing import sign

    key = enrol_test_key(cast.issuer_a)
    client = client_for(cast.issuer_a)
    data = {
        "applicant_name": "王经办",
        "applicant_mobile": cast.issuer_a.mobile,
        "postal_address": AGENT_ADDRESS,
        **_materials("renewal"),
    }
    confirm = client.post(reverse("keys:renewal_apply"), data)
    assert confirm.status_code == 200 and not KeyApplication.objects.exists()
    payload = sign(key, confirm.context["signing"])
    done = client.post(reverse("keys:renewal_apply"), {"step": "confirm", "key_signature": payload})
    application = KeyApplication.objects.get()
    assert done["Location"] == reverse("keys:application_detail", kwargs={"key_application_id": application.pk})
    assert application.signature.certificate == key.certificate and application.signature.verify()
    assert application.materials.count() == len(MATERIALS["renewal"])


@pytest.mark.django_db
def test_a_renewal_without_the_keys_signature_is_not_filed(cast, client_for):
    enrol_test_key(cast.issuer_a)
    client = client_for(cast.issuer_a)
    data = {
        "applicant_name": "王经办",
        "applicant_mobile": cast.issuer_a.mobile,
        "postal_address": AGENT_ADDRESS,
        **_materials("renewal"),
    }
    client.post(reverse("keys:renewal_apply"), data)
    response = client.post(reverse("keys:renewal_apply"), {"step": "confirm", "key_signature": ""})
    assert response.status_code == 200 and "未收到 USB-KEY 签名" in response.content.decode()
    assert not KeyApplication.objects.exists()


@pytest.mark.django_db
def test_transition_and_material_rows_follow_their_applications_visibility(cast, agent_address):
    from csdp.keys.models import KeyApplicationMaterial, KeyApplicationTransition

    enrol_test_key(cast.issuer_a)
    _reissue(cast.issuer_a)
    for model in (KeyApplicationTransition, KeyApplicationMaterial):
        assert model.objects.visible_to(cast.issuer_a).exists()
        assert model.objects.visible_to(cast.reviewer).exists()
        assert not model.objects.visible_to(cast.issuer_b).exists()


@pytest.mark.django_db
def test_an_approved_password_reset_sends_a_temporary_password_the_user_must_change(cast, client_for):
    from csdp.lib.ids import make_uscc
    from csdp.notify.models import OutboxMessage

    uscc = make_uscc("91110108MA01A2B3C")
    cast.issuer_a.institution.uscc = uscc
    cast.issuer_a.institution.save()
    cast.issuer_a.failed_logins = 3
    cast.issuer_a.save(update_fields=["failed_logins"])
    assert _recovery_post(Client(), "password_reset", uscc, cast.issuer_a.mobile).status_code == 302
    application = KeyApplication.objects.get()

    key_application_decide(application=application, approve=True, reason="核实无误", actor=cast.reviewer)

    cast.issuer_a.refresh_from_db()
    sms = OutboxMessage.objects.get(purpose="password_reset", recipient=cast.issuer_a.mobile)
    password = sms.body.split("临时密码为 ")[1].split("，")[0]
    assert cast.issuer_a.check_password(password) and cast.issuer_a.password_change_required
    assert cast.issuer_a.failed_logins == 0
