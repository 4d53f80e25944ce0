from django.urls import path

from csdp.ipo import views, views_reconcile

app_name = "ipo"
urlpatterns = [
    path("", views.offering_list, name="offering_list"),
    path("new/", views.offering_new, name="offering_new"),
    path(
        "<int:offering_id>/underwriter-account-late/", views.underwriter_account_late, name="underwriter_account_late"
    ),
    path("eod/", views.eod_run_view, name="eod_run"),
    path("lockup-template.xlsx", views.lockup_template, name="lockup_template"),
    path("<int:offering_id>/", views.offering_detail, name="offering_detail"),
    path("<int:offering_id>/subscriptions/", views.subscriptions_upload, name="subscriptions_upload"),
    path("<int:offering_id>/report-account/", views.report_account, name="report_account"),
    path("<int:offering_id>/pay/", views.pay_proceeds, name="pay_proceeds"),
    path("<int:offering_id>/stop/", views.stop_record, name="stop_record"),
    path("<int:offering_id>/underwriter-deposit/", views.underwriter_deposit, name="underwriter_deposit"),
    path("<int:offering_id>/payment-notice/", views.payment_notice, name="payment_notice"),
    path("<int:offering_id>/declare/", views.declare, name="declare"),
    path("<int:offering_id>/declare/withdraw/", views.declaration_withdraw, name="declaration_withdraw"),
    path("<int:offering_id>/filings/", views.filing_list, name="filing_list"),
    path("<int:offering_id>/filings/<str:kind>/template/", views.filing_template, name="filing_template"),
    path("<int:offering_id>/filings/<str:kind>/upload/", views.filing_upload, name="filing_upload"),
    path("<int:offering_id>/filings/<str:kind>/confirm/", views.filing_confirm, name="filing_confirm"),
    path("<int:offering_id>/filings/<str:kind>/return/", views.filing_return, name="filing_return"),
    path("<int:offering_id>/code-switch/confirm/", views.code_switch_confirm, name="code_switch_confirm"),
    path("<int:offering_id>/registration-result/", views.registration_result, name="registration_result"),
    path("participant/", views.participant_home, name="participant_home"),
    path("participant/deposit/", views.deposit, name="deposit"),
    path("participant/withdraw/", views.withdraw, name="withdraw"),
    path("files/<int:participant_file_id>/", views.file_download, name="file_download"),
    path("participant/manifest/", views_reconcile.participant_manifest, name="participant_manifest"),
    path("reserve/", views_reconcile.reserve_statement, name="reserve_statement"),
    path("reserve/file/", views_reconcile.reserve_statement_file, name="reserve_statement_file"),
    path("<int:offering_id>/results/", views_reconcile.offering_results, name="offering_results"),
    path("<int:offering_id>/results.xlsx", views_reconcile.offering_results_xlsx, name="offering_results_xlsx"),
]
