from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "kiemdiem.org"
    label = "org"
    verbose_name = "Tổ chức và đảng viên"

    def ready(self) -> None:
        from kiemdiem.org.scoping import install_access_function

        # After every migrate (tables may have changed under the function's SQL).
        post_migrate.connect(
            install_access_function, sender=self, dispatch_uid="kiemdiem-access-function"
        )
