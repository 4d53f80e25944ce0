from django.urls import path

from csdp.pledge import views, views_social, views_staff

app_name = "pledge"
urlpatterns = [
    # board users (004 §六–§十七)
    path("", views.board, name="board"),
    path("new/", views.posting_new, name="posting_new"),
    path("mine/", views.my_postings, name="my_postings"),
    path("profile/", views.profile_view, name="profile"),
    path("<int:posting_id>/", views.posting_detail, name="posting_detail"),
    path("<int:posting_id>/edit/", views.posting_edit_view, name="posting_edit"),
    path("<int:posting_id>/status/", views.posting_status, name="posting_status"),
    path("<int:posting_id>/message/", views_social.posting_message, name="posting_message"),
    path("<int:posting_id>/report/", views_social.posting_report, name="posting_report"),
    path("<int:posting_id>/handoff/", views_social.posting_handoff, name="posting_handoff"),
    path("messages/", views_social.threads, name="threads"),
    path("messages/<int:thread_id>/", views_social.thread_detail, name="thread_detail"),
    path("messages/<int:thread_id>/reply/", views_social.thread_reply, name="thread_reply"),
    path("messages/report/<int:message_id>/", views_social.message_report, name="message_report"),
    path("register/", views_social.register, name="register"),
    path("apply/", views_social.lender_apply_view, name="lender_apply"),
    path("holders/", views_social.holder_confirmations, name="holder_confirmations"),
    path("holders/<int:holder_confirmation_id>/decide/", views_social.holder_decide, name="holder_decide"),
    # staff
    path("review/", views_staff.review_queue, name="review_queue"),
    path("<int:posting_id>/review/", views_staff.posting_review, name="posting_review"),
    path("<int:posting_id>/flag/", views_staff.posting_flag, name="posting_flag"),
    path("<int:posting_id>/correct/", views_staff.posting_correct, name="posting_correct"),
    path("reports/", views_staff.reports, name="reports"),
    path("reports/<int:report_id>/", views_staff.report_detail, name="report_detail"),
    path("reports/<int:report_id>/handle/", views_staff.report_handle, name="report_handle"),
    path("users/", views_staff.users, name="users"),
    path("users/<int:profile_id>/", views_staff.user_detail, name="user_detail"),
    path("users/<int:profile_id>/moderate/", views_staff.moderate, name="moderate"),
    path("lenders/", views_staff.lender_queue, name="lender_queue"),
    path("lenders/<int:lender_application_id>/", views_staff.lender_detail, name="lender_detail"),
    path("lenders/<int:lender_application_id>/decide/", views_staff.lender_decide, name="lender_decide"),
    path("rules/", views_staff.rules, name="rules"),
    path("rules/lpr/", views_staff.rules_lpr_add, name="rules_lpr_add"),
    path("rules/lpr/<int:lpr_id>/delete/", views_staff.rules_lpr_delete, name="rules_lpr_delete"),
    path("rules/multiple/", views_staff.rules_multiple, name="rules_multiple"),
    path("rules/eligible/", views_staff.rules_eligible_add, name="rules_eligible_add"),
    path("rules/eligible/<int:eligible_id>/delete/", views_staff.rules_eligible_delete, name="rules_eligible_delete"),
]
