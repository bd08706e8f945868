from django.apps import AppConfig


class ConfidenceConfig(AppConfig):
    name = "kiemdiem.confidence"
    label = "confidence"
    verbose_name = "Lấy phiếu tín nhiệm"

    def ready(self) -> None:
        from django.db.models import CharField
        from django.db.models.functions import Cast

        from kiemdiem.confidence.models import ConfidenceResult
        from kiemdiem.org.scoping import register_sensitive

        # Their audit rows (changes, reads) are shown only to those who may read the record.
        register_sensitive(
            "confidence.confidenceresult",
            lambda user: (
                ConfidenceResult.objects.visible_to(user)
                .annotate(text_id=Cast("pk", CharField()))
                .values("text_id")
            ),
        )
