"""Background work: a user's job page (progress, result), and the administrators' page of
schedules, queued, running and finished tasks."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import OrmQ, Schedule, Task
from django_q.signing import BadSignature, SignedPackage

from kiemdiem.core.models import AuditEvent, Job
from kiemdiem.core.page_cache import uncached

RECENT = 100


def _queued() -> list[dict]:
    """Tasks waiting or being worked on: locked = a worker holds it until that time."""
    now = timezone.now()
    rows = []
    for item in OrmQ.objects.order_by("id")[:RECENT]:
        try:
            task = SignedPackage.loads(item.payload)
        except BadSignature:  # signed with another SECRET_KEY: shown, never run
            task = {"name": "?", "func": "?"}
        rows.append(
            {
                "name": task.get("name"),
                "func": task.get("func"),
                "running": item.lock is not None and item.lock > now,
                "lock": item.lock,
            }
        )
    return rows


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The last verdict on the audit trail, every schedule, the queue, and the last finished
    tasks with their result."""
    if not request.user.is_superuser:
        raise PermissionDenied(_("Chỉ quản trị hệ thống xem được tiến trình nền."))
    verdict = AuditEvent.objects.filter(object_type="core.auditseal").order_by("-at", "-id").first()
    ctx = {
        "verdict": verdict,
        "schedules": Schedule.objects.order_by("name"),
        "queued": _queued(),
        "queued_total": OrmQ.objects.count(),
        "tasks": Task.objects.order_by("-stopped")[:RECENT],
    }
    # "Running" is a worker's lock compared with the clock: never a kept page.
    return uncached(render(request, "core/task_list.html", ctx))


def _job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user), pk=pk)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One background job: its progress while it runs, its result when done."""
    return render(request, "core/job_detail.html", {"job": _job(request, pk)})


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel (htmx polls it every 2 s); reloads the page once the job ended."""
    job = _job(request, pk)
    response = render(request, "core/job_detail.html#progress", {"job": job})
    if job.ok is not None:
        response["HX-Refresh"] = "true"
    return response
