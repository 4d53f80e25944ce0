from django.urls import path

from csdp.issuers.views import invoice, maintenance, register, review

app_name = "issuers"
urlpatterns = [
    # 000 §一(一) online registration (public wizard)
    path("register/", register.register_start, name="register_start"),
    path("register/agreement/", register.register_agreement, name="register_agreement"),
    path("register/category/", register.register_category, name="register_category"),
    path("register/method/", register.register_method, name="register_method"),
    path("register/institution/", register.register_institution, name="register_institution"),
    path("register/user/", register.register_user, name="register_user"),
    path("register/materials/", register.register_materials, name="register_materials"),
    path("register/verify/", register.register_verify, name="register_verify"),
    path("register/review/", register.register_review, name="register_review"),
    path("register/done/", register.register_done, name="register_done"),
    path("register/resume/<str:registration_token>/", register.register_resume, name="register_resume"),
    # staff review
    path("review/registrations/", review.registration_queue, name="registration_queue"),
    path("review/registrations/<int:issuer_registration_id>/", review.registration_detail, name="registration_detail"),
    path(
        "review/registrations/<int:issuer_registration_id>/approve/",
        review.registration_approve_view,
        name="registration_approve",
    ),
    path(
        "review/registrations/<int:issuer_registration_id>/reject/",
        review.registration_reject_view,
        name="registration_reject",
    ),
    path("review/info/", review.info_application_queue, name="info_application_queue"),
    path("review/info/<int:info_application_id>/", review.info_application_review, name="info_application_review"),
    path(
        "review/info/<int:info_application_id>/decide/", review.info_application_decide, name="info_application_decide"
    ),
    # 000 §二 information maintenance (issuer)
    path("agent/", maintenance.agent_info, name="agent_info"),
    path("institution/", maintenance.institution_info, name="institution_info"),
    path("institution/non-key/", maintenance.institution_non_key, name="institution_non_key"),
    path("institution/key-change/", maintenance.institution_key_change, name="institution_key_change"),
    path(
        "applications/<int:info_application_id>/", maintenance.info_application_detail, name="info_application_detail"
    ),
    path(
        "applications/<int:info_application_id>/resubmit/",
        maintenance.info_application_resubmit_view,
        name="info_application_resubmit",
    ),
    path(
        "applications/<int:info_application_id>/withdraw/",
        maintenance.info_application_withdraw_view,
        name="info_application_withdraw",
    ),
    path("invoice/", invoice.invoice_info, name="invoice_info"),
]
