"""The status split of submitted reviews in the summaries (the cycle page's counts box reads it).

Existing summary rows are filled from the reviews: one grouped scan per cycle, rolled up to every
ancestor inside the cycle's scope (as summaries.recompute does).
"""

from collections import Counter, defaultdict

from django.db import migrations, models
from django.db.models import Count

PATH_STEP = 7  # org.models.PATH_STEP: six characters and a dot per level
STATUSES = {"discussed": "reviews_discussed", "finalized": "reviews_finalized"}


def fill(apps, schema_editor) -> None:
    CycleSummary = apps.get_model("dashboard", "CycleSummary")
    Review = apps.get_model("reviews", "Review")
    ReviewCycle = apps.get_model("reviews", "ReviewCycle")
    cycles = CycleSummary.objects.values_list("cycle_id", flat=True).distinct()
    for cycle in ReviewCycle.objects.filter(pk__in=list(cycles)).select_related("scope_unit"):
        floor = cycle.scope_unit.path
        totals: dict[str, Counter] = defaultdict(Counter)
        grouped = (
            Review.objects.filter(cycle=cycle, status__in=list(STATUSES))
            .order_by()
            .values_list("unit__path", "status")
            .annotate(n=Count("pk"))
        )
        for path, status, n in grouped:
            start = max(len(floor), PATH_STEP)
            for end in range(start, len(path) + 1, PATH_STEP):
                totals[path[:end]][STATUSES[status]] += n
        for path, counter in totals.items():
            CycleSummary.objects.filter(cycle=cycle, unit_path=path).update(**counter)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0005_reminders_become_notifications"),
        ("reviews", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="cyclesummary",
            name="reviews_discussed",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="cyclesummary",
            name="reviews_finalized",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
