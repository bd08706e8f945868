"""Pages of the discipline and confidence-vote import: templates, upload with its dry run, the
row-by-row report, and the real run once the dry run is clean."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import ALLOW, Decision, deny, require
from kiemdiem.org.scoping import access_for
from kiemdiem.transfer import records
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


def _save(job: RecordImport, outcome: records.Outcome) -> None:
    rows = sorted(outcome.rows, key=lambda r: (r[1] != records.REFUSED, r[0]))
    job.counts = outcome.counts()
    job.report = {"problems": outcome.problems, "rows": [list(r) for r in rows]}


@login_required
@require_POST
def records_upload(request: HttpRequest) -> HttpResponse:
    """Save the workbook and run it dry: the report lists every row's fate."""
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
    content = upload.read()
    path = default_storage.save(
        f"nhap-ho-so/{uuid.uuid4().hex}-{get_valid_filename(upload.name)[:80]}",
        ContentFile(content),
    )
    with default_storage.open(path, "rb") as handle:
        outcome = records.run(kind, handle, by=request.user, dry_run=True)
        sha = records.digest(handle)
    job = RecordImport(
        kind=kind,
        created_by=request.user,
        file_name=upload.name[:255],
        file_path=path,
        sha256=sha,
    )
    _save(job, outcome)
    job.save()
    audit_record(
        obj=job,
        action=AuditAction.CREATE,
        by=request.user,
        changes={"file_name": [None, job.file_name], "counts": [None, job.counts]},
        reason=_("Chạy thử"),
    )
    return redirect(job)


@login_required
@require_GET
def records_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(RecordImport.objects.visible_to(request.user), pk=pk)
    rows = job.report.get("rows", [])
    labels = records.ACTION_LABELS
    ctx = {
        "job": job,
        "rows": [(n, labels.get(a, a), a, m) for n, a, m in rows[:REPORT_ROWS]],
        "more": max(0, len(rows) - REPORT_ROWS),
        "table": records.RECORD_TABLES[job.kind],
    }
    return render(request, "transfer/records_detail.html", ctx)


@login_required
@require_http_methods(["POST"])
def records_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the rows: the file runs again, for real; all rows or none."""
    job = get_object_or_404(RecordImport.objects.visible_to(request.user), pk=pk)
    require(can_import_records(request.user))
    if job.status != RecordImport.Status.CHECKED or not job.clean:
        messages.error(request, _("Chỉ nhập được lượt đã chạy thử không có dòng bị từ chối."))
        return redirect(job)
    with transaction.atomic():
        # One confirmation at a time: the second waits, then finds the job imported.
        locked = RecordImport.objects.select_for_update().get(pk=job.pk)
        if locked.status != RecordImport.Status.CHECKED:
            return redirect(job)
        with default_storage.open(job.file_path, "rb") as handle:
            if records.digest(handle) != job.sha256:
                messages.error(request, _("Tệp đã bị thay đổi: hãy tải lên lại."))
                return redirect(job)
            outcome = records.run(job.kind, handle, by=request.user, dry_run=False)
        _save(locked, outcome)
        if outcome.clean:
            locked.status = RecordImport.Status.IMPORTED
            locked.imported_at = timezone.now()
        locked.save()
        audit_record(
            obj=locked,
            action=AuditAction.UPDATE,
            by=request.user,
            changes={"status": [job.status, locked.status], "counts": [job.counts, locked.counts]},
            reason=_("Nhập dữ liệu"),
        )
    if outcome.clean:
        counts = locked.counts
        messages.success(
            request,
            _("Đã nhập %(n)s dòng (%(e)s dòng đã có, bỏ qua).")
            % {"n": counts[records.CREATED], "e": counts[records.EXISTS]},
        )
    else:
        messages.error(request, _("Dữ liệu đã thay đổi từ lúc chạy thử: có dòng bị từ chối."))
    return redirect(job)
