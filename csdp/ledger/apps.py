from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "csdp.ledger"
    label = "ledger"
    verbose_name = "资金账簿"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.ledger import demo, menus  # noqa: F401
