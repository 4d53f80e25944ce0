from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "csdp.portal"
    label = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.portal import menus  # noqa: F401
