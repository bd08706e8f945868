from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kiemdiem.reports"
    label = "reports"
    verbose_name = "Báo cáo định kỳ"

    def ready(self) -> None:
        from kiemdiem.core.labels import register_key_labels
        from kiemdiem.reports.services import FIGURE_LABELS

        # A report's figures are stored as {key: number}: its history names them in Vietnamese.
        register_key_labels(FIGURE_LABELS)
