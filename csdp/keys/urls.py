from django.urls import path

from csdp.keys.views import enrol, login, member, public, staff

app_name = "keys"
urlpatterns = [
    path("enrol/", enrol.enrol, name="enrol"),
    path("enrol/key/", enrol.enrol_key, name="enrol_key"),
    path("login/key/", login.login_key, name="login_key"),
    path("login/sms/", login.login_sms, name="login_sms"),
    path("login/totp/", login.login_totp, name="login_totp"),
    path("login/totp/enrol/", login.totp_enrol, name="totp_enrol"),
    path("recover/", public.recovery_apply, name="recovery_apply"),
    path("crl.der", public.crl, name="crl"),
    path("crl.pem", public.crl_pem, name="crl_pem"),
    path("ca.pem", public.ca_certificate, name="ca_certificate"),
    path("certificates/", member.certificates, name="certificates"),
    path("certificates/renew/", member.renewal_apply, name="renewal_apply"),
    path("certificates/reissue/", member.reissue_apply, name="reissue_apply"),
    path("pin/", member.pin_change, name="pin_change"),
    path("applications/<int:key_application_id>/", member.application_detail, name="application_detail"),
    path("applications/<int:key_application_id>/decide/", staff.application_decide, name="application_decide"),
    path("admin/", staff.admin, name="admin"),
    path("admin/issue/", staff.key_issue_create, name="key_issue_create"),
    path("admin/devices/<int:key_device_id>/pin-reset/", staff.device_pin_reset_view, name="device_pin_reset"),
    path(
        "admin/certificates/<int:key_certificate_id>/revoke/", staff.certificate_revoke_view, name="certificate_revoke"
    ),
    path("signatures/<int:key_signature_id>/", staff.signature_detail, name="signature_detail"),
]
