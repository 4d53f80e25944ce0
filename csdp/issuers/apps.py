from django.apps import AppConfig


class IssuersConfig(AppConfig):
    name = "csdp.issuers"
    label = "issuers"
    verbose_name = "发行人注册与信息维护"

    def ready(self) -> None:
        # Imported here: these modules load models, which Django allows only once the app registry is ready.
        # Left function bar, 申请列表 / 待办 sources, login scopes and the demo seeder.
        from csdp.issuers import demo, menus, scopes, worklists  # noqa: F401
        from csdp.issuers.selectors import agent_postal_address
        from csdp.issuers.services import agent_pending  # noqa: F401  (four-eyes kind)
        from csdp.keys.applications import postal_address_source_register

        postal_address_source_register(agent_postal_address)  # where keys mails a reissued USB-KEY
