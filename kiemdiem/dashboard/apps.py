from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "kiemdiem.dashboard"
    label = "dashboard"
    verbose_name = "Bảng theo dõi chiến dịch"

    def ready(self) -> None:
        from kiemdiem.core.summaries import metrics_register, reader_register
        from kiemdiem.dashboard.metrics import METRIC_NAMES
        from kiemdiem.dashboard.selectors import summed_figures

        metrics_register(METRIC_NAMES)
        reader_register(summed_figures)
