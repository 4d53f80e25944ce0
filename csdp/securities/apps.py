from django.apps import AppConfig


class SecuritiesConfig(AppConfig):
    name = "csdp.securities"
    label = "securities"
    verbose_name = "证券与投资者"

    def ready(self) -> None:
        from csdp.securities import demo, menus  # noqa: F401
