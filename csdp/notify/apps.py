from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "csdp.notify"
    label = "notify"
    verbose_name = "通知"
