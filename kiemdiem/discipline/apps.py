from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    name = "kiemdiem.discipline"
    label = "discipline"
    verbose_name = "Kỷ luật đảng"
