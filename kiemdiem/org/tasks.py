"""Work of the organization app run by the task workers (settings.KIEMDIEM_SCHEDULES)."""

from kiemdiem.org import member_counts


def member_counts_merge() -> str:
    """Every minute: add the pending membership changes to the members-per-unit summary
    (org/member_counts.py; safe in parallel)."""
    return f"cộng {member_counts.merge_all()} thay đổi số đảng viên"
