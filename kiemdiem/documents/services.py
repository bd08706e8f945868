"""Every write of the register: a number is taken here and only here."""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kiemdiem.core.audit import audit_record, created, snapshot
from kiemdiem.core.errors import DomainError
from kiemdiem.documents import numbering
from kiemdiem.documents.models import DocumentSequence, OutgoingDocument
from kiemdiem.documents.permissions import can_enter_document
from kiemdiem.org.models import Unit

AUDITED = ("symbol", "issued_on", "title", "signer", "recipients", "source")


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
                created_by=by if getattr(by, "is_authenticated", False) else None,
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
