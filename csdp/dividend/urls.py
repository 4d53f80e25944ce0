from django.urls import path

from csdp.dividend import views

app_name = "dividend"
urlpatterns = [
    path("", views.distribution_list, name="list"),
    path("files/", views.files, name="files"),
    path("files/<int:dividend_file_id>/download/", views.file_download, name="file_download"),
    path("<int:distribution_id>/", views.distribution_detail, name="detail"),
    path("<int:distribution_id>/fund/", views.fund, name="fund"),
    path("<int:distribution_id>/fundings/<int:funding_id>/confirm/", views.confirm, name="funding_confirm"),
    path("<int:distribution_id>/fundings/<int:funding_id>/reject/", views.reject, name="funding_reject"),
    path("<int:distribution_id>/withdraw/", views.withdraw, name="withdraw"),
]
