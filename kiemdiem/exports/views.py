"""Export a list to Excel (from the button on every list page), follow a background export,
download the file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemdiem.core.errors import DomainError
from kiemdiem.core.xlsx import CONTENT_TYPE, xlsx_response
from kiemdiem.exports import services
from kiemdiem.exports.models import ExportJob, ExportStatus

PARAM_PREFIX = "p_"


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    """A user follows and downloads only the exports they asked for (others answer 404)."""
    return get_object_or_404(ExportJob.objects.filter(created_by=request.user), pk=pk)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    """The "Xuất Excel" button: the list with the page's filters, now or as a background job."""
    kind = request.POST.get("kind", "")
    params = {
        key[len(PARAM_PREFIX) :]: value
        for key, value in request.POST.items()
        if key.startswith(PARAM_PREFIX)
    }
    try:
        job, content = services.export_request(user=request.user, kind=kind, params=params)
    except DomainError as exc:
        messages.error(request, _("Không xuất được danh sách: %(m)s") % {"m": exc.message})
        return redirect(_back(request))
    if content is not None:
        return xlsx_response(content, job.filename)
    messages.info(
        request,
        _(
            "Danh sách có %(n)s dòng nên được xuất ở chế độ nền. Trang này cho biết tiến độ và "
            "có nút tải về khi xong; có thể làm việc khác trong lúc chờ."
        )
        % {"n": f"{job.rows_total:,}".replace(",", ".")},
    )
    return redirect(job)


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    template = "exports/job_detail.html"
    if getattr(request, "htmx", False):
        template += "#progress"
    return render(request, template, {"job": job})


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404(_("Tệp này chưa có: lượt xuất chưa xong hoặc đã được tải trực tiếp."))
    response = FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=CONTENT_TYPE
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """ "Tệp xuất của tôi": the user's exports, newest first."""
    jobs = ExportJob.objects.filter(created_by=request.user).order_by("-created_at", "-pk")
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "exports/job_list.html", {"page": page})
