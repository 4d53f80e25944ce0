from django.urls import path

from csdp.securities import views

app_name = "securities"
urlpatterns = [
    path("", views.security_list, name="security_list"),
    path("<int:security_id>/", views.security_detail, name="security_detail"),
    path("accounts/", views.account_lookup, name="account_lookup"),
    path("custody-units/", views.my_custody_units, name="my_custody_units"),
]
