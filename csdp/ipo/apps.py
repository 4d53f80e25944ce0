from django.apps import AppConfig


class IpoConfig(AppConfig):
    name = "csdp.ipo"
    label = "ipo"
    verbose_name = "北交所公开发行"

    def ready(self) -> None:
        from csdp.ipo import counter_types, demo, menus  # noqa: F401
