from django.apps import AppConfig


class PledgeConfig(AppConfig):
    name = "csdp.pledge"
    label = "pledge"
    verbose_name = "证券质押供需信息平台"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.clock.eod import register_eod_job
        from csdp.pledge import demo, handoff, menus, worklists  # noqa: F401  (menu, lists, seeder, counter type)
        from csdp.pledge.recheck import pledge_eod_job

        # After the IPO's steps (order 10): registration may change the holdings the re-check reads.
        register_eod_job(order=50, name="pledge", job=pledge_eod_job)
