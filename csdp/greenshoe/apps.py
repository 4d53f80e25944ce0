from django.apps import AppConfig


class GreenshoeConfig(AppConfig):
    name = "csdp.greenshoe"
    label = "greenshoe"
    verbose_name = "超额配售选择权"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.greenshoe import counter_types, demo, interfaces, menus, panels, worklists  # noqa: F401
