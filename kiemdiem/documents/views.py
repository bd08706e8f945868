"""Downloads of documents in the Party format and their issuing (a number from the register)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.shortcuts import render as render_page
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.errors import DomainError
from kiemdiem.core.forms import run_service
from kiemdiem.core.permissions import require
from kiemdiem.documents import render, selectors, services
from kiemdiem.documents.forms import ManualDocumentForm
from kiemdiem.documents.models import DocumentType, OutgoingDocument
from kiemdiem.documents.permissions import can_enter_document
from kiemdiem.org.scoping import scope, visible_units
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.remediation.permissions import can_adopt_plan

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _plan(request: HttpRequest, pk: int) -> RemediationPlan:
    """Only plans the user may read: any other is 404 (scoping)."""
    qs = RemediationPlan.objects.visible_to(request.user).select_related(
        "unit", "unit__parent", "person", "cycle", "review"
    )
    return get_object_or_404(qs, pk=pk)


def _source(plan: RemediationPlan) -> str:
    return f"remediation.remediationplan:{plan.pk}"


def _attachment(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def plan_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan as DOCX: the issued copy once it has a number, otherwise a draft whose number
    is left as dots (a draft takes no number from the register)."""
    plan = _plan(request, pk)
    issued = OutgoingDocument.objects.filter(source=_source(plan)).order_by("-pk").first()
    if issued is not None and issued.file:
        with issued.file.open("rb") as f:
            return _attachment(f.read(), f"ke-hoach-{plan.pk}-{issued.number}{issued.suffix}.docx")
    day = timezone.localdate()
    content = render.render_docx(
        render.plan_context(plan, number_symbol=render.draft_symbol(plan.unit), day=day)
    )
    return _attachment(content, f"ke-hoach-{plan.pk}-du-thao.docx")


@login_required
@require_POST
def plan_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Cấp số và phát hành" button: the next KH number of the plan's unit; the file is kept
    in the register."""
    plan = _plan(request, pk)
    require(can_adopt_plan(request.user, plan))
    if OutgoingDocument.objects.filter(source=_source(plan)).exists():
        messages.error(
            request, "Kế hoạch này đã được cấp số; tải bản đã phát hành bằng nút “Tải DOCX”."
        )
        return redirect(plan)
    day = timezone.localdate()
    try:
        doc = services.document_register(
            unit=plan.unit,
            doc_type=DocumentType.KH,
            by=request.user,
            title=str(plan),
            issued_on=day,
            source=_source(plan),
            content=lambda symbol: render.render_docx(
                render.plan_context(plan, number_symbol=symbol, day=day)
            ),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(plan)
    messages.success(
        request, f"Đã cấp số {doc.symbol}. Bấm “Tải DOCX” để tải văn bản, in, ký và đóng dấu."
    )
    return redirect(plan)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, unit: int) -> HttpResponse:
    """The unit's register of outgoing documents (its own sequences by type and term); its
    office enters documents made outside the system with their own numbers."""
    found = get_object_or_404(visible_units(request.user), pk=unit)
    can_enter = can_enter_document(request.user, found)
    form = ManualDocumentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(can_enter)
        if form.is_valid():
            data = form.cleaned_data
            doc = run_service(
                form,
                lambda: services.document_enter(unit=found, by=request.user, **data),
            )
            if doc is not None:
                messages.success(request, f"Đã vào sổ văn bản số {doc.symbol}.")
                return redirect("documents:register", unit=found.pk)
    page = Paginator(selectors.register_of(found), 50).get_page(request.GET.get("page"))
    ctx = {"unit": found, "page": page, "form": form, "can_enter": bool(can_enter)}
    return render_page(request, "documents/register.html", ctx)


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The registered file of a document of a visible unit (404 otherwise)."""
    doc = get_object_or_404(scope(OutgoingDocument.objects.all(), request.user, via="unit"), pk=pk)
    if not doc.file:
        raise Http404
    with doc.file.open("rb") as f:
        return _attachment(f.read(), f"{doc.symbol.replace('/', '_')}.docx")
