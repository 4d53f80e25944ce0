from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "csdp.keys"
    label = "keys"
    verbose_name = "USB-KEY 与数字证书"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.accounts.login_steps import login_steps_register
        from csdp.keys import admin_approvals, demo, factors, menus, scopes, worklists  # noqa: F401  (four-eyes kinds, …)
        from csdp.keys.login import login_begin

        login_steps_register(second_step=login_begin)  # the login page lives in accounts, below keys
