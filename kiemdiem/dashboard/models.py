"""Pre-aggregated campaign figures per (cycle, unit subtree) and the change records feeding them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.org.models import Unit
from kiemdiem.reviews.models import ReviewCycle


class CycleSummary(models.Model):
    """Totals of every metric over one unit's subtree in one cycle (kept by the merge worker)."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="summaries")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="summaries")
    # The unit's path, copied so a subtree's rows are one indexed range and scoping needs no join.
    unit_path = models.CharField(max_length=255)
    # The unit's depth (as Unit.depth): a unit's children are one index range (depth + 1, prefix).
    depth = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # One column per metric of metrics.METRICS (a test checks the two lists agree).
    units_expected = models.BigIntegerField(default=0)
    reviews_expected = models.BigIntegerField(default=0)
    reviews_submitted = models.BigIntegerField(default=0)
    # The split of the submitted ones (the cycle page's counts box reads it: no scan of the scope)
    reviews_discussed = models.BigIntegerField(default=0)
    reviews_finalized = models.BigIntegerField(default=0)
    conferences_held = models.BigIntegerField(default=0)
    plans_expected = models.BigIntegerField(default=0)
    plans_on_time = models.BigIntegerField(default=0)
    plans_late = models.BigIntegerField(default=0)
    plans_missing = models.BigIntegerField(default=0)
    plans_returned = models.BigIntegerField(default=0)
    plans_accepted = models.BigIntegerField(default=0)
    items_total = models.BigIntegerField(default=0)
    items_done = models.BigIntegerField(default=0)
    items_overdue = models.BigIntegerField(default=0)
    findings_total = models.BigIntegerField(default=0)
    findings_resolved = models.BigIntegerField(default=0)
    findings_carried = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("số liệu tổng hợp đợt kiểm điểm")
        verbose_name_plural = _("số liệu tổng hợp đợt kiểm điểm")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="dashboard_summary_unique")
        ]
        indexes = [
            models.Index(
                fields=["cycle", "unit_path"],
                name="dashboard_summary_path_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # serves selectors.summaries_of_branch: the children of a unit (drill-down table)
            models.Index(
                fields=["cycle", "depth", "unit_path"],
                name="dashboard_summary_depth_idx",
                opclasses=["int8_ops", "int2_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.unit_path}"

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in METRIC_NAMES}
