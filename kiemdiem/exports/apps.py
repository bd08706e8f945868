from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ExportsConfig(AppConfig):
    name = "kiemdiem.exports"
    label = "exports"
    verbose_name = "Xuất danh sách ra Excel"

    def ready(self) -> None:
        # Each app declares the lists it exports in its own `exports.py` (registry.exporter).
        autodiscover_modules("exports")
