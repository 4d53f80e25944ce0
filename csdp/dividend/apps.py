from django.apps import AppConfig
from django.core import checks


class DividendConfig(AppConfig):
    name = "csdp.dividend"
    label = "dividend"
    verbose_name = "权益分派"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        from csdp.clock.eod import register_eod_job
        from csdp.dividend import counter_types, interfaces, kinds, menus  # noqa: F401  (counter type 05, four-eyes kinds, menu, file docs)
        from csdp.dividend.dates import check_offsets
        from csdp.dividend.guards import capital_change_refusal
        from csdp.dividend.release import release_eod
        from csdp.dividend.runner import dividend_eod
        from csdp.register.capital import capital_guard_register

        # After approvals (5) and before the IPO (10): a distribution's R snapshot reads the day's register.
        register_eod_job(order=8, name="dividend", job=dividend_eod)
        # After csdp/restrictions (40): a freeze released or expired today pays its held cash tonight.
        register_eod_job(order=45, name="dividend_release", job=release_eod)
        # The register refuses issuing or cancelling shares of a security between its plan's approval and R.
        capital_guard_register("dividend", capital_change_refusal)
        checks.register(check_offsets, checks.Tags.compatibility)  # dates in the wrong order: said at start-up
