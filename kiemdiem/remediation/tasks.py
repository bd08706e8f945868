"""Periodic work of the remediation app, run by the task workers (settings.KIEMDIEM_SCHEDULES)."""

from kiemdiem.remediation.services import sweep_overdue


def overdue_sweep() -> str:
    """Flag the items and plans that passed their deadline (idempotent: claimed per row)."""
    swept = sweep_overdue()
    return f"quá hạn mới: {swept['items']} nội dung, {swept['plans']} kế hoạch"
