from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "kiemdiem.transfer"
    label = "transfer"
    verbose_name = "Nhập, xuất dữ liệu"
