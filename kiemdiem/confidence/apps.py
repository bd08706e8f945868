from django.apps import AppConfig


class ConfidenceConfig(AppConfig):
    name = "kiemdiem.confidence"
    label = "confidence"
    verbose_name = "Lấy phiếu tín nhiệm"
