from django.apps import AppConfig


class IpoConfig(AppConfig):
    name = "csdp.ipo"
    label = "ipo"
    verbose_name = "北交所公开发行"

    def ready(self) -> None:
        from csdp.clock.eod import register_eod_job
        from csdp.ipo import counter_types, demo, menus, seams, stop, worklists  # noqa: F401  (four-eyes kinds, 待办)
        from csdp.ipo.eod.day import ipo_eod_job

        register_eod_job(order=10, name="ipo", job=ipo_eod_job)
