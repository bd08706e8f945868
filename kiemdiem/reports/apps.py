from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kiemdiem.reports"
    label = "reports"
    verbose_name = "Báo cáo định kỳ"
