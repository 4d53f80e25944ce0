from django.urls import path

from csdp.register import views

app_name = "register"
urlpatterns = [
    path("securities/<int:security_id>/positions/", views.security_positions, name="security_positions"),
    path("accounts/<str:account_number>/changes/", views.account_changes, name="account_changes"),
    path("query/", views.roster_query, name="roster_query"),
    path("businesses/template/", views.business_template, name="business_template"),
    path("files/", views.holding_files, name="holding_files"),
    path("files/<int:holding_file_id>/download/", views.holding_file_download, name="holding_file_download"),
]
