from django.apps import AppConfig


class IssuersConfig(AppConfig):
    name = "csdp.issuers"
    label = "issuers"
    verbose_name = "发行人注册与信息维护"

    def ready(self) -> None:
        # Left function bar, 申请列表 / 待办 sources, login scopes and the demo seeder.
        from csdp.issuers import demo, menus, scopes, worklists  # noqa: F401
        from csdp.issuers.services import agent_pending  # noqa: F401  (four-eyes kind)
