from django.urls import path

from csdp.fees import views, views_declare

app_name = "fees"

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/new/", views.schedule_new, name="schedule_new"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:fee_notice_id>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:fee_notice_id>/print/", views.notice_print, name="notice_print"),
    path("notices/<int:fee_notice_id>/declare/", views_declare.notice_declare, name="notice_declare"),
    path("notices/<int:fee_notice_id>/payment/", views.payment_record, name="payment_record"),
    path("notices/<int:fee_notice_id>/invoice/", views.invoice_issue, name="invoice_issue"),
    path("notices/<int:fee_notice_id>/cancel/", views.notice_cancel, name="notice_cancel"),
    path("invoices/<int:fee_invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:fee_invoice_id>/download/", views.invoice_download, name="invoice_download"),
]
