from django.apps import AppConfig


class IpoConfig(AppConfig):
    name = "csdp.ipo"
    label = "ipo"
    verbose_name = "北交所公开发行"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.clock.eod import register_eod_job
        from csdp.ipo import demo, menus, seams, worklists  # noqa: F401  (menu, 待办, demo seeder)
        from csdp.ipo.failure import stop  # noqa: F401  (four-eyes kinds)
        from csdp.ipo.issuer import counter_types  # noqa: F401  (business types on the counter)
        from csdp.ipo.eod.day import ipo_eod_job

        register_eod_job(order=10, name="ipo", job=ipo_eod_job)
