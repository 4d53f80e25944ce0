from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "csdp.approvals"
    label = "approvals"
    verbose_name = "复核（四眼原则）"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        # The EOD job, the menu, the 待办 source, and the kinds of the platform apps below approvals.
        from csdp.approvals import eod, menus, platform_kinds, worklists  # noqa: F401
