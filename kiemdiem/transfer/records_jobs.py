"""The two steps of a discipline, confidence-vote or past-rating import, run as jobs of the task
queue, and the two calls that start them (`start`: save the workbook and queue its dry run;
`confirm`: queue the real run of a clean dry run), shared by the pages and the API.

Each step claims its import by a conditional UPDATE of its status (checking → checked, importing
→ imported), so a second delivery of the same task finds nothing to do, and the step's writes,
its report and the job's result commit together (core.tasks.run_job).
"""

import hashlib
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction, Job
from kiemdiem.core.tasks import enqueue_job
from kiemdiem.transfer import records
from kiemdiem.transfer.models import RecordImport

Status = RecordImport.Status


def _save_report(job: RecordImport, outcome: records.Outcome) -> None:
    rows = sorted(outcome.rows, key=lambda r: (r[1] != records.REFUSED, r[0]))
    job.counts = outcome.counts()
    job.report = {"problems": outcome.problems, "rows": [list(r) for r in rows]}


def _summary(job: RecordImport) -> str:
    counts = job.counts
    return _("Thêm mới %(c)s, đã có %(e)s, bị từ chối %(r)s dòng.") % {
        "c": counts.get(records.CREATED, 0),
        "e": counts.get(records.EXISTS, 0),
        "r": counts.get(records.REFUSED, 0) + len(job.report.get("problems", [])),
    }


def check(import_id: int, user_id: int) -> str:
    """The dry run: every row tried, nothing kept."""
    job = RecordImport.objects.select_for_update().filter(pk=import_id).first()
    if job is None or job.status != Status.CHECKING:
        return _("Lượt nhập số %(id)s: không còn gì để chạy thử.") % {"id": import_id}
    user = get_user_model().objects.get(pk=user_id)
    with default_storage.open(job.file_path, "rb") as handle:
        outcome = records.run(job.kind, handle, by=user, dry_run=True)
    _save_report(job, outcome)
    job.status = Status.CHECKED
    job.save(update_fields=["counts", "report", "status"])
    audit_record(
        obj=job,
        action=AuditAction.UPDATE,
        by=user,
        changes={"status": [Status.CHECKING, Status.CHECKED], "counts": [None, job.counts]},
        reason=_("Chạy thử"),
    )
    return _("Đã chạy thử %(f)s: %(s)s") % {"f": job.file_name, "s": _summary(job)}


def run(import_id: int, user_id: int) -> str:
    """The real run: all rows or none; a row refused now (the data changed since the dry run)
    leaves nothing written and the import back to "checked" with the new report."""
    job = RecordImport.objects.select_for_update().filter(pk=import_id).first()
    if job is None or job.status != Status.IMPORTING:
        return _("Lượt nhập số %(id)s: không còn gì để nhập.") % {"id": import_id}
    user = get_user_model().objects.get(pk=user_id)
    with default_storage.open(job.file_path, "rb") as handle:
        if records.digest(handle) != job.sha256:
            job.status = Status.CHECKED
            job.report = {**job.report, "problems": [_("Tệp đã bị thay đổi: hãy tải lên lại.")]}
            job.save(update_fields=["status", "report"])
            return _("Tệp đã bị thay đổi: chưa nhập gì.")
        outcome = records.run(job.kind, handle, by=user, dry_run=False)
    before = job.counts
    _save_report(job, outcome)
    job.status = Status.IMPORTED if outcome.clean else Status.CHECKED
    if outcome.clean:
        job.imported_at = timezone.now()
    job.save(update_fields=["counts", "report", "status", "imported_at"])
    audit_record(
        obj=job,
        action=AuditAction.UPDATE,
        by=user,
        changes={"status": [Status.IMPORTING, job.status], "counts": [before, job.counts]},
        reason=_("Nhập dữ liệu"),
    )
    if not outcome.clean:
        return _("Dữ liệu đã thay đổi từ lúc chạy thử: có dòng bị từ chối, chưa nhập gì.")
    return _("Đã nhập %(f)s: %(s)s") % {"f": job.file_name, "s": _summary(job)}


def start(*, by, kind: str, file_name: str, content: bytes) -> tuple[RecordImport, Job]:
    """Save the workbook and queue its dry run: the report lists every row's fate."""
    if kind not in records.RECORD_TABLES:
        raise DomainError(_("Hãy chọn loại dữ liệu cần nhập."), field="kind")
    if len(content) > settings.KIEMDIEM_IMPORT_MAX_BYTES:
        limit = settings.KIEMDIEM_IMPORT_MAX_BYTES // 1048576
        raise DomainError(_("Tệp lớn hơn %(n)s MB.") % {"n": limit}, field="file")
    path = default_storage.save(
        f"nhap-ho-so/{uuid.uuid4().hex}-{get_valid_filename(file_name or 'tep.xlsx')[:80]}",
        ContentFile(content),
    )
    with transaction.atomic():
        record = RecordImport.objects.create(
            kind=kind,
            created_by=by,
            file_name=(file_name or "tep.xlsx")[:255],
            file_path=path,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        audit_record(
            obj=record,
            action=AuditAction.CREATE,
            by=by,
            changes={"kind": [None, kind], "file_name": [None, record.file_name]},
        )
    job = enqueue_job(
        "kiemdiem.transfer.tasks.records_check",
        record.pk,
        by.pk,
        name=_("Chạy thử %(f)s") % {"f": record.file_name},
        by=by,
        url=record.get_absolute_url(),
    )
    RecordImport.objects.filter(pk=record.pk).update(job_id_ref=job.pk)
    record.refresh_from_db()
    return record, job


def confirm(*, record: RecordImport, by) -> Job | None:
    """Queue the real run of a clean dry run (all rows or none). Claimed by its status: a second
    call (a second click, a second tab, a retried request) queues nothing and returns None."""
    if not record.clean or record.status not in (Status.CHECKED, Status.IMPORTING):
        raise DomainError(_("Chỉ nhập được lượt đã chạy thử không có dòng bị từ chối."))
    claimed = RecordImport.objects.filter(pk=record.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING
    )
    if not claimed:
        return None
    job = enqueue_job(
        "kiemdiem.transfer.tasks.records_import",
        record.pk,
        by.pk,
        name=_("Nhập %(f)s") % {"f": record.file_name},
        by=by,
        url=record.get_absolute_url(),
    )
    RecordImport.objects.filter(pk=record.pk).update(job_id_ref=job.pk)
    record.refresh_from_db()
    return job
