from django.urls import path

from csdp.greenshoe import views

app_name = "greenshoe"
urlpatterns = [
    path("", views.option_list, name="list"),
    path("new/", views.option_new, name="option_new"),
    path("<int:option_id>/", views.option_detail, name="detail"),
    path("<int:option_id>/agreements/", views.agreement_new, name="agreement_new"),
    path("<int:option_id>/limit-reached/", views.limit_reached, name="limit_reached"),
    path("<int:option_id>/template/", views.sheet_template, name="template"),
    path("<int:option_id>/upload/", views.sheet_upload, name="upload"),
    path("filings/<int:greenshoe_filing_id>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:greenshoe_filing_id>/sign/", views.filing_sign_view, name="filing_sign"),
    path("filings/<int:greenshoe_filing_id>/approve/", views.filing_approve, name="filing_approve"),
    path("filings/<int:greenshoe_filing_id>/reject/", views.filing_refuse, name="filing_reject"),
]
