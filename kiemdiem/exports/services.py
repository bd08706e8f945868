"""Every write of an export: ask for one (audited), run a background one, the runner's loop.

A short list (up to KIEMDIEM_EXPORT_INLINE_MAX_ROWS rows) is written during the request and
sent at once; a longer one becomes a job queued on the task queue (exports.tasks.export_task,
committed with the job row): `export_run(job_id)` does the whole work for one job, so any runner
can call it. Claiming is a compare-and-set on (status, attempts) with a lease that progress
reports renew, so two deliveries never write the same job, and a job whose worker died is
written again when the queue delivers it again (after its lease has expired).
"""

import datetime
import io
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.db_router import replica_reads
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.core.tasks import enqueue
from kiemdiem.core.xlsx import attachment_name, write_xlsx
from kiemdiem.exports.models import ExportJob, ExportStatus
from kiemdiem.exports.registry import ExportRefused, build

logger = logging.getLogger(__name__)


def _inline_max() -> int:
    return getattr(settings, "KIEMDIEM_EXPORT_INLINE_MAX_ROWS", 2000)


def _lease_end() -> datetime.datetime:
    seconds = getattr(settings, "KIEMDIEM_EXPORT_LEASE_SECONDS", 300)
    return timezone.now() + datetime.timedelta(seconds=seconds)


@transaction.atomic
def export_request(*, user, kind: str, params: dict[str, str]) -> tuple[ExportJob, bytes | None]:
    """Ask for the export of a list with the filters of its page.

    Returns the job and, for a short list, the workbook itself (the job is then already done);
    a long list is left to a runner (the bytes are None). Refused with a Vietnamese message,
    nothing recorded, when a filter names something outside the user's scope.
    """
    try:
        sheet = build(kind, user, params)
    except ExportRefused as exc:
        raise DomainError(exc.message) from exc
    with replica_reads():  # the list's rows may come from the replica (core/db_router.py)
        total = sheet.count()
    job = ExportJob.objects.create(
        created_by=user, kind=kind, params=params, title=sheet.title[:255], rows_total=total
    )
    audit_record(
        obj=job,
        action=AuditAction.CREATE,
        by=user,
        changes={"title": [None, job.title], "rows_total": [None, total]},
        unit_path=sheet.unit_path,
    )
    if total > _inline_max():
        enqueue(
            "kiemdiem.exports.tasks.export_task",
            job.pk,
            name=_("Xuất Excel: %(t)s") % {"t": job.title},
        )
        return job, None
    out = io.BytesIO()
    with replica_reads():
        written = write_xlsx(
            out, title=sheet.title, columns=sheet.columns, rows=sheet.iter_rows(), streamed=False
        )
    now = timezone.now()
    job.status = ExportStatus.DONE
    job.rows_done = job.rows_total = written
    job.filename = attachment_name(sheet.filename)
    job.started_at = job.finished_at = now
    job.save(
        update_fields=["status", "rows_done", "rows_total", "filename", "started_at", "finished_at"]
    )
    return job, out.getvalue()


class LostLease(Exception):
    """Another runner took the job over (its lease expired before this one renewed it)."""


def _claim(job_id: int) -> ExportJob | None:
    """Take the job if it is waiting (or its runner's lease expired); None if someone else has it,
    it is finished, or it failed too often."""
    job = ExportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None:
        return None
    now = timezone.now()
    claimable = Q(status=ExportStatus.PENDING) | Q(status=ExportStatus.RUNNING, lease_until__lt=now)
    if job.attempts >= getattr(settings, "KIEMDIEM_EXPORT_MAX_ATTEMPTS", 3):
        ExportJob.objects.filter(claimable, pk=job.pk, attempts=job.attempts).update(
            status=ExportStatus.FAILED,
            error=_("Đã thử xuất nhiều lần không thành công. Hãy yêu cầu xuất lại."),
            finished_at=now,
        )
        return None
    taken = ExportJob.objects.filter(claimable, pk=job.pk, attempts=job.attempts).update(
        status=ExportStatus.RUNNING,
        attempts=F("attempts") + 1,
        lease_until=_lease_end(),
        started_at=now,
        rows_done=0,
    )
    if not taken:
        return None
    job.refresh_from_db()
    return job


def _progress(job: ExportJob, rows: int) -> None:
    renewed = ExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.RUNNING, attempts=job.attempts
    ).update(rows_done=rows, lease_until=_lease_end())
    if not renewed:
        raise LostLease


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING, attempts=job.attempts).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def export_run(job_id: int) -> ExportJob | None:
    """Write the workbook of one background export (the whole task: any runner calls this).

    Reads the rows with the owner's scope as it is now, reports progress every 1,000 rows, and
    stores the file for the owner to download. Returns the job, or None if it was not claimable.
    """
    job = _claim(job_id)
    if job is None:
        return None
    try:
        sheet = build(job.kind, job.created_by, job.params)
        with tempfile.TemporaryFile() as tmp, replica_reads():
            written = write_xlsx(
                tmp,
                title=sheet.title,
                columns=sheet.columns,
                rows=sheet.iter_rows(),
                progress=lambda rows: _progress(job, rows),
            )
            tmp.seek(0)
            filename = attachment_name(sheet.filename)
            job.file.save(filename, File(tmp, name=filename), save=False)
    except LostLease:
        logger.warning("export job %s: lease lost, another runner took it", job.pk)
        return job
    except ExportRefused as exc:
        _fail(job, exc.message)
        return ExportJob.objects.get(pk=job.pk)
    except Exception:  # noqa: BLE001 - recorded on the job, which its owner sees
        logger.exception("export job %s failed", job.pk)
        _fail(job, _("Lỗi khi ghi tệp Excel. Lỗi đã được ghi lại; hãy thử xuất lại sau."))
        return ExportJob.objects.get(pk=job.pk)
    done = ExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.RUNNING, attempts=job.attempts
    ).update(
        status=ExportStatus.DONE,
        rows_done=written,
        rows_total=written,
        file=job.file.name,
        filename=filename,
        finished_at=timezone.now(),
    )
    if not done:  # taken over meanwhile: this copy of the file is not the job's
        job.file.delete(save=False)
    return ExportJob.objects.get(pk=job.pk)
