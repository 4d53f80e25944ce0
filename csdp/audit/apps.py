from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "csdp.audit"
    label = "audit"
    verbose_name = "审计轨迹"
