from django.urls import path

from csdp.uploads import views

app_name = "files"
urlpatterns = [
    path("<int:file_id>/download/", views.download, name="download"),
]
