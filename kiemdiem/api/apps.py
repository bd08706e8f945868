from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kiemdiem.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from kiemdiem.api import signals  # noqa: F401 - a new password revokes API tokens
