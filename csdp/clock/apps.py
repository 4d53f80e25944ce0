from django.apps import AppConfig


class ClockConfig(AppConfig):
    name = "csdp.clock"
    label = "clock"
    verbose_name = "交易日历与业务时钟"

    def ready(self) -> None:
        from csdp.clock import approvals, demo, menus  # noqa: F401  (four-eyes kinds, demo year, menu)
