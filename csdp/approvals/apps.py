from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "csdp.approvals"
    label = "approvals"
    verbose_name = "复核（四眼原则）"

    def ready(self) -> None:
        from csdp.approvals import eod, menus, worklists  # noqa: F401  (EOD job, menu, 待办 source)
