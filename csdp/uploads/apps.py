from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "csdp.uploads"
    label = "uploads"
    verbose_name = "文件上传"
