from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "csdp.accounts"
    label = "accounts"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.accounts import menus  # noqa: F401  (registers the left function bar entries)
