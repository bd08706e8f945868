from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "kiemdiem.dashboard"
    label = "dashboard"
    verbose_name = "Bảng theo dõi chiến dịch"
