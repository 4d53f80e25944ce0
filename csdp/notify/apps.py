from django.apps import AppConfig
from django.core import checks
from django.conf import settings


class NotifyConfig(AppConfig):
    name = "csdp.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.accounts.login_steps import login_steps_register
        from csdp.notify import menus  # noqa: F401
        from csdp.notify.captcha import captcha_check
        from csdp.notify.codes import code_check, code_issue
        from csdp.notify.selectors import demo_outbox_recent
        from csdp.notify.services import notify_sms

        # The login and 忘记密码 pages live in accounts, below notify (docs/architecture.md "Layers").
        login_steps_register(
            captcha_check=captcha_check,
            demo_outbox=demo_outbox_recent,
            code_issue=code_issue,
            code_check=code_check,
            sms_send=notify_sms,
        )
        checks.register(check_sms_gateway, checks.Tags.compatibility)


def check_sms_gateway(app_configs, **kwargs):
    """The HTTP SMS backend without a gateway URL would fail every code: say so at start-up."""
    if settings.CSDP_SMS_BACKEND == "http" and not settings.CSDP_SMS_HTTP_URL:
        return [checks.Error("CSDP_SMS_BACKEND=http needs CSDP_SMS_HTTP_URL.", id="notify.E001")]
    return []
