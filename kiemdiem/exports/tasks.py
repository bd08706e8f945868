"""The background export as a task of the task queue (queued by services.export_request).

Idempotent: a delivery claims the job by id (services.export_run); a job already written is left
alone, one whose worker died has its file written again from the start.
"""

from kiemdiem.exports import services
from kiemdiem.exports.models import ExportStatus


def export_task(job_id: int) -> str:
    """Write the workbook of one long list for its owner to download."""
    job = services.export_run(job_id)
    if job is None:
        return f"Lượt xuất số {job_id}: không còn gì để ghi."
    if job.status == ExportStatus.DONE:
        return f"Lượt xuất số {job.pk}: đã ghi {job.rows_done} dòng vào {job.filename}."
    return f"Lượt xuất số {job.pk}: {job.get_status_display()}. {job.error}".strip()
