from django.apps import AppConfig


class SecuritiesConfig(AppConfig):
    name = "csdp.securities"
    label = "securities"
    verbose_name = "证券与投资者"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.securities import demo, menus  # noqa: F401
