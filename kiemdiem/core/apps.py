from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "kiemdiem.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from kiemdiem.core import logins  # noqa: F401 - connects the login audit receivers
        from kiemdiem.core.page_cache import install_sqlite_counter

        # After every migrate: the tables it made need their triggers.
        post_migrate.connect(
            install_sqlite_counter, sender=self, dispatch_uid="kiemdiem-page-state-counter"
        )
