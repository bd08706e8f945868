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


def summaries_rebuild_after_move(old_path: str, new_path: str) -> str:
    """A unit moved (org.services.unit_move): rebuild the summaries of every cycle whose scope
    held it before or holds it now, or lies inside it (summaries are kept per unit path)."""
    from kiemdiem.reviews.models import ReviewCycle

    cycles = [
        cycle
        for cycle in ReviewCycle.objects.exclude(status="draft").select_related("scope_unit")
        if old_path.startswith(cycle.scope_unit.path)
        or new_path.startswith(cycle.scope_unit.path)
        or cycle.scope_unit.path.startswith(new_path)
    ]
    for cycle in cycles:
        summaries.rebuild(cycle)
    # The classification statistics are kept per unit path too.
    from kiemdiem.classification import statistics
    from kiemdiem.classification.models import RatingRound

    rounds = [
        round_
        for round_ in RatingRound.objects.select_related("scope_unit")
        if old_path.startswith(round_.scope_unit.path)
        or new_path.startswith(round_.scope_unit.path)
        or round_.scope_unit.path.startswith(new_path)
    ]
    for round_ in rounds:
        statistics.rebuild(round_)
    return (
        f"tính lại số liệu của {len(cycles)} đợt kiểm điểm, {len(rounds)} đợt xếp loại "
        "sau khi chuyển đơn vị"
    )
