from django.apps import AppConfig


class PledgeConfig(AppConfig):
    name = "csdp.pledge"
    label = "pledge"
    verbose_name = "证券质押供需信息平台"

    def ready(self) -> None:
        from csdp.pledge import demo, handoff, menus, worklists  # noqa: F401  (menu, lists, seeder, counter type)
