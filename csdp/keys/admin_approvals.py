"""Key administration under four-eyes (issue 20 §2): a PIN reset and a certificate revocation are
prepared by one administrator and applied only when another staff user approves (csdp.approvals).
The services that act (device_pin_reset, certificate_revoke) stay the one way to do it; these kinds
only put a second person in front of them."""

from __future__ import annotations

from csdp.accounts.four_eyes import stamped_key
from csdp.approvals.kinds import register_admin_kind
from csdp.approvals.services import approval_prepare
from csdp.keys.models import Certificate, CertificateStatus, KeyDevice
from csdp.keys.pins import device_pin_reset
from csdp.keys.services import certificate_revoke
from csdp.lib.errors import CsdpError


def _apply_pin_reset(approval) -> dict:
    device = KeyDevice.objects.filter(pk=approval.payload["_device_id"], retired_at__isnull=True).first()
    if device is None:
        raise CsdpError("该 USB-KEY 已停用，不能重置 PIN 码。", code="keys.device_retired")
    device_pin_reset(device=device, actor=approval.approved_by, reason=approval.payload["原因"])
    return {"用户": device.user.get_username(), "结果": "已恢复初始 PIN 码并解除锁死"}


def _apply_revoke(approval) -> dict:
    certificate = Certificate.objects.get(pk=approval.payload["_certificate_id"])
    certificate_revoke(certificate=certificate, reason=approval.payload["原因"], actor=approval.approved_by)
    return {"证书序列号": certificate.serial, "结果": "已作废并发布至证书作废列表"}


PIN_RESET = register_admin_kind(code="keys.pin_reset", label="USB-KEY PIN 码重置", apply=_apply_pin_reset)
REVOKE = register_admin_kind(code="keys.certificate_revoke", label="证书作废", apply=_apply_revoke)


def pin_reset_prepare(*, device: KeyDevice, reason: str, by):
    return approval_prepare(
        kind=PIN_RESET.code,
        key=stamped_key("pin-reset", device.pk),
        summary=f"重置 {device.user.get_username()} 的 USB-KEY PIN 码（{reason}）",
        payload={"_device_id": device.pk, "用户": device.user.get_username(), "原因": reason},
        by=by,
        subject=device,
    )


def certificate_revoke_prepare(*, certificate: Certificate, reason: str, by):
    if certificate.status == CertificateStatus.REVOKED:
        raise CsdpError("该证书已作废。", code="keys.already_revoked")
    return approval_prepare(
        kind=REVOKE.code,
        key=stamped_key("revoke", certificate.pk),
        summary=f"作废证书 {certificate.serial}（{reason}）",
        payload={"_certificate_id": certificate.pk, "证书序列号": certificate.serial, "原因": reason},
        by=by,
        subject=certificate,
    )
