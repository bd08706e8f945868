"""Every write of the register: a number is taken here and only here."""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kiemdiem.core.audit import audit_record, created, snapshot
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import ALLOW, Decision, acting_user, deny
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.documents import numbering, render, selectors
from kiemdiem.documents.kinds import Kind
from kiemdiem.documents.models import DocumentSequence, DocumentTemplate, OutgoingDocument
from kiemdiem.documents.permissions import (
    can_enter_document,
    can_issue_document,
    can_manage_templates,
)
from kiemdiem.org.models import Unit

AUDITED = ("symbol", "issued_on", "title", "signer", "recipients", "source")
TEMPLATE_AUDITED = ("kind", "name", "note")


def _sequence_locked(unit: Unit, doc_type: str, term: int) -> DocumentSequence:
    """The sequence row of (unit, type, term), made when missing and locked (SELECT … FOR
    UPDATE) until the transaction ends."""
    DocumentSequence.objects.get_or_create(unit=unit, doc_type=doc_type, term=term)
    return DocumentSequence.objects.select_for_update().get(unit=unit, doc_type=doc_type, term=term)


def _next_number(unit: Unit, doc_type: str, term: int) -> int:
    """The next number of the sequence, the sequence row locked until the transaction ends."""
    seq = _sequence_locked(unit, doc_type, term)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return seq.last_number


def _lift_sequence(unit: Unit, doc_type: str, term: int, number: int) -> None:
    """A plain manual number past the sequence moves it on, so it is never given again."""
    seq = _sequence_locked(unit, doc_type, term)
    if number > seq.last_number:
        seq.last_number = number
        seq.save(update_fields=["last_number"])


def document_register(
    *,
    unit: Unit,
    doc_type: str,
    by: Any,
    title: str,
    issued_on: datetime.date | None = None,
    signer: str = "",
    recipients: str = "",
    source: str = "",
    manual_number: str = "",
    content: Callable[[str], bytes] | None = None,
    filename: str = "",
) -> OutgoingDocument:
    """Register an outgoing document: the next number of its (unit, type, term) sequence, or
    `manual_number` ("42a") for a document made outside the system. `content(symbol)` makes the
    file once the number is known, inside the same transaction. Refused, nothing changed,
    when the number is malformed or already used."""
    issued_on = issued_on or timezone.localdate()
    term = numbering.term_of(issued_on)
    try:
        with transaction.atomic():
            if manual_number:
                parsed = numbering.parse_manual(manual_number)
                if parsed is None:
                    raise DomainError(
                        "Số văn bản phải là một số dương, có thể kèm chữ cái (ví dụ 42 hoặc 42a).",
                        field="manual_number",
                    )
                number, suffix = parsed
                if not suffix:
                    _lift_sequence(unit, doc_type, term, number)
            else:
                number, suffix = _next_number(unit, doc_type, term), ""
            doc = OutgoingDocument(
                unit=unit,
                doc_type=doc_type,
                term=term,
                number=number,
                suffix=suffix,
                symbol=numbering.symbol(number, suffix, doc_type, unit),
                issued_on=issued_on,
                title=title,
                signer=signer,
                recipients=recipients,
                source=source,
                created_by=acting_user(by),
            )
            doc.save()  # a used number fails here, before any file is written
            if content is not None:
                doc.file.save(
                    filename or f"{doc.symbol}.docx".replace("/", "_"),
                    ContentFile(content(doc.symbol)),
                    save=False,
                )
                doc.save(update_fields=["file"])
            audit_record(
                obj=doc,
                action="create",
                by=by,
                changes=created(snapshot(doc, AUDITED)),
                unit_path=unit.path,
            )
    except IntegrityError:
        if source and OutgoingDocument.objects.filter(source=source).exists():
            raise DomainError(
                "Văn bản này đã được cấp số; tải bản đã phát hành bằng nút “Tải DOCX”."
            ) from None
        raise DomainError(
            f"Số {numbering.symbol(number, suffix, doc_type, unit)} đã được dùng trong sổ "
            f"văn bản đi của {unit.name} (nhiệm kỳ từ {term}); chọn số khác.",
            field="manual_number",
        ) from None
    return doc


def document_enter(
    *,
    unit: Unit,
    by: Any,
    doc_type: str,
    manual_number: str,
    issued_on: datetime.date,
    title: str,
    signer: str = "",
    recipients: str = "",
) -> OutgoingDocument:
    """A document made outside the system, entered by the office with the number it carries."""
    decision = can_enter_document(by, unit)
    if not decision:
        raise DomainError(decision.reason)
    return document_register(
        unit=unit,
        doc_type=doc_type,
        by=by,
        title=title,
        issued_on=issued_on,
        signer=signer,
        recipients=recipients,
        manual_number=manual_number,
    )


def template_upload(
    *, unit: Unit, kind: Kind, content: bytes, name: str, by: Any, note: str = ""
) -> DocumentTemplate:
    """A template of the office's own for `kind`, used by the unit and its subtree from now on.
    Refused, nothing stored, when it is not a DOCX or does not render (the line and reason)."""
    decision = can_manage_templates(by, unit)
    if not decision:
        raise DomainError(decision.reason)
    render.check_template(kind, content)
    with transaction.atomic():
        template = DocumentTemplate(
            unit=unit,
            kind=kind.code,
            name=name[:200],
            note=note,
            created_by=acting_user(by),
        )
        template.file.save(f"{kind.code}.docx", ContentFile(content), save=False)
        template.save()
        audit_record(
            obj=template,
            action="create",
            by=by,
            changes=created(snapshot(template, TEMPLATE_AUDITED)),
            unit_path=unit.path,
        )
    return template


def template_withdraw(*, template: DocumentTemplate, by: Any, version: int) -> DocumentTemplate:
    """Stop using an uploaded template: the one above it (or the default) is used again. The
    row and its file stay, for the record."""
    decision = can_manage_templates(by, template.unit)
    if not decision:
        raise DomainError(decision.reason)
    with transaction.atomic():
        changed = DocumentTemplate.objects.filter(
            pk=template.pk, version=version, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now(), version=version + 1)
        if not changed:
            raise DomainError(
                "Mẫu này vừa được người khác thay đổi hoặc đã thôi dùng; tải lại trang để xem."
            )
        template.refresh_from_db()
        assert template.withdrawn_at is not None
        audit_record(
            obj=template,
            action="update",
            by=by,
            changes={"withdrawn_at": [None, template.withdrawn_at.isoformat()]},
            unit_path=template.unit.path,
        )
    return template


def issued_copy(kind: Kind, obj: Any) -> OutgoingDocument | None:
    """The register's copy of the object's document once it has a number (a kind that takes
    none is never in the register: nothing to read)."""
    if not kind.numbered:
        return None
    return _ISSUED_COPY.first(kind.source_of(obj))


# On every plan, cycle and round page: compiled once per process (core.precompiled; issue 17).
_ISSUED_COPY = Precompiled(
    lambda source: OutgoingDocument.objects.filter(source=source).order_by("pk")[:1]
)


def issue_decision(*, kind: Kind, obj: Any, by: Any, issued: OutgoingDocument | None) -> Decision:
    """Whether `by` may give the object's document its number now: a kind that takes one, by
    whoever the kind lets issue it, once (`issued`: its issued_copy, which every caller reads
    anyway). The one rule of the service, the form that asks for the signer and the button."""
    if not kind.numbered:
        return deny(f"{kind.label} không vào sổ văn bản đi; tải DOCX để in và ký.")
    decision = can_issue_document(by, kind, obj)
    if not decision:
        return decision
    if issued is not None:
        return deny("Văn bản này đã được cấp số; tải bản đã phát hành bằng nút “Tải DOCX”.")
    return ALLOW


def document_issue(
    *, kind: Kind, obj: Any, by: Any, signer_key: str = "", day: datetime.date | None = None
) -> OutgoingDocument:
    """Give the object's document the next number of its unit's register and keep the file:
    only those who may issue it, only once, signed by someone with the authority the signature
    block names (the unit's secretary or a deputy on the day; the member for a personal plan)."""
    decision = issue_decision(kind=kind, obj=obj, by=by, issued=issued_copy(kind, obj))
    if not decision:
        raise DomainError(decision.reason)
    assert kind.doc_type is not None  # issue_decision refuses a kind that takes no number
    unit = kind.unit_of(obj)
    day = day or timezone.localdate()
    signers = kind.signers_of(obj, day)
    signer = next((s for s in signers if s.key == signer_key), None) if signer_key else None
    if signer is None and signer_key:
        raise DomainError(
            "Người được chọn không giữ chức vụ có thẩm quyền ký văn bản này vào ngày "
            f"{day:%d/%m/%Y} (ký được: {', '.join(s.label for s in signers) or 'chưa có ai'}); "
            "chọn lại người ký.",
            field="signer",
        )
    if signer is None:
        if not signers:
            raise DomainError(
                f"Chưa có ai đương nhiệm có thẩm quyền ký {kind.label.lower()} này "
                f"({unit.name}); cập nhật chức vụ trước khi cấp số.",
                field="signer",
            )
        signer = signers[0]
    template = selectors.template_for(kind, unit)
    context = render.document_context(kind, obj, day=day, signer=signer)
    return document_register(
        unit=unit,
        doc_type=kind.doc_type,
        by=by,
        title=kind.title_of(obj)[:500],
        issued_on=day,
        signer=f"{signer.name} ({signer.title.capitalize()})" if signer.title else signer.name,
        recipients="\n".join(context["recipients"]),
        source=kind.source_of(obj),
        content=lambda symbol: render.render_docx({**context, "number_symbol": symbol}, template),
        filename=f"{kind.code}-{obj.pk}.docx",
    )


SIGNED_MAX_BYTES = 20 * 1024 * 1024


def document_attach_signed(
    *, doc: OutgoingDocument, content: bytes, by: Any, version: int
) -> OutgoingDocument:
    """Keep the signed and sealed copy (a scanned PDF) with the register's row. A later scan
    replaces it on the row; the audit log keeps which file was there before."""
    decision = can_enter_document(by, doc.unit)
    if not decision:
        raise DomainError(decision.reason)
    if not content.startswith(b"%PDF-"):
        raise DomainError(
            "Tệp tải lên không phải PDF; quét bản đã ký, đóng dấu thành tệp PDF rồi tải lên.",
            field="file",
        )
    if len(content) > SIGNED_MAX_BYTES:
        raise DomainError(
            "Tệp PDF quá lớn (tối đa 20 MB); quét ở độ phân giải thấp hơn.", field="file"
        )
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=doc.pk)
        if locked.version != version:
            raise DomainError(
                "Văn bản này vừa được người khác cập nhật; tải lại trang rồi làm lại.", field="file"
            )
        before = locked.signed_pdf.name or None
        locked.signed_pdf.save(
            f"{locked.symbol.replace('/', '_')}-ban-ky.pdf", ContentFile(content), save=False
        )
        locked.version += 1
        locked.save(update_fields=["signed_pdf", "version", "updated_at"])
        audit_record(
            obj=locked,
            action="update",
            by=by,
            changes={"signed_pdf": [before, locked.signed_pdf.name]},
            unit_path=locked.unit.path,
        )
    return locked


def document_content(
    kind: Kind, obj: Any, *, day: datetime.date | None = None
) -> tuple[bytes, str]:
    """The object's document as DOCX and its file name without extension: the issued copy once
    it has a number, otherwise a draft whose number is left as dots (a draft takes no number)."""
    issued = issued_copy(kind, obj)
    if issued is not None and issued.file:
        with issued.file.open("rb") as f:
            return f.read(), f"{kind.code}-{obj.pk}-so-{issued.number}{issued.suffix}"
    template = selectors.template_for(kind, kind.unit_of(obj))
    context = render.document_context(kind, obj, day=day or timezone.localdate())
    return render.render_docx(context, template), f"{kind.code}-{obj.pk}-du-thao"
