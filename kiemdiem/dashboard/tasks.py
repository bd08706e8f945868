"""Periodic work of the dashboard, run by the task workers (settings.KIEMDIEM_SCHEDULES).

The summary merge runs only here: pages show the figures as last merged and how many changes
are still waiting, but no request triggers a merge.
"""

from kiemdiem.dashboard import reminders, summaries


def summaries_merge() -> str:
    """Fold the pending change records into the campaign summaries (safe in parallel)."""
    return f"tổng hợp {summaries.merge_all()} thay đổi"


def reminders_send() -> str:
    """Send the due reminder e-mails, each once (a failed mail is tried again next run)."""
    mailed = reminders.reminders_send()
    return f"gửi {mailed['mails']} thư ({mailed['reminders']} nhắc việc, {mailed['failed']} lỗi)"
