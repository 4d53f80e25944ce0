"""经办人信息维护 (000 §二(一)): effective at once; a new mobile is announced to the old one."""

from __future__ import annotations

from django.db import transaction

from csdp.accounts.models import User
from csdp.audit.services import audit_record
from csdp.issuers.models import IssuerProfile
from csdp.issuers.signing import issuer_submission_signed
from csdp.notify.services import notify_sms

USER_FIELDS = ("display_name", "mobile", "email")
PROFILE_FIELDS = (
    "agent_id_type",
    "agent_id_number",
    "postal_province",
    "postal_city",
    "postal_district",
    "postal_detail",
)


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else mobile


@transaction.atomic
def agent_info_update(*, user, values: dict, signature_payload: str | None = None) -> IssuerProfile:
    """Update the agent's own details now. When the mobile changes, the OLD number gets an SMS, so a
    hijacked session cannot quietly move password recovery to another phone.

    ``signature_payload`` None: filed without the key, as 000 §二(六) allows from the 口令登录 session
    (and after staff verified a password-only change by phone, csdp.issuers.services.agent_pending);
    a string: the key's signature, verified here (SignatureRefused when empty or wrong)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    profile, _ = IssuerProfile.objects.select_for_update().get_or_create(institution_id=user.institution_id)
    signature = (
        None
        if signature_payload is None
        else issuer_submission_signed(user=user, kind="agent_info", values=values, files=[], payload=signature_payload)
    )
    old_mobile = user.mobile
    changed = [f for f in USER_FIELDS if getattr(user, f) != values[f]]
    changed += [f for f in PROFILE_FIELDS if getattr(profile, f) != values[f]]
    for field in USER_FIELDS:
        setattr(user, field, values[field])
    user.save(update_fields=list(USER_FIELDS))
    for field in PROFILE_FIELDS:
        setattr(profile, field, values[field])
    profile.agent = user
    profile.save()
    data = {"changed": changed, "signature_id": getattr(signature, "pk", None)}
    if old_mobile != user.mobile:
        data.update(old_mobile=mask_mobile(old_mobile), new_mobile=mask_mobile(user.mobile))
    audit_record(actor=user, obj=profile, action="agent.update", reason="经办人信息维护", data=data)
    if old_mobile and old_mobile != user.mobile:
        notify_sms(
            mobile=old_mobile,
            purpose="agent_mobile_changed",
            user=user,
            text=f"【中国结算】您在北京市场发行人服务平台的经办人手机号码已变更为{mask_mobile(user.mobile)}。"
            "如非本人操作，请立即联系本公司。",
        )
    return profile
