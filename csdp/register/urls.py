from django.urls import path

from csdp.register import views

app_name = "register"
urlpatterns = [
    path("securities/<int:security_id>/positions/", views.security_positions, name="security_positions"),
    path("accounts/<str:account_number>/changes/", views.account_changes, name="account_changes"),
]
