from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "kiemdiem.classification"
    label = "classification"
    verbose_name = "Đánh giá, xếp loại chất lượng"

    def ready(self) -> None:
        # The re-check lists register with the exports registry (which discovers `exports.py`).
        from kiemdiem.classification import exports_recheck  # noqa: F401
