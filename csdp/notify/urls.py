from django.urls import path

from csdp.notify import views

app_name = "notify"
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("captcha.png", views.captcha, name="captcha"),
]
