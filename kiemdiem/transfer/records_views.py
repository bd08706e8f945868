"""Pages of the discipline and confidence-vote import: templates, upload with its dry run, the
row-by-row report, and the real run once the dry run is clean; both runs are jobs of the task
queue (records_jobs), followed on their job page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import ALLOW, Decision, deny, require
from kiemdiem.org.scoping import access_for
from kiemdiem.transfer import records, records_jobs
from kiemdiem.transfer.models import RecordImport

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_ROWS = 500


def can_import_records(user) -> Decision:
    """Offices and inspection committees (each row is still checked by its service)."""
    access = access_for(user)
    if access.everything or access.sensitive_paths:
        return ALLOW
    return deny(
        _(
            "Chỉ văn phòng, ban tổ chức, ủy ban kiểm tra cấp ủy mới được nhập quyết định kỷ luật "
            "và kết quả lấy phiếu."
        )
    )


def _index(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    ctx = {
        "tables": records.RECORD_TABLES,
        "kinds": RecordImport.Kind.choices,
        "imports": RecordImport.objects.visible_to(request.user)[:20],
        "error": error,
        "max_rows": settings.KIEMDIEM_RECORDS_IMPORT_MAX_ROWS,
    }
    return render(request, "transfer/records_index.html", ctx, status=status)


@login_required
@require_GET
def records_index(request: HttpRequest) -> HttpResponse:
    require(can_import_records(request.user))
    return _index(request)


@login_required
@require_GET
def records_template(request: HttpRequest, kind: str) -> HttpResponse:
    require(can_import_records(request.user))
    if kind not in records.RECORD_TABLES:
        return redirect("transfer:records")
    response = HttpResponse(records.template(kind), content_type=XLSX_TYPE)
    name = f"mau-{records.RECORD_TABLES[kind].filename}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _follow(request: HttpRequest, record: RecordImport, job) -> HttpResponse:
    """After queueing a step: its job page while it runs, the import's page once done."""
    RecordImport.objects.filter(pk=record.pk).update(job_id_ref=job.pk)
    if job.ok is None:
        return redirect(job)
    if job.ok:
        messages.success(request, job.result)
    else:
        messages.error(request, job.result)
    return redirect(record)


@login_required
@require_POST
def records_upload(request: HttpRequest) -> HttpResponse:
    """Save the workbook and queue its dry run: the report lists every row's fate."""
    require(can_import_records(request.user))
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    if kind not in records.RECORD_TABLES:
        return _index(request, error=_("Hãy chọn loại dữ liệu cần nhập."), status=400)
    if upload is None:
        return _index(request, error=_("Hãy chọn tệp Excel (.xlsx)."), status=400)
    if upload.size > settings.KIEMDIEM_IMPORT_MAX_BYTES:
        limit = settings.KIEMDIEM_IMPORT_MAX_BYTES // 1048576
        return _index(request, error=_("Tệp lớn hơn %(n)s MB.") % {"n": limit}, status=400)
    record, job = records_jobs.start(
        by=request.user, kind=kind, file_name=upload.name, content=upload.read()
    )
    return _follow(request, record, job)


@login_required
@require_GET
def records_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(RecordImport.objects.visible_to(request.user), pk=pk)
    rows = record.report.get("rows", [])
    labels = records.ACTION_LABELS
    ctx = {
        "job": record,
        "rows": [(n, labels.get(a, a), a, m) for n, a, m in rows[:REPORT_ROWS]],
        "more": max(0, len(rows) - REPORT_ROWS),
        "table": records.RECORD_TABLES[record.kind],
    }
    return render(request, "transfer/records_detail.html", ctx)


@login_required
@require_http_methods(["POST"])
def records_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the real run: the file runs again, for real; all rows or none."""
    record = get_object_or_404(RecordImport.objects.visible_to(request.user), pk=pk)
    require(can_import_records(request.user))
    if not record.clean:
        messages.error(request, _("Chỉ nhập được lượt đã chạy thử không có dòng bị từ chối."))
        return redirect(record)
    # Claimed by its status: a second click (or a second tab) queues nothing more.
    try:
        job = records_jobs.confirm(record=record, by=request.user)
    except DomainError:
        return redirect(record)
    if job is None:
        return redirect(record)
    return _follow(request, record, job)
