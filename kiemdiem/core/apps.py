from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "kiemdiem.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from kiemdiem.core import logins  # noqa: F401 - connects the login audit receivers
        from kiemdiem.core.table_writes import install

        # After every migrate: a migration may have added tables, each needs its trigger.
        post_migrate.connect(install, sender=self, dispatch_uid="kiemdiem-table-writes")
