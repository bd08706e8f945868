"""The two steps of a discipline or confidence-vote import, run as jobs of the task queue.

Each step claims its import by a conditional UPDATE of its status (checking → checked, importing
→ imported), so a second delivery of the same task finds nothing to do, and the step's writes,
its report and the job's result commit together (core.tasks.run_job).
"""

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditAction
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
