from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "kiemdiem.oversight"
    label = "oversight"
    verbose_name = "Giám sát: tổ công tác, kế hoạch thực hiện"
