"""The import's two steps as tasks of the task queue (queued by jobs.job_submit/job_confirm).

Each is idempotent: a delivery finds the job by id and claims it (jobs.job_claim); a job past
the step is left alone, a job whose previous worker died has its step redone from scratch.
"""

from kiemdiem.transfer import jobs
from kiemdiem.transfer.states import ImportStatus


def import_check(job_id: int) -> str:
    """The dry run: the row-by-row report, nothing written to the organization tree."""
    job = jobs.job_claim(job_id, step="check")
    if job is None:
        return f"Lượt nhập số {job_id}: không còn gì để chạy thử."
    job = jobs.job_check(job, echo=jobs.ECHO.get())
    return f"Lượt nhập số {job.pk}: {ImportStatus(job.status).label}. {jobs.summary(job)}"


def import_run(job_id: int) -> str:
    """The real run: every row in one transaction, or none."""
    job = jobs.job_claim(job_id, step="run")
    if job is None:
        return f"Lượt nhập số {job_id}: không còn gì để ghi."
    job = jobs.job_run(job, echo=jobs.ECHO.get())
    return f"Lượt nhập số {job.pk}: {ImportStatus(job.status).label}. {jobs.summary(job)}"
