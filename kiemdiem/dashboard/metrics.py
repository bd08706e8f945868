"""The campaign figures kept per (cycle, unit subtree), and what each counts.

Services append a small change record (`emit`) inside the user's transaction; the background merge
(`manage.py merge_summaries`) folds them into the summary row of the unit and of every ancestor.
`recompute` in summaries.py computes the same figures from the base tables: the two must agree.
"""

from django.utils.translation import gettext_lazy as _

# name -> (label, what it counts); all are counts over the unit's subtree within the cycle.
METRICS: dict[str, tuple[str, str]] = {
    "units_expected": (_("Tập thể phải kiểm điểm"), "collective reviews created for the cycle"),
    "reviews_expected": (_("Bản kiểm điểm phải có"), "all reviews (collective + individual)"),
    "reviews_submitted": (_("Đã tự kiểm điểm"), "reviews whose status is past draft"),
    "reviews_discussed": (_("Đã thảo luận tại hội nghị"), "reviews whose status is discussed"),
    "reviews_finalized": (_("Đã hoàn chỉnh"), "reviews whose status is finalized"),
    "conferences_held": (_("Hội nghị đã tổ chức"), "review meetings recorded"),
    "plans_expected": (_("Kế hoạch phải có"), "remediation plans created"),
    "plans_on_time": (_("Nộp đúng hạn"), "plans first submitted on or before their due date"),
    "plans_late": (_("Nộp muộn"), "plans first submitted after their due date"),
    "plans_missing": (_("Chưa nộp, quá hạn"), "plans never submitted whose due date has passed"),
    "plans_returned": (_("Bị trả lại"), "plans currently returned"),
    "plans_accepted": (_("Đạt yêu cầu"), "plans currently accepted or adopted"),
    "items_total": (_("Nội dung khắc phục"), "plan items not cancelled or replaced"),
    "items_done": (_("Đã xác nhận hoàn thành"), "plan items verified"),
    "items_overdue": (_("Quá hạn"), "open or in-progress items past their deadline"),
    "findings_total": (_("Hạn chế, khuyết điểm"), "findings of the cycle"),
    "findings_resolved": (_("Đã khắc phục"), "findings resolved"),
    "findings_carried": (_("Chuyển từ kỳ trước"), "findings carried over from the previous cycle"),
}
METRIC_NAMES: tuple[str, ...] = tuple(METRICS)
