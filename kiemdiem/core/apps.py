from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kiemdiem.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from kiemdiem.core import logins  # noqa: F401 - connects the login audit receivers
