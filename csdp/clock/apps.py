from django.apps import AppConfig


class ClockConfig(AppConfig):
    name = "csdp.clock"
    label = "clock"
    verbose_name = "交易日历与业务时钟"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.audit.services import audit_business_clock_register
        from csdp.clock import demo, menus  # noqa: F401  (demo year, menu)
        from csdp.clock.services import clock_now

        audit_business_clock_register(clock_now)  # audit sits below the clock, which records audit events
