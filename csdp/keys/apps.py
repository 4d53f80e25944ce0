from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "csdp.keys"
    label = "keys"
    verbose_name = "USB-KEY 与数字证书"

    def ready(self) -> None:
        from csdp.keys import admin_approvals, demo, factors, menus, scopes, worklists  # noqa: F401  (four-eyes kinds, …)
