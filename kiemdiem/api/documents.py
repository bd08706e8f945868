"""REST endpoints of the documents: the register of outgoing documents of each issuing body (read,
enter a document made outside the system, its files, the signed scan), and every kind of document
as DOCX (a draft, or the issued copy) with its issuing.

Same rules as the pages: a register row or an object outside the caller's scope is 404, the
services decide who may enter, issue or attach (403 with the reason), a used number or a signer
without the authority is 400, a stale version 409.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from kiemdiem.api.base import Filter, VersionField, expected_version, lookup, with_etag
from kiemdiem.api.serializers import ScopedPrimaryKey, free_text
from kiemdiem.api.views import ScopedViewSet, listing, parse, subtree_of, values
from kiemdiem.documents import services
from kiemdiem.documents.kinds import KINDS, Kind
from kiemdiem.documents.models import DocumentType, OutgoingDocument
from kiemdiem.documents.views import DOCX, document_download, registered_docx, signed_copy
from kiemdiem.org.scoping import scope, visible_units

# --- the register ------------------------------------------------------------------------------


class OutgoingDocumentSerializer(serializers.ModelSerializer):
    doc_type_label = serializers.CharField(source="get_doc_type_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    has_file = serializers.SerializerMethodField()
    has_signed_pdf = serializers.SerializerMethodField()

    class Meta:
        model = OutgoingDocument
        fields = [
            "id",
            "unit",
            "unit_name",
            "doc_type",
            "doc_type_label",
            "term",
            "number",
            "suffix",
            "symbol",
            "issued_on",
            "title",
            "signer",
            "recipients",
            "source",
            "has_file",
            "has_signed_pdf",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_file(self, doc: OutgoingDocument) -> bool:
        return bool(doc.file)

    def get_has_signed_pdf(self, doc: OutgoingDocument) -> bool:
        return bool(doc.signed_pdf)


class DocumentEnterSerializer(serializers.Serializer):
    unit = ScopedPrimaryKey(visible_units)
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    manual_number = serializers.CharField(max_length=10)
    issued_on = serializers.DateField()
    title = serializers.CharField(max_length=500)
    signer = free_text(200)
    recipients = free_text(2000)


class SignedCopySerializer(serializers.Serializer):
    file = serializers.FileField()
    version = VersionField()


REGISTER_FILTERS = [
    lookup("unit", OpenApiTypes.INT, "Cơ quan ban hành (id).", "unit_id"),
    Filter(
        "under",
        OpenApiTypes.INT,
        "Văn bản của mọi cơ quan trong cây con.",
        subtree_of("unit__path"),
    ),
    lookup(
        "doc_type",
        OpenApiTypes.STR,
        "Loại văn bản.",
        "doc_type",
        choices=values(DocumentType.choices),
    ),
    lookup("term", OpenApiTypes.INT, "Nhiệm kỳ (năm bắt đầu).", "term"),
    lookup("issued_from", OpenApiTypes.DATE, "Ban hành từ ngày.", "issued_on__gte"),
    lookup("issued_to", OpenApiTypes.DATE, "Ban hành đến ngày.", "issued_on__lte"),
]


@listing(REGISTER_FILTERS, responses=OutgoingDocumentSerializer)
class OutgoingDocumentViewSet(ScopedViewSet):
    """The register: one row per number-symbol, never reused."""

    serializer_class = OutgoingDocumentSerializer
    filters = REGISTER_FILTERS
    ordering = ("-issued_on", "-number", "-id")

    def scoped(self):
        return scope(OutgoingDocument.objects.select_related("unit"), self.request.user, via="unit")

    @extend_schema(request=DocumentEnterSerializer, responses={201: OutgoingDocumentSerializer})
    def create(self, request):
        """Enter a document made outside the system with the number it carries ("42a")."""
        data = parse(DocumentEnterSerializer, request)
        doc = services.document_enter(by=request.user, **data)
        return self.reply(doc, status_code=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The DOCX the system made when it gave the number (404 for a document entered)."""
        doc = self.get_object()
        if not doc.file:
            raise exceptions.NotFound("Văn bản này vào sổ từ ngoài hệ thống, không có tệp DOCX.")
        return registered_docx(doc)

    @extend_schema(methods=["GET"], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": SignedCopySerializer},
        responses=OutgoingDocumentSerializer,
    )
    @action(detail=True, methods=["get", "post"], url_path="signed-pdf")
    def signed_pdf(self, request, pk=None):
        """GET the signed and sealed scan; POST it (multipart: file, version)."""
        doc = self.get_object()
        if request.method == "GET":
            if not doc.signed_pdf:
                raise exceptions.NotFound("Chưa lưu bản ký, đóng dấu của văn bản này.")
            return signed_copy(doc)
        data = parse(SignedCopySerializer, request)
        version = expected_version(request, data.get("version"))
        services.document_attach_signed(
            doc=doc, content=data["file"].read(), by=request.user, version=version
        )
        return self.reply(doc)


# --- documents of every kind -------------------------------------------------------------------


class DocumentKindSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    doc_type = serializers.CharField(allow_null=True)
    numbered = serializers.BooleanField()
    form_code = serializers.CharField()


@extend_schema(responses=DocumentKindSerializer(many=True), tags=["documents"])
@api_view(["GET"])
def document_kinds(request):
    """The kinds of documents kiemdiem writes (their codes name them in the other endpoints)."""
    return Response(
        [
            {
                "code": k.code,
                "label": k.label,
                "doc_type": k.doc_type,
                "numbered": k.numbered,
                "form_code": k.form_code,
            }
            for k in sorted(KINDS.values(), key=lambda k: k.code)
        ]
    )


def _kind_and_object(request, kind: str, pk: int) -> tuple[Kind, object]:
    if kind not in KINDS:
        raise exceptions.NotFound("Không có loại văn bản này.")
    found = KINDS[kind]
    return found, get_object_or_404(found.objects(request.user), pk=pk)


@extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY}, tags=["documents"])
@api_view(["GET"])
def document_docx(request, kind: str, pk: int):
    """The object's document: the issued copy once it has a number, else a draft (dots where the
    number goes; a draft takes no number)."""
    return document_download(*_kind_and_object(request, kind, pk))


@extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, tags=["documents"])
@api_view(["GET"])
def document_pdf(request, kind: str, pk: int):
    """The same document as PDF (LibreOffice on the server; 400 with the reason without it)."""
    return document_download(*_kind_and_object(request, kind, pk), as_pdf=True)


class DocumentIssueSerializer(serializers.Serializer):
    signer = serializers.CharField(required=False, allow_blank=True, max_length=40)


@extend_schema(
    request=DocumentIssueSerializer,
    responses={
        201: OutgoingDocumentSerializer,
        400: OpenApiResponse(description="Đã cấp số, hoặc người ký không có thẩm quyền."),
    },
    tags=["documents"],
)
@api_view(["POST"])
def document_issue(request, kind: str, pk: int):
    """Give the object's document the next number of its unit's register; `signer` is one of
    the keys `signers` lists (default: the first, the secretary)."""
    found, obj = _kind_and_object(request, kind, pk)
    data = parse(DocumentIssueSerializer, request)
    doc = services.document_issue(
        kind=found, obj=obj, by=request.user, signer_key=data.get("signer", "")
    )
    body = OutgoingDocumentSerializer(doc).data
    return with_etag(Response(body, status=status.HTTP_201_CREATED), doc)


class DocumentSignerSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    name = serializers.CharField()


@extend_schema(responses=DocumentSignerSerializer(many=True), tags=["documents"])
@api_view(["GET"])
def document_signers(request, kind: str, pk: int):
    """Who may sign the object's document today (the keys `issue` takes)."""
    found, obj = _kind_and_object(request, kind, pk)
    signers = found.signers_of(obj, timezone.localdate())
    return Response([{"key": s.key, "title": s.title, "name": s.name} for s in signers])
