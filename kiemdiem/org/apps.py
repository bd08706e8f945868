from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "kiemdiem.org"
    label = "org"
    verbose_name = "Tổ chức và đảng viên"

    def ready(self) -> None:
        from kiemdiem.core.page_cache import key_read
        from kiemdiem.org.scoping import access_for, install_access_function

        # Every page's frame reads the user's Access: in the key, read before the page is built.
        key_read(lambda request: repr(access_for(request.user)))

        # After every migrate (tables may have changed under the function's SQL).
        post_migrate.connect(
            install_access_function, sender=self, dispatch_uid="kiemdiem-access-function"
        )
