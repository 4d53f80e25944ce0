from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "csdp.accounts"
    label = "accounts"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        from csdp.accounts import menus  # noqa: F401  (registers the left function bar entries)
