from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kiemdiem.core"
    label = "core"
    verbose_name = "Lõi hệ thống"
