"""Every write to an import job: create, dry run, confirm, real run.

The lifecycle is in states.py. Both steps, the dry run and the real run, are tasks in the task
queue (transfer/tasks.py; core.tasks), never work inside a web request. Each delivery of a step's
task claims the job with a conditional UPDATE on (status, attempts); the task queue delivers a
step again when its worker died, and the step is then redone from scratch. A write that carries
an older attempt number is refused, so a late worker can never overwrite a newer one's result.
"""

import contextlib
import contextvars
import gc
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.core.tasks import enqueue
from kiemdiem.org.scoping import access_for
from kiemdiem.transfer.columns import ENTITIES, TABLES
from kiemdiem.transfer.models import ImportJob
from kiemdiem.transfer.planner import ACTION_LABELS, Plan, plan_import
from kiemdiem.transfer.reader import read_files
from kiemdiem.transfer.states import ImportStatus
from kiemdiem.transfer.writer import apply_plan

logger = logging.getLogger(__name__)

Echo = Callable[[str, int, int], None]
# Where a step run in the foreground (manage.py import_org) prints its progress as well.
ECHO: contextvars.ContextVar[Echo | None] = contextvars.ContextVar("import_echo", default=None)


class LostLease(DomainError):
    """Another delivery of the step took the job over (this worker was presumed dead)."""


def _transition(job: ImportJob, old: str, new: str, *, by, reason: str = "") -> None:
    audit_record(
        obj=job,
        action=AuditAction.TRANSITION,
        by=by,
        changes={"status": [ImportStatus(old).label, ImportStatus(new).label]},
        reason=reason,
        unit_path=_audit_path(job),
    )


def _audit_path(job: ImportJob) -> str:
    """The importer's managed subtree, so the audit page shows the job to that office."""
    if job.created_by is None:
        return ""
    office = access_for(job.created_by).office_paths
    return office[0] if office else ""


# --- create --------------------------------------------------------------------------------


def job_create(*, files: list[tuple[str, IO[bytes]]], by, entity: str = "") -> ImportJob:
    """Store the uploaded files (with their SHA-256) and register a job waiting for its dry run."""
    if entity and entity not in TABLES:
        raise DomainError(_("Bảng dữ liệu không hợp lệ."), field="entity")
    if not files:
        raise DomainError(_("Hãy chọn tệp để nhập."), field="files")
    # The size first (a seek, nothing read), so an oversized file is never read nor stored.
    total = sum(_size(handle) for _name, handle in files)
    if total > settings.KIEMDIEM_IMPORT_MAX_BYTES:
        raise DomainError(too_big_message(total), field="files")
    stored = []
    folder = f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    for name, handle in files:
        digest = hashlib.sha256()
        size = 0
        handle.seek(0)
        for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
        handle.seek(0)
        safe = get_valid_filename(os.path.basename(name))[-100:] or "tep"
        path = default_storage.save(f"{folder}/{safe}", File(handle, name=safe))
        stored.append({"name": name, "path": path, "sha256": digest.hexdigest(), "size": size})
    actor = by if by is not None and by.is_authenticated else None
    job = ImportJob.objects.create(created_by=actor, files=stored, entity=entity)
    audit_record(
        obj=job,
        action=AuditAction.CREATE,
        by=actor,
        changes={"files": [None, ", ".join(f"{f['name']} ({f['sha256'][:12]})" for f in stored)]},
        unit_path=_audit_path(job),
    )
    return job


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def too_big_message(size: int) -> str:
    limit = settings.KIEMDIEM_IMPORT_MAX_BYTES
    return _(
        "Tệp quá lớn (%(size)s MB): mỗi lần nhập tối đa %(max)s MB. Hãy chia dữ liệu thành "
        "nhiều tệp (ví dụ theo từng đảng bộ) rồi nhập lần lượt."
    ) % {"size": f"{size / 1048576:.1f}".replace(".", ","), "max": limit // 1048576}


def total_size(job: ImportJob) -> int:
    return sum(f["size"] for f in job.files)


@contextlib.contextmanager
def open_files(job: ImportJob) -> Iterator[list[tuple[str, IO[bytes]]]]:
    handles = []
    try:
        for item in job.files:
            handles.append((item["name"], default_storage.open(item["path"], "rb")))
        yield handles
    finally:
        for _name, handle in handles:
            handle.close()


# --- progress ------------------------------------------------------------------------------


class Progress:
    """Progress reports of the job's current step (the job page polls them).

    Outside a transaction the job row is updated on the default connection. Inside the real
    run's transaction, PostgreSQL gets the update from a second connection (autocommit), so the
    progress page and other workers see it; SQLite allows one writer at a time, so there the
    update joins the transaction (and the page shows the step without the count until commit).
    """

    def __init__(self, job: ImportJob, echo: Echo | None = None, every: float = 1.0) -> None:
        self.job = job
        self.echo = echo
        self.every = every
        self.last = 0.0
        self.side = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.echo is not None:
            self.echo(stage, done, total)
        now = timezone.now()
        if now.timestamp() - self.last < self.every and done < total:
            return
        self.last = now.timestamp()
        values = {
            "stage": stage[:120],
            "rows_done": done,
            "rows_total": total,
            "heartbeat_at": now,
        }
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._side_update(values)
        else:
            ImportJob.objects.filter(pk=self.job.pk, attempts=self.job.attempts).update(**values)

    def _side_update(self, values: dict) -> None:
        table = ImportJob._meta.db_table
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.side.cursor() as cursor:
                    # Never wait behind a row lock: a missed heartbeat is harmless.
                    cursor.execute("SET lock_timeout = '2s'")
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET stage = %s, rows_done = %s, rows_total = %s, "  # noqa: S608
                    "heartbeat_at = %s WHERE id = %s AND attempts = %s",
                    [
                        values["stage"],
                        values["rows_done"],
                        values["rows_total"],
                        values["heartbeat_at"],
                        self.job.pk,
                        self.job.attempts,
                    ],
                )
        except Exception:  # noqa: BLE001 - progress is best effort; the run itself goes on
            logger.warning("import job %s: progress update failed", self.job.pk, exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def _claim(job: ImportJob, old: str, new: str) -> bool:
    """Take the job from status `old` to `new` if nobody else did (one more attempt)."""
    now = timezone.now()
    taken = ImportJob.objects.filter(pk=job.pk, status=old, attempts=job.attempts).update(
        status=new,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        rows_done=0,
        stage="",
    )
    if taken:
        job.refresh_from_db()
    return bool(taken)


# --- dry run -------------------------------------------------------------------------------


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for one step of an import. A step builds hundreds of
    thousands of small objects (rows, model instances, audit rows) that all stay alive until it
    ends, so every full collection walks them all again: 36 full collections, a fifth of the time
    of a 100,000-member import (bench/import_members.py), to free next to nothing (a 5,000-member
    dry run and real run leave 0 and 15 objects in cycles). Reference counting still frees
    everything else at once; the collector is back on after the step, failed or not."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _plan(job: ImportJob, progress: Progress) -> Plan:
    with open_files(job) as files:
        contents = read_files(files, entity=job.entity)
    progress(_("Đã đọc tệp"), 0, contents.row_count)
    return plan_import(contents, user=job.created_by, progress=progress)


@cycle_collector_paused()
def job_check(job: ImportJob, *, echo: Echo | None = None) -> ImportJob:
    """The dry run of a claimed job (status CHECKING): the row-by-row report, nothing written."""
    progress = Progress(job, echo)
    try:
        plan = _plan(job, progress)
    except Exception as exc:  # noqa: BLE001 - recorded on the job, which the user sees
        logger.exception("import job %s: dry run failed", job.pk)
        _fail(job, ImportStatus.CHECKING, _("Lỗi khi chạy thử: %(e)s") % {"e": exc})
        job.refresh_from_db()
        return job
    finally:
        progress.close()
    now = timezone.now()
    updated = ImportJob.objects.filter(
        pk=job.pk, status=ImportStatus.CHECKING, attempts=job.attempts
    ).update(
        status=ImportStatus.CHECKED,
        counts=plan.counts(),
        report=plan.to_report(settings.KIEMDIEM_IMPORT_REPORT_ROWS),
        rows_total=plan.row_count,
        rows_done=plan.row_count,
        stage="",
        checked_at=now,
        error="",
    )
    if not updated:
        raise LostLease(_("Lượt nhập đã được tiến trình khác xử lý."))
    job.refresh_from_db()
    _transition(
        job, ImportStatus.CHECKING, ImportStatus.CHECKED, by=job.created_by, reason=summary(job)
    )
    return job


def job_start_check(job: ImportJob, *, echo: Echo | None = None) -> ImportJob:
    """Run the dry run now, in this process (benchmarks, tests): claim the job and check it."""
    if not _claim(job, ImportStatus.UPLOADED, ImportStatus.CHECKING):
        raise DomainError(_("Lượt nhập này đang được kiểm tra."))
    return job_check(job, echo=echo)


def job_submit(
    *, files: list[tuple[str, IO[bytes]]], by, entity: str = "", eager: bool | None = None
) -> ImportJob:
    """Store the files and queue their dry run, in one transaction (the job never waits for a
    task that was not queued)."""
    with transaction.atomic():
        job = job_create(files=files, by=by, entity=entity)
        enqueue(
            "kiemdiem.transfer.tasks.import_check",
            job.pk,
            name=_("Chạy thử lượt nhập số %(id)s") % {"id": job.pk},
            eager=eager,
        )
    job.refresh_from_db()
    return job


# --- confirm and real run ------------------------------------------------------------------


def can_confirm(job: ImportJob) -> tuple[bool, str]:
    if job.status != ImportStatus.CHECKED:
        return False, _("Chỉ xác nhận được lượt nhập đã chạy thử xong.")
    if job.rejected:
        return False, _("Còn dòng bị từ chối: hãy sửa tệp rồi tải lên lại.")
    if not job.changes:
        return False, _("Không có gì thay đổi: dữ liệu trong tệp đã có đủ.")
    return True, ""


def job_confirm(job: ImportJob, *, by, eager: bool | None = None) -> ImportJob:
    """Accept the dry run and queue the real run for the task workers."""
    ok, reason = can_confirm(job)
    if not ok:
        raise DomainError(reason)
    with transaction.atomic():
        if not ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.CHECKED, attempts=job.attempts
        ).update(status=ImportStatus.QUEUED):
            raise DomainError(_("Lượt nhập này vừa được xác nhận."))
        _transition(job, ImportStatus.CHECKED, ImportStatus.QUEUED, by=by)
        enqueue(
            "kiemdiem.transfer.tasks.import_run",
            job.pk,
            name=_("Ghi dữ liệu lượt nhập số %(id)s") % {"id": job.pk},
            eager=eager,
        )
    job.refresh_from_db()
    return job


def job_start_run(job: ImportJob, *, by, echo: Echo | None = None) -> ImportJob:
    """Run a checked job now, in this process (benchmarks, tests)."""
    ok, reason = can_confirm(job)
    if not ok:
        raise DomainError(reason)
    if not _claim(job, ImportStatus.CHECKED, ImportStatus.RUNNING):
        raise DomainError(_("Lượt nhập này vừa được xác nhận."))
    _transition(job, ImportStatus.CHECKED, ImportStatus.RUNNING, by=by)
    return job_run(job, echo=echo)


@cycle_collector_paused()
def job_run(job: ImportJob, *, echo: Echo | None = None) -> ImportJob:
    """The real run of a claimed job (status RUNNING): all rows in one transaction, or none.

    The files are checked again against the database as it is now; if any row is rejected
    (someone changed the data since the dry run), nothing is written and the job fails with
    the new report.
    """
    progress = Progress(job, echo)
    reason = _("Nhập dữ liệu từ tệp %(files)s (lượt nhập số %(id)s)") % {
        "files": ", ".join(f["name"] for f in job.files),
        "id": job.pk,
    }
    try:
        plan = _plan(job, progress)
        if not plan.ok:
            ImportJob.objects.filter(pk=job.pk, attempts=job.attempts).update(
                counts=plan.counts(), report=plan.to_report(settings.KIEMDIEM_IMPORT_REPORT_ROWS)
            )
            raise DomainError(
                _(
                    "Dữ liệu đã thay đổi từ lúc chạy thử: có dòng bị từ chối, không ghi gì. Hãy "
                    "xem kết quả kiểm tra mới bên dưới và tải tệp đã sửa lên lại."
                )
            )
        with transaction.atomic():
            progress(_("Bắt đầu ghi"), 0, plan.row_count)
            counts = apply_plan(plan, user=job.created_by, reason=reason, progress=progress)
            progress.close()
            done = ImportJob.objects.filter(
                pk=job.pk, status=ImportStatus.RUNNING, attempts=job.attempts
            ).update(
                status=ImportStatus.DONE,
                counts=counts,
                rows_done=plan.row_count,
                rows_total=plan.row_count,
                stage="",
                finished_at=timezone.now(),
                error="",
            )
            if not done:
                raise LostLease(_("Lượt nhập đã được tiến trình khác nhận xử lý lại."))
            job.refresh_from_db()
            _transition(
                job, ImportStatus.RUNNING, ImportStatus.DONE, by=job.created_by, reason=summary(job)
            )
    except LostLease:
        raise
    except DomainError as exc:
        _fail(job, ImportStatus.RUNNING, str(exc.message))
        job.refresh_from_db()
        return job
    except Exception as exc:  # noqa: BLE001 - recorded on the job, which the user sees
        logger.exception("import job %s: real run failed", job.pk)
        _fail(job, ImportStatus.RUNNING, _("Lỗi khi ghi dữ liệu, không ghi gì: %(e)s") % {"e": exc})
        job.refresh_from_db()
        return job
    finally:
        progress.close()
    return job


def _fail(job: ImportJob, old: str, message: str) -> None:
    failed = ImportJob.objects.filter(pk=job.pk, status=old, attempts=job.attempts).update(
        status=ImportStatus.FAILED,
        error=message[:4000],
        finished_at=timezone.now(),
    )
    if failed:
        _transition(job, old, ImportStatus.FAILED, by=job.created_by, reason=message[:1000])


def summary(job: ImportJob) -> str:
    """One line: per table, how many rows are created, updated, unchanged, rejected."""
    parts = []
    for entity in ENTITIES:
        counts = job.counts.get(entity)
        if not counts:
            continue
        figures = ", ".join(
            f"{counts.get(action, 0)} {str(label).lower()}"
            for action, label in ACTION_LABELS.items()
            if counts.get(action)
        )
        parts.append(f"{TABLES[entity].label}: {figures}")
    problems = job.report.get("problems", [])
    if problems:
        parts.append(_("%(n)s lỗi tệp") % {"n": len(problems)})
    return "; ".join(parts) or _("Không có dòng dữ liệu nào.")


# --- the tasks' claim ---------------------------------------------------------------------

STEPS = {
    # step: (status waiting for it, status while it runs)
    "check": (ImportStatus.UPLOADED, ImportStatus.CHECKING),
    "run": (ImportStatus.QUEUED, ImportStatus.RUNNING),
}


def job_claim(job_id: int, *, step: str) -> ImportJob | None:
    """Claim a job for one delivery of its step's task; None when there is nothing to do.

    A job already past the step (a second delivery of a task that did finish) is left alone.
    A job still in the step's running status was claimed by a delivery whose worker died (the
    queue delivers again only after its `retry` time, longer than any task may run): its step
    is redone from scratch, up to KIEMDIEM_IMPORT_MAX_ATTEMPTS times, then the job fails.
    """
    waiting, busy = STEPS[step]
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (waiting, busy):
        return None
    if job.status == busy:
        if job.attempts >= settings.KIEMDIEM_IMPORT_MAX_ATTEMPTS:
            _fail(
                job,
                busy,
                _("Đã thử %(n)s lần mà không xong (tiến trình bị dừng giữa chừng); không ghi gì.")
                % {"n": job.attempts},
            )
            return None
        logger.warning("import job %s: its worker died, running %s again", job.pk, step)
    if not _claim(job, job.status, busy):
        return None
    return job
