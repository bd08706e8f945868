"""The register of outgoing documents of each issuing body (rules §8): one row per number-symbol,
numbered from a separate sequence per (issuing unit, document type, committee term)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Unit


class DocumentType(models.TextChoices):
    """Type abbreviations seen in the sources (rules §8); the full official table is UNCONFIRMED."""

    KH = "KH", _("Kế hoạch")
    BC = "BC", _("Báo cáo")
    CV = "CV", _("Công văn")
    QD = "QĐ", _("Quyết định")
    TB = "TB", _("Thông báo")
    BB = "BB", _("Biên bản")
    HD = "HD", _("Hướng dẫn")
    NQ = "NQ", _("Nghị quyết")


class DocumentSequence(models.Model):
    """The last number given for one (issuing unit, type, term): locked (SELECT … FOR UPDATE)
    while the next number is taken, so two offices never get the same number."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField(max_length=8, choices=DocumentType.choices)
    term = models.PositiveSmallIntegerField(_("nhiệm kỳ (năm bắt đầu)"))
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "doc_type", "term"], name="documents_sequence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.term}: {self.last_number}"


class OutgoingDocument(BaseModel):
    """One issued document in the register: its number-symbol is never reused."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT, related_name="+"
    )
    doc_type = models.CharField(_("loại văn bản"), max_length=8, choices=DocumentType.choices)
    term = models.PositiveSmallIntegerField(_("nhiệm kỳ (năm bắt đầu)"))
    number = models.PositiveIntegerField(_("số"))
    # "a" in "42a-KH/HU": numbers entered for documents made outside the system.
    suffix = models.CharField(_("hậu tố"), max_length=4, blank=True)
    symbol = models.CharField(_("số, ký hiệu"), max_length=60)
    issued_on = models.DateField(_("ngày ban hành"))
    title = models.CharField(_("trích yếu"), max_length=500)
    signer = models.CharField(_("người ký"), max_length=200, blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True)
    # What the document was made from (e.g. "remediation.remediationplan:12"), empty if outside.
    source = models.CharField(_("tạo từ"), max_length=80, blank=True, db_index=True)
    file = models.FileField(_("tệp văn bản"), upload_to="documents/%Y/", blank=True)
    signed_pdf = models.FileField(
        _("bản ký, đóng dấu (PDF)"), upload_to="documents/signed/%Y/", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("sổ văn bản đi")
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "doc_type", "term", "number", "suffix"],
                name="documents_number_once",
                violation_error_message=_("Số văn bản này đã được dùng trong sổ văn bản đi."),
            ),
            # One number per object the system made a document from.
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source=""),
                name="documents_source_once",
                violation_error_message=_("Văn bản này đã được cấp số."),
            ),
        ]

    def __str__(self) -> str:
        return f"Số {self.symbol}"


class DocumentTemplate(BaseModel):
    """A template a committee office uploaded for one kind of document, used by its unit and
    the whole subtree below (the nearest unit's newest template wins; the built-in default
    otherwise). Rows are never deleted: withdrawing one brings back the template above it."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("loại văn bản"), max_length=40)
    file = models.FileField(_("tệp mẫu"), upload_to="documents/templates/%Y/")
    name = models.CharField(_("tên tệp"), max_length=200)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("thôi dùng lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mẫu văn bản")
        verbose_name_plural = _("mẫu văn bản")
        indexes = [models.Index(fields=["kind", "unit"], name="documents_template_kind_unit")]

    def __str__(self) -> str:
        return self.name


class DocumentBundle(BaseModel):
    """Every document of one kind in a subtree (e.g. every commune's plan of a province for a
    cycle) as one ZIP, built by the task queue for the user who asked."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("loại văn bản"), max_length=40)
    cycle = models.ForeignKey(
        "reviews.ReviewCycle",
        verbose_name=_("đợt kiểm điểm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organizations_only = models.BooleanField(_("chỉ văn bản của tổ chức"), default=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(_("tệp ZIP"), upload_to="documents/bundles/%Y/", blank=True)
    count = models.PositiveIntegerField(_("số văn bản"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tập văn bản")
        verbose_name_plural = _("tập văn bản")

    def __str__(self) -> str:
        return f"{self.kind} — {self.unit_id}"

    def get_absolute_url(self) -> str:
        return reverse("documents:bundle", args=[self.pk])
