from django.apps import AppConfig
from django.core import checks


class NotifyConfig(AppConfig):
    name = "csdp.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from csdp.notify import menus  # noqa: F401

        checks.register(check_sms_gateway, checks.Tags.compatibility)


def check_sms_gateway(app_configs, **kwargs):
    """The HTTP SMS backend without a gateway URL would fail every code: say so at start-up."""
    from django.conf import settings

    if settings.CSDP_SMS_BACKEND == "http" and not settings.CSDP_SMS_HTTP_URL:
        return [checks.Error("CSDP_SMS_BACKEND=http needs CSDP_SMS_HTTP_URL.", id="notify.E001")]
    return []
