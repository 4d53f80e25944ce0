from django.urls import path

from csdp.clock import views

app_name = "clock"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("closed/", views.closed_day_create, name="closed_day_create"),
    path("years/", views.calendar_year_create, name="calendar_year_create"),
    path("closed/<str:day>/delete/", views.closed_day_delete, name="closed_day_delete"),
]
