from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "csdp.register"
    label = "register"
    verbose_name = "证券持有人名册"

    def ready(self) -> None:
        from csdp.register import demo  # noqa: F401
