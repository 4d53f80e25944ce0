from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "csdp.portal"
    label = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        from csdp.portal import menus  # noqa: F401
