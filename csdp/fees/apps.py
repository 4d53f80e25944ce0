from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "csdp.fees"
    label = "fees"
    verbose_name = "收费、付款通知与发票"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        # Left function bar, 申请列表 / 待办 sources and the demo seeder.
        from csdp.fees import demo, menus, worklists  # noqa: F401
