from django.apps import AppConfig


class DividendConfig(AppConfig):
    name = "csdp.dividend"
    label = "dividend"
    verbose_name = "权益分派"

    def ready(self) -> None:
        pass
