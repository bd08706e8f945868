from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "kiemdiem.dashboard"
    label = "dashboard"
    verbose_name = "Bảng theo dõi chiến dịch"

    def ready(self) -> None:
        from kiemdiem.core.summaries import metrics_register
        from kiemdiem.dashboard.metrics import METRIC_NAMES

        metrics_register(METRIC_NAMES)

        from kiemdiem.dashboard.selectors import summed_figures
        from kiemdiem.reviews.selectors import summary_reader_register

        summary_reader_register(summed_figures)
