from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "csdp.counter"
    label = "counter"
    verbose_name = "发行人虚拟柜台"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from django.db.models.signals import post_migrate

        from csdp.counter import demo, menus, worklists  # noqa: F401  (register menu, lists, seeder)
        from csdp.counter.catalogue import catalogue_sync_after_migrate

        post_migrate.connect(catalogue_sync_after_migrate, sender=self)
