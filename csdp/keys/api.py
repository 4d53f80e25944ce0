import datetime as dt

from ninja import Router, Schema, Status

from csdp.accounts.access import MEMBERS, STAFF, access_object, allow
from csdp.keys.models import Signature
from csdp.keys.selectors import active_key_of

router = Router(tags=["USB-KEY"])


class CertificateOut(Schema):
    serial: str
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime
    status: str
    key_kind: str
    key_locked: bool


class SignatureOut(Schema):
    id: int
    signer: str
    digest: str
    signed_at: dt.datetime
    method: str
    certificate_serial: str | None
    valid: bool


@router.get(
    "/certificate", response={200: CertificateOut, 404: dict}, summary="我的当前证书", url_name="key_certificate"
)
@allow(MEMBERS)
def my_certificate(request):
    key = active_key_of(request.user)
    if key is None:
        return Status(404, {"code": "no_certificate", "detail": "没有有效的 USB-KEY 证书。"})
    c = key.certificate
    return Status(
        200,
        {
            "serial": c.serial,
            "subject": c.subject,
            "not_before": c.not_before,
            "not_after": c.not_after,
            "status": c.status,
            "key_kind": key.device.kind,
            "key_locked": key.device.is_locked,
        },
    )


@router.get("/signatures/{key_signature_id}", response=SignatureOut, summary="提交签名验证", url_name="key_signature")
@allow(STAFF)
def signature_check(request, key_signature_id: int):
    s = access_object(request.user, Signature.objects.select_related("user", "certificate"), pk=key_signature_id)
    return {
        "id": s.pk,
        "signer": s.user.username,
        "digest": s.digest,
        "signed_at": s.signed_at,
        "method": s.method,
        "certificate_serial": s.certificate.serial if s.certificate else None,
        "valid": s.verify(),
    }
