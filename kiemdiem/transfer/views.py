"""Pages of the import/export: templates, upload and dry run, confirm, progress, export."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from kiemdiem.core.errors import DomainError
from kiemdiem.core.forms import run_service
from kiemdiem.core.permissions import require
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.models import Membership, Person, Position, Unit
from kiemdiem.transfer import exporter, jobs
from kiemdiem.transfer.columns import ENTITIES, MEMBERSHIPS, PEOPLE, POSITIONS, TABLES, UNITS
from kiemdiem.transfer.forms import ExportForm, UploadForm
from kiemdiem.transfer.models import ImportJob, whose_jobs
from kiemdiem.transfer.permissions import can_use_transfer
from kiemdiem.transfer.planner import ACTION_LABELS, REJECT, UNCHANGED

ROWS_PER_PAGE = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Multipart overhead allowed on top of the file size limit when checking Content-Length.
MULTIPART_SLACK = 64 * 1024
MODELS = {UNITS: Unit, PEOPLE: Person, MEMBERSHIPS: Membership, POSITIONS: Position}
# The page's last jobs the user may see (ImportJob.objects.visible_to), compiled once.
RECENT_JOBS = 20
_RECENT_JOBS = Precompiled(
    lambda user_id: ImportJob.objects.started_by(user_id).select_related("created_by")[:RECENT_JOBS]
)


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)


def _index(
    request: HttpRequest, *, upload_form=None, export_form=None, upload_error="", status=200
) -> HttpResponse:
    ctx = {
        "upload_error": upload_error,
        "upload_form": upload_form or UploadForm(),
        "export_form": export_form or ExportForm(user=request.user),
        "tables": [TABLES[e] for e in ENTITIES],
        "jobs": _RECENT_JOBS(whose_jobs(request.user)),
        "max_mb": settings.KIEMDIEM_IMPORT_MAX_BYTES // 1048576,
    }
    return render(request, "transfer/index.html", ctx, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require(can_use_transfer(request.user))
    return _index(request)


@login_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    """The empty workbook (with instructions), or the empty CSV of one table."""
    require(can_use_transfer(request.user))
    entity = request.GET.get("bang", "")
    if entity in TABLES:
        response = HttpResponse(exporter.template_csv(entity), content_type=CSV_TYPE)
        name = f"mau-{TABLES[entity].filename}"
    else:
        response = HttpResponse(exporter.template_xlsx(), content_type=XLSX_TYPE)
        name = "mau-nhap-du-lieu.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- upload ----------------------------------------------------------------------------------


class SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit (a body sent without a length)."""

    def __init__(self, request, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            # Discard the rest of the body without keeping it, and answer with a message.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_big(request: HttpRequest, size: int) -> HttpResponse:
    return _index(request, upload_error=jobs.too_big_message(size), status=413)


@csrf_exempt
@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Refuse oversized uploads before reading them, then store the files and dry-run them."""
    require(can_use_transfer(request.user))
    limit = settings.KIEMDIEM_IMPORT_MAX_BYTES
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit + MULTIPART_SLACK:
        return _too_big(request, declared)
    # Must be set before the body is parsed, hence csrf_exempt here and csrf_protect below.
    guard = SizeLimitHandler(request, limit)
    request.upload_handlers.insert(0, guard)
    return _upload(request, guard)


@csrf_protect
def _upload(request: HttpRequest, guard: SizeLimitHandler) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if guard.exceeded:
        return _too_big(request, guard.received)
    if not form.is_valid():
        return _index(request, upload_form=form)
    files = [(f.name, f) for f in form.cleaned_data["files"]]
    job = run_service(
        form,
        lambda: jobs.job_submit(files=files, by=request.user, entity=form.cleaned_data["entity"]),
    )
    if job is None:
        return _index(request, upload_form=form)
    if job.is_active:
        messages.info(
            request, _("Đã nhận tệp: hệ thống đang chạy thử ở chế độ nền, trang tự cập nhật.")
        )
    return redirect(job)


# --- the job: dry-run report, confirm, progress ----------------------------------------------


def _field_label(entity: str, name: str) -> str:
    if name == "parent":
        return _("đơn vị cấp trên")
    try:
        return str(MODELS[entity]._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a key that is not a field: show it as is
        return name


def _report_rows(job: ImportJob, only: str) -> list[dict]:
    rows = []
    for entity, row, action, key, reasons, changes in job.report.get("rows", []):
        if only == "loi" and action != REJECT:
            continue
        if only == "doi" and action in (REJECT, UNCHANGED):
            continue
        rows.append(
            {
                "table": TABLES[entity].label,
                "row": row,
                "action": action,
                "action_label": ACTION_LABELS[action],
                "key": key,
                "reasons": reasons,
                "changes": [
                    (_field_label(entity, name), pair[0], pair[1]) for name, pair in changes.items()
                ],
            }
        )
    return rows


def _counts(job: ImportJob) -> list[tuple[str, dict]]:
    return [(TABLES[e].label, job.counts[e]) for e in ENTITIES if e in job.counts]


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    only = request.GET.get("chi", "")
    page = Paginator(_report_rows(job, only), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    can_confirm, reason = jobs.can_confirm(job)
    ctx = {
        "job": job,
        "page": page,
        "only": only,
        "counts": _counts(job),
        "can_confirm": can_confirm,
        "confirm_reason": reason,
        "summary": jobs.summary(job),
    }
    return render(request, "transfer/job_detail.html", ctx)


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel (htmx polls it every 2 s); reloads the page once the step is over."""
    job = _job(request, pk)
    response = render(request, "transfer/job_detail.html#progress", {"job": job})
    if not job.is_active:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    require(can_use_transfer(request.user))
    try:
        job = jobs.job_confirm(job, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(job)
    if job.status == "done":
        messages.success(request, _("Đã ghi dữ liệu. %(s)s") % {"s": jobs.summary(job)})
    elif job.status == "failed":
        messages.error(request, job.error)
    else:
        messages.info(request, _("Đang ghi dữ liệu ở chế độ nền; trang tự cập nhật tiến độ."))
    return redirect(job)


# --- export ----------------------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Download a subtree the user can see, as XLSX (four sheets) or CSV (one table)."""
    require(can_use_transfer(request.user))
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return _index(request, export_form=form)
    root: Unit = form.cleaned_data["unit"]
    stamp = timezone.localdate().strftime("%Y%m%d")
    if form.cleaned_data["format"] == "csv":
        entity = form.cleaned_data["entity"]
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in exporter.csv_lines(entity, root)),
            content_type=CSV_TYPE,
        )
        name = f"{root.code}-{stamp}-{TABLES[entity].filename}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    out = tempfile.TemporaryFile()
    exporter.export_xlsx(root, out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{root.code}-{stamp}.xlsx", content_type=XLSX_TYPE
    )
