from django.urls import path

from csdp.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("applications/", views.my_applications, name="my_applications"),
    path("queue/", views.staff_queue, name="staff_queue"),
    path("limited/", views.scope_limited, name="scope_limited"),
]
