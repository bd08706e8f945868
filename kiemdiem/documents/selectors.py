"""Reads of the register: a unit's outgoing documents, for the page and its export."""

from django.db.models import QuerySet

from kiemdiem.documents.models import OutgoingDocument
from kiemdiem.org.models import Unit


def register_of(unit: Unit) -> QuerySet[OutgoingDocument]:
    """The outgoing documents the unit issued, newest first."""
    return OutgoingDocument.objects.filter(unit=unit).order_by("-issued_on", "-number", "-pk")
