"""The task queue: long and periodic work runs in django-q2's workers, never in a request.

Why django-q2 (README, "Production"): it keeps its queue in the project's own database (SQLite
or PostgreSQL, no Redis or RabbitMQ on an intranet server), redelivers a task whose worker died
or failed (`retry`, up to `max_attempts`), lets several workers and clusters take tasks safely
(a conditional UPDATE claims each one), and runs periodic schedules stored in the database.

Tasks live in each app's tasks.py and call that app's services; they must be idempotent, since a
task can be delivered again after its worker was killed. This module only names the schedules
(settings.KIEMDIEM_SCHEDULES) and queues tasks by dotted path, so core imports no other app.
"""

import datetime
import logging
from contextlib import nullcontext
from multiprocessing import Queue, Value
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.monitor import monitor
from django_q.signing import SignedPackage
from django_q.tasks import async_task
from django_q.worker import worker

from kiemdiem.core.models import Job

logger = logging.getLogger(__name__)

SCHEDULE_PREFIX = "kiemdiem:"


def enqueue(
    func: str, *args: Any, name: str, timeout: int | None = None, eager: bool | None = None
) -> str:
    """Queue `func(*args)` (a dotted path) for the task workers; returns the task's id.

    The queue is a table of this database, so inside a transaction the queued row commits or
    rolls back with the data the task is about: a task never runs for a change that was not
    saved, and a saved change never loses its task.
    """
    options: dict[str, Any] = {
        "task_name": name[:100],
        "group": func.rsplit(".", 1)[-1],
        "sync": settings.KIEMDIEM_TASKS_EAGER if eager is None else eager,
    }
    if timeout is not None:
        options["timeout"] = timeout
    return async_task(func, *args, q_options=options)


def _next_daily(hhmm: str, now: datetime.datetime) -> datetime.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = timezone.localtime(now)
    run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return run if run > local else run + datetime.timedelta(days=1)


def schedules_sync() -> list[str]:
    """Make the stored periodic schedules match settings.KIEMDIEM_SCHEDULES (idempotent).

    Run by `manage.py worker` when it starts. A schedule keeps its next run time when it did
    not change, so restarting workers does not run everything again.
    """
    now = timezone.now()
    names = []
    for key, (func, every) in settings.KIEMDIEM_SCHEDULES.items():
        name = SCHEDULE_PREFIX + key
        names.append(name)
        if isinstance(every, str):
            wanted = {"schedule_type": Schedule.DAILY, "minutes": None}
            first = _next_daily(every, now)
        else:
            wanted = {"schedule_type": Schedule.MINUTES, "minutes": every}
            first = now
        current = Schedule.objects.filter(name=name).first()
        if (
            current is not None
            and current.func == func
            and current.schedule_type == wanted["schedule_type"]
            and current.minutes == wanted["minutes"]
            and (
                not isinstance(every, str)
                or timezone.localtime(current.next_run).strftime("%H:%M") == every
            )
        ):
            continue
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "repeats": -1, "next_run": first, **wanted}
        )
    Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=names).delete()
    return names


def run_queued(limit: int | None = None) -> int:
    """Take due tasks from the queue and run them in this process, one at a time, exactly as a
    cluster worker does (result saved, task acknowledged; a failed one is delivered again after
    `retry`). For commands that work in the foreground (import_org) and for tests; returns how
    many tasks ran."""
    broker = get_broker()
    ran = 0
    while limit is None or ran < limit:
        # Not a blocking wait: dequeue() pauses `poll` seconds only when the queue is empty.
        packages = broker.dequeue()
        if not packages:
            break
        for ack_id, payload in packages:
            task = SignedPackage.loads(payload)
            task["ack_id"] = ack_id
            # In the foreground the cluster's time limit does not apply: this is the user's
            # own process (import_org), watched by them.
            task.pop("timeout", None)
            tasks, results = Queue(), Queue()
            tasks.put(task)
            tasks.put("STOP")
            worker(tasks, results, Value("f", -1), timeout=None)
            results.put("STOP")
            monitor(results, broker)
            for queue in (tasks, results):
                queue.close()
                queue.join_thread()
            ran += 1
    return ran


def audit_seal() -> str:
    """Every minute: seal the new audit rows into the hash chain (core/audit_chain.py)."""
    from kiemdiem.core.audit_chain import seal_pending

    return f"niêm phong {seal_pending()} bản ghi nhật ký"


def table_writes_merge() -> str:
    """Every minute: fold the write counts of ended database processes (core/table_writes.py),
    so that reading the tables' versions stays a short read."""
    from kiemdiem.core.table_writes import merge

    return f"gộp {merge()} dòng đếm ghi của các tiến trình đã kết thúc"


def notifications_mail() -> str:
    """Every few minutes: mail the pending notifications, one message per person, each once
    (core/notifications.py); the reminder sweep gives the deadline ones hourly."""
    from kiemdiem.core.notifications import mail_pending

    sent = mail_pending()
    return f"gửi {sent['mails']} thư ({sent['notifications']} thông báo, {sent['failed']} lỗi)"


def audit_verify() -> str:
    """Daily: verify the whole chain; the verdict goes to the audit trail and the log."""
    from kiemdiem.core.audit_chain import verify_and_record

    return verify_and_record()


def partitions_ensure() -> str:
    """Daily: PostgreSQL partitions of this year and the next for the audit trail and the
    progress reports, and of any year whose rows fell into DEFAULT (core/partitions.py)."""
    from kiemdiem.core.partitions import partitions_ensure as ensure

    created = ensure(years_ahead=1)
    return f"tạo {len(created)} phân vùng theo năm" + (f": {', '.join(created)}" if created else "")


def enqueue_job(func: str, *args: Any, name: str, by, url: str = "", stepwise: bool = False) -> Job:
    """Queue `func(*args)` as a job the user can follow on its page (progress, result).

    `func` returns the Vietnamese sentence shown as the result. A DomainError or
    PermissionDenied it raises is the user's answer (shown, not retried); any other error is
    recorded and the task is delivered again later, as every task is.

    A job's work and its "done" commit together (one transaction), so its page sees no
    progress until the end. `stepwise` runs `func` outside that transaction instead: its
    `job_progress` calls show at once, and `func` must itself keep the data whole if it stops
    half-way (e.g. write its file and its row only at the end).
    """
    with transaction.atomic():
        job = Job.objects.create(
            task_id="",
            name=name[:200],
            created_by=by if by is not None and by.is_authenticated else None,
            url=url,
        )
        runner = "run_job_stepwise" if stepwise else "run_job"
        task_id = enqueue(f"kiemdiem.core.tasks.{runner}", job.pk, func, *args, name=name)
        Job.objects.filter(pk=job.pk).update(task_id=task_id)
    job.refresh_from_db()
    return job


def job_progress(job_id: int, stage: str, done: int = 0, total: int = 0) -> None:
    """Report a step of a running job (the job page shows it)."""
    Job.objects.filter(pk=job_id).update(stage=stage[:120], done=done, total=total)


def run_job(job_id: int, func: str, *args: Any) -> str:
    """The task behind every job: runs `func`, records how it ended."""
    return _run_job(job_id, func, args, atomic=True)


def run_job_stepwise(job_id: int, func: str, *args: Any) -> str:
    """The task behind a stepwise job (`enqueue_job(stepwise=True)`): its progress shows."""
    return _run_job(job_id, func, args, atomic=False)


def _run_job(job_id: int, func: str, args: tuple[Any, ...], *, atomic: bool) -> str:
    from kiemdiem.core.errors import DomainError

    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.ok is not None:
        return "đã xong từ trước"  # a second delivery of a finished job
    Job.objects.filter(pk=job_id).update(
        started_at=timezone.now(), stage="", attempts=F("attempts") + 1
    )
    try:
        # The work and the job's "done" commit together: a worker killed in between leaves
        # neither, and the next delivery does both.
        with transaction.atomic() if atomic else nullcontext():
            result = str(import_string(func)(*args))
            _finish(job_id, ok=True, result=result)
    except (DomainError, PermissionDenied) as exc:
        message = str(getattr(exc, "message", "") or exc)
        _finish(job_id, ok=False, result=message)
        return message
    except Exception as exc:
        attempts = Job.objects.filter(pk=job_id).values_list("attempts", flat=True).first() or 0
        if attempts >= settings.Q_CLUSTER["max_attempts"]:
            # The queue's last delivery: the job ends here, and its page says so.
            _finish(job_id, ok=False, result=_gave_up(attempts, str(exc)[:200]))
        else:
            # Retried by the queue; the page says so meanwhile.
            Job.objects.filter(pk=job_id).update(
                stage=_("Lỗi, sẽ chạy lại: %(e)s") % {"e": str(exc)[:80]}
            )
        raise
    return result


def _gave_up(attempts: int, error: str) -> str:
    return _(
        "Không thực hiện được sau %(n)s lần chạy (lỗi hệ thống: %(e)s). Không có gì bị thay đổi; "
        "hãy báo quản trị hệ thống rồi làm lại."
    ) % {"n": attempts, "e": error or "?"}


def jobs_expire() -> str:
    """End the jobs the queue no longer holds but that never finished: their worker was killed
    on the last delivery (time limit, machine stop), so no code of theirs will say so. A job
    still queued or running is in the queue's table and is left alone."""
    queued = {row.task_id() for row in OrmQ.objects.all()}
    cutoff = timezone.now() - datetime.timedelta(minutes=10)
    stale = (
        Job.objects.filter(ok__isnull=True, created_at__lt=cutoff)
        .exclude(task_id__in=queued)
        .values_list("pk", "attempts")
    )
    ended = 0
    for job_id, attempts in list(stale):
        _finish(job_id, ok=False, result=_gave_up(attempts, _("tiến trình nền dừng giữa chừng")))
        ended += 1
    return f"{ended} công việc dừng giữa chừng được kết thúc"


def _finish(job_id: int, *, ok: bool, result: str) -> None:
    Job.objects.filter(pk=job_id, ok__isnull=True).update(
        ok=ok, result=result[:2000], finished_at=timezone.now(), stage=""
    )
