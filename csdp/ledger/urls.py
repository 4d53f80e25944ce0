from django.urls import path

from csdp.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("<int:ledger_account_id>/statement/", views.account_statement, name="account_statement"),
    path("reserve/", views.my_reserve, name="my_reserve"),
]
