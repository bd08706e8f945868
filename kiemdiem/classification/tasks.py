"""Periodic work of the classification, run by the task workers (settings.KIEMDIEM_SCHEDULES)."""

from kiemdiem.classification import statistics


def statistics_merge() -> str:
    """Fold the pending rating changes into the statistics summaries (safe in parallel)."""
    return f"tổng hợp {statistics.merge_all()} thay đổi xếp loại"
