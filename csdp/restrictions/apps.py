from django.apps import AppConfig


class RestrictionsConfig(AppConfig):
    name = "csdp.restrictions"
    label = "restrictions"
    verbose_name = "证券权利限制（质押、冻结、非交易过户）"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.clock.eod import register_eod_job
        from csdp.restrictions import demo, kinds, menus  # noqa: F401  (seeder, four-eyes kinds, menu)
        from csdp.restrictions.eod import restrictions_eod_job

        # After approvals due today (5) and the IPO (10), before the board's re-check (50), which
        # then reads the day's pledges and freezes.
        register_eod_job(order=40, name="restrictions", job=restrictions_eod_job)
