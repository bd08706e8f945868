"""Documents in the Party format: a draft or the issued copy of any kind as DOCX, issuing (a
number from the register), the register, and the templates an office uses for its subtree."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.shortcuts import render as render_page
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.errors import DomainError
from kiemdiem.core.forms import run_service
from kiemdiem.core.htmx import refused
from kiemdiem.core.permissions import require
from kiemdiem.documents import pdf, selectors, services
from kiemdiem.documents.bundles import bundle_request
from kiemdiem.documents.forms import (
    BundleForm,
    ManualDocumentForm,
    SignedCopyForm,
    TemplateUploadForm,
)
from kiemdiem.documents.kinds import KINDS, Kind
from kiemdiem.documents.models import DocumentBundle, DocumentTemplate, OutgoingDocument
from kiemdiem.documents.permissions import can_enter_document, can_manage_templates
from kiemdiem.documents.selectors import default_template
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import scope, visible_units
from kiemdiem.reviews.models import ReviewCycle

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _kind(code: str) -> Kind:
    if code not in KINDS:
        raise Http404
    return KINDS[code]


def _object(request: HttpRequest, kind: Kind, pk: int) -> Any:
    """Only objects the user may read: any other is 404 (scoping)."""
    return get_object_or_404(kind.objects(request.user), pk=pk)


# The downloads of the pages and of the API (kiemdiem.api.documents) are these.


def attachment(content: bytes, name: str, content_type: str = DOCX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def stored(field: Any, name: str, content_type: str = DOCX) -> HttpResponse:
    with field.open("rb") as f:
        return attachment(f.read(), name, content_type)


def registered_docx(doc: OutgoingDocument) -> HttpResponse:
    """The DOCX the system made when it gave the document its number."""
    return stored(doc.file, f"{doc.symbol.replace('/', '_')}.docx")


def signed_copy(doc: OutgoingDocument) -> HttpResponse:
    """The signed and sealed scan kept with the register's row."""
    name = f"{doc.symbol.replace('/', '_')}-ban-ky.pdf"
    return stored(doc.signed_pdf, name, "application/pdf")


def document_download(kind: Kind, obj: Any, *, as_pdf: bool = False) -> HttpResponse:
    """The object's document (the issued copy once numbered, else a draft) as DOCX, or as PDF
    through LibreOffice (DomainError without it on the server)."""
    content, name = services.document_content(kind, obj)
    if as_pdf:
        return attachment(pdf.docx_to_pdf(content), f"{name}.pdf", "application/pdf")
    return attachment(content, f"{name}.docx")


@login_required
@require_GET
def document_docx(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The document as DOCX: the issued copy once it has a number, otherwise a draft."""
    found = _kind(kind)
    return document_download(found, _object(request, found, pk))


@login_required
@require_GET
def document_pdf(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The same document as PDF (LibreOffice), for printing and archiving; without LibreOffice
    on the server, the page says so and the DOCX stays available."""
    found = _kind(kind)
    obj = _object(request, found, pk)
    try:
        return document_download(found, obj, as_pdf=True)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(obj.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def document_issue(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """ "Cấp số và phát hành": the next number of the unit's register for the kind's type,
    signed by the chosen leader; the file is kept in the register.

    GET answers the form, with the signers to choose from: the object's page shows a button
    that asks for it (htmx swaps the form in its place; without JavaScript it is a page of its
    own), so the pages people read all day do not read the signers (docs/performance.md,
    part 14). POST issues."""
    found = _kind(kind)
    obj = _object(request, found, pk)
    back = request.POST.get("next") or request.GET.get("next") or obj.get_absolute_url()
    if not back.startswith("/") or back.startswith("//"):
        back = obj.get_absolute_url()
    if request.method == "GET":
        issued = services.issued_copy(found, obj)
        decision = services.issue_decision(kind=found, obj=obj, by=request.user, issued=issued)
        if not decision:
            return refused(request, decision)
        ctx = {
            "kind": found,
            "obj": obj,
            "unit": found.unit_of(obj),
            "next": back,
            "signers": found.signers_of(obj, timezone.localdate()),
        }
        htmx = getattr(request, "htmx", False)
        page = "documents/includes/issue_form.html" if htmx else "documents/issue.html"
        return render_page(request, page, ctx)
    try:
        doc = services.document_issue(
            kind=found, obj=obj, by=request.user, signer_key=request.POST.get("signer", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request, f"Đã cấp số {doc.symbol}. Bấm “Tải DOCX” để tải văn bản, in, ký và đóng dấu."
    )
    return redirect(back)


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
    return registered_docx(doc)


def _registered(request: HttpRequest, pk: int) -> OutgoingDocument:
    qs = scope(
        OutgoingDocument.objects.select_related("unit", "created_by"), request.user, via="unit"
    )
    return get_object_or_404(qs, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the register: its details, the file the system made, the signed copy (the
    office uploads the scanned PDF here) and its history."""
    doc = _registered(request, pk)
    may_attach = can_enter_document(request.user, doc.unit)
    posted = request.method == "POST"
    form = SignedCopyForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"version": doc.version},
    )
    if posted:
        require(may_attach)
        if form.is_valid():
            saved = run_service(
                form,
                lambda: services.document_attach_signed(
                    doc=doc,
                    content=form.cleaned_data["file"].read(),
                    by=request.user,
                    version=form.cleaned_data["version"],
                ),
            )
            if saved is not None:
                messages.success(request, f"Đã lưu bản ký, đóng dấu của văn bản số {doc.symbol}.")
                return redirect("documents:document", pk=doc.pk)
    ctx = {
        "doc": doc,
        "form": form,
        "may_attach": bool(may_attach),
        "history": history_for(doc),
    }
    return render_page(request, "documents/document.html", ctx)


@login_required
@require_GET
def signed_file(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _registered(request, pk)
    if not doc.signed_pdf:
        raise Http404
    return signed_copy(doc)


def _template_rows(unit: Unit) -> list[dict[str, Any]]:
    effective = selectors.effective_templates(unit)
    return [
        {
            "kind": kind,
            "template": effective.get(code),
            "own": effective.get(code) is not None and effective[code].unit_id == unit.pk,
        }
        for code, kind in sorted(KINDS.items(), key=lambda item: item[1].label)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest, unit: int) -> HttpResponse:
    """The templates the unit's documents are made from: the built-in HD 36 default or one an
    office above (or this one) uploaded; the office downloads, edits and uploads its own."""
    found = get_object_or_404(visible_units(request.user), pk=unit)
    may_manage = can_manage_templates(request.user, found)
    choices = [(code, kind.label) for code, kind in sorted(KINDS.items())]
    form = TemplateUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kinds=choices,
    )
    if request.method == "POST":
        require(may_manage)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = KINDS[form.cleaned_data["kind"]]
            saved = run_service(
                form,
                lambda: services.template_upload(
                    unit=found,
                    kind=kind,
                    content=upload.read(),
                    name=upload.name,
                    note=form.cleaned_data["note"],
                    by=request.user,
                ),
            )
            if saved is not None:
                messages.success(
                    request,
                    f"Đã dùng mẫu “{saved.name}” cho {kind.label.lower()} của {found.name} "
                    "và các đơn vị trực thuộc.",
                )
                return redirect("documents:templates", unit=found.pk)
    uploaded = DocumentTemplate.objects.filter(unit=found).select_related("created_by")
    ctx = {
        "unit": found,
        "rows": _template_rows(found),
        "uploaded": uploaded.order_by("-created_at", "-pk")[:50],
        "kinds": dict(choices),
        "form": form,
        "may_manage": bool(may_manage),
    }
    return render_page(request, "documents/templates.html", ctx)


@login_required
@require_GET
def template_file(request: HttpRequest, unit: int, kind: str) -> HttpResponse:
    """The template the unit uses now for the kind, to edit in Word or LibreOffice."""
    found = get_object_or_404(visible_units(request.user), pk=unit)
    k = _kind(kind)
    return attachment(selectors.template_for(k, found), f"mau-{k.code}.docx")


@login_required
@require_GET
def template_default_file(request: HttpRequest, kind: str) -> HttpResponse:
    """The built-in HD 36 template of the kind."""
    k = _kind(kind)
    return attachment(default_template(k.code), f"mau-mac-dinh-{k.code}.docx")


@login_required
@require_GET
def template_upload_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An uploaded template (also one no longer used), for those who see its unit."""
    t = get_object_or_404(scope(DocumentTemplate.objects.all(), request.user, via="unit"), pk=pk)
    return stored(t.file, t.name if t.name.endswith(".docx") else f"{t.name}.docx")


class _WithdrawForm(forms.Form):
    version = forms.IntegerField()


@login_required
@require_POST
def template_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(
        scope(DocumentTemplate.objects.select_related("unit"), request.user, via="unit"), pk=pk
    )
    require(can_manage_templates(request.user, t.unit))
    form = _WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("Thiếu phiên bản của mẫu; tải lại trang rồi thử lại.")
        services.template_withdraw(
            template=t, by=request.user, version=form.cleaned_data["version"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Đã thôi dùng mẫu “{t.name}”; văn bản dùng lại mẫu của cấp trên hoặc mẫu mặc định.",
        )
    return redirect("documents:templates", unit=t.unit_id)


@login_required
@require_http_methods(["GET", "POST"])
def bundles(request: HttpRequest, unit: int) -> HttpResponse:
    """Every document of one kind in the unit's subtree as one ZIP, built in the background;
    the bundles the user asked for here, newest first."""
    found = get_object_or_404(visible_units(request.user), pk=unit)
    cycles = list(
        ReviewCycle.objects.visible_to(request.user)
        .filter(
            Q(scope_unit__path__in=found.ancestor_paths())
            | Q(scope_unit__path__startswith=found.path)
        )
        .order_by("-year", "-pk")[:20]
    )
    form = BundleForm(
        request.POST if request.method == "POST" else None,
        kinds=[(code, k.label) for code, k in sorted(KINDS.items())],
        cycles=[(str(c.pk), c.title) for c in cycles],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cycle = next((c for c in cycles if str(c.pk) == data["cycle"]), None)
        bundle = run_service(
            form,
            lambda: bundle_request(
                unit=found,
                kind=KINDS[data["kind"]],
                by=request.user,
                cycle=cycle,
                organizations_only=data["organizations_only"],
            ),
        )
        if bundle is not None:
            return redirect(bundle.job or bundle)
    mine = DocumentBundle.objects.filter(unit=found, created_by_id=request.user.pk).select_related(
        "job", "cycle"
    )
    ctx = {
        "unit": found,
        "form": form,
        "bundles": mine.order_by("-created_at", "-pk")[:20],
        "kinds": {code: k.label for code, k in KINDS.items()},
    }
    return render_page(request, "documents/bundles.html", ctx)


def _bundle(request: HttpRequest, pk: int) -> DocumentBundle:
    """A bundle is its asker's (it holds what they may read)."""
    qs = DocumentBundle.objects.select_related("unit", "job", "cycle")
    return get_object_or_404(qs, pk=pk, created_by_id=request.user.pk)


@login_required
@require_GET
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = _bundle(request, pk)
    kind = KINDS.get(bundle.kind)
    ctx = {
        "bundle": bundle,
        "kind_label": kind.label if kind else bundle.kind,
        "keep_days": settings.KIEMDIEM_DOCUMENTS_BUNDLE_DAYS,
    }
    return render_page(request, "documents/bundle.html", ctx)


@login_required
@require_GET
def bundle_file(request: HttpRequest, pk: int) -> FileResponse:
    bundle = _bundle(request, pk)
    if not bundle.file:
        raise Http404
    return FileResponse(
        bundle.file.open("rb"),
        as_attachment=True,
        filename=bundle.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )
