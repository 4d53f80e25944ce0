from django.urls import path

from csdp.securities import views, views_master, views_records

app_name = "securities"
urlpatterns = [
    path("", views.security_list, name="security_list"),
    path("<int:security_id>/", views.security_detail, name="security_detail"),
    path("accounts/", views.account_lookup, name="account_lookup"),
    path("custody-units/", views.my_custody_units, name="my_custody_units"),
    path("import/", views_master.master_import_view, name="master_import"),
    path("records/new/", views_master.master_record_new, name="master_record_new"),
    path("records/", views_records.master_record_list, name="master_record_list"),
    path("records/edit/", views_records.master_record_edit, name="master_record_edit"),
    path("participants/", views_master.participant_list, name="participant_list"),
    path("import/template/", views_master.master_template_view, name="master_template"),
]
