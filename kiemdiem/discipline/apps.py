from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    name = "kiemdiem.discipline"
    label = "discipline"
    verbose_name = "Kỷ luật đảng"

    def ready(self) -> None:
        from django.db.models import CharField
        from django.db.models.functions import Cast

        from kiemdiem.discipline.models import DisciplineCase
        from kiemdiem.org.scoping import register_sensitive

        # Their audit rows (changes, reads) are shown only to those who may read the record.
        register_sensitive(
            "discipline.disciplinecase",
            lambda user: (
                DisciplineCase.objects.visible_to(user)
                .annotate(text_id=Cast("pk", CharField()))
                .values("text_id")
            ),
        )
