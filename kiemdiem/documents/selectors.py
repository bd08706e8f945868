"""Reads of the documents app: a unit's register (for the page and its export) and the template
each kind of document is made from."""

import functools

from django.db.models import QuerySet

from kiemdiem.documents.kinds import Kind, kind_of
from kiemdiem.documents.models import DocumentTemplate, OutgoingDocument
from kiemdiem.documents.template_default import build
from kiemdiem.org.models import Unit


def register_of(unit: Unit) -> QuerySet[OutgoingDocument]:
    """The outgoing documents the unit issued, newest first."""
    return OutgoingDocument.objects.filter(unit=unit).order_by("-issued_on", "-number", "-pk")


def templates_over(unit: Unit, kind: str | None = None) -> QuerySet[DocumentTemplate]:
    """Templates in use along the unit's branch (its own and its ancestors'), nearest unit
    first, newest first."""
    qs = DocumentTemplate.objects.filter(
        unit__path__in=unit.ancestor_paths(), withdrawn_at__isnull=True
    ).select_related("unit", "created_by")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("-unit__depth", "-created_at", "-pk")


def effective_templates(unit: Unit) -> dict[str, DocumentTemplate]:
    """The uploaded template each kind uses at `unit` (kinds absent use the default)."""
    found: dict[str, DocumentTemplate] = {}
    for t in templates_over(unit):
        found.setdefault(t.kind, t)
    return found


@functools.cache
def default_template(kind_code: str) -> bytes:
    """The built-in default template of a kind, built once per process."""
    kind = kind_of(kind_code)
    return build(kind.body, letter=kind.letter, numbered=kind.numbered, minutes=kind.minutes)


def template_for(kind: Kind, unit: Unit) -> bytes:
    """The template a document of the unit is made from: the nearest uploaded one, else the
    built-in default."""
    uploaded = templates_over(unit, kind.code).first()
    if uploaded is None:
        return default_template(kind.code)
    with uploaded.file.open("rb") as f:
        return f.read()


class TemplateResolver:
    """The template of one kind for many units (a bundle of a province's documents): the
    uploaded templates are read once, each unit's nearest one found in memory."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self._by_path: dict[str, DocumentTemplate] = {}
        newest_first = DocumentTemplate.objects.filter(
            kind=kind.code, withdrawn_at__isnull=True
        ).select_related("unit")
        for t in newest_first.order_by("-created_at", "-pk"):
            self._by_path.setdefault(t.unit.path, t)
        self._content: dict[int, bytes] = {}

    def for_unit(self, unit: Unit) -> bytes:
        for path in reversed(unit.ancestor_paths()):
            template = self._by_path.get(path)
            if template is not None:
                if template.pk not in self._content:
                    with template.file.open("rb") as f:
                        self._content[template.pk] = f.read()
                return self._content[template.pk]
        return default_template(self.kind.code)
