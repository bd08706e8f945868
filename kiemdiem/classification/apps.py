from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "kiemdiem.classification"
    label = "classification"
    verbose_name = "Đánh giá, xếp loại chất lượng"
