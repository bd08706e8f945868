from django.apps import AppConfig


class RemediationConfig(AppConfig):
    name = "kiemdiem.remediation"
    label = "remediation"
    verbose_name = "Khắc phục hạn chế, khuyết điểm"
