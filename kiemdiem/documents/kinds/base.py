"""A kind of document: what it is made from, who issues and signs it, its data and its default
template's body. Each module of this package registers its kinds; `KINDS` lists them all.

Writing a kind: an object the user may read (`objects`, scoped — any other is 404), the issuing
body (`unit_of`), the data (`context`: the type line, summary, body data, authority, recipients;
the header parts come from `render.header_context`), the body of the default template (`body`,
written with `template_default.Page`) and `sample`, data holding every placeholder of the body,
against which an uploaded template is checked.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

from kiemdiem.core.permissions import Actor, Decision
from kiemdiem.org.models import CELL_KINDS, Person, Position, PositionRole, Unit

KINDS: dict[str, "Kind"] = {}


@dataclass(frozen=True)
class Signer:
    """Who signs: `key` identifies the choice in a form ("position:12", "person:7")."""

    key: str
    title: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} — {self.title.capitalize()}" if self.title else self.name


def person_signs(person: Person) -> list[Signer]:
    """One person signs in their own name, without a title (a member's own form or plan, the
    meeting's chair, a committee member's assessment)."""
    return [Signer(f"person:{person.pk}", "", person.full_name)]


def leaders_of(unit: Unit, day: datetime.date) -> list[Signer]:
    """Those who sign for a committee (T/M BAN THƯỜNG VỤ / T/M CHI BỘ …): its secretary, then
    its deputy secretaries, holding the post on `day`."""
    posts = (
        Position.objects.current(day)
        .filter(unit=unit, role__in=[PositionRole.SECRETARY, PositionRole.DEPUTY_SECRETARY])
        .select_related("person")
        .order_by("person__full_name")
    )
    signers = [
        Signer(
            f"position:{p.pk}",
            "BÍ THƯ" if p.role == PositionRole.SECRETARY else "PHÓ BÍ THƯ",
            p.person.full_name,
        )
        for p in posts
    ]
    return sorted(signers, key=lambda s: s.title != "BÍ THƯ")


def lower_first(text: str) -> str:
    """ "Kiểm điểm, đánh giá năm 2025" → "kiểm điểm, đánh giá năm 2025" (inside a sentence)."""
    return text[:1].lower() + text[1:]


def paragraphs(text: str | None) -> list[str]:
    """A text typed in a form as its paragraphs (one per non-empty line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def committee_authority(unit: Unit) -> str:
    """ "T/M CHI BỘ" for a cell, "T/M BAN THƯỜNG VỤ" for a committee with a standing
    committee (rules §8, usual practice; UNCONFIRMED in HD 36)."""
    return "T/M CHI BỘ" if unit.kind in CELL_KINDS else "T/M BAN THƯỜNG VỤ"


@dataclass(frozen=True)
class Kind:
    code: str  # in URLs and file names: "ke-hoach-khac-phuc"
    label: str  # "Kế hoạch khắc phục hạn chế, khuyết điểm"
    doc_type: str | None  # the register's type (KH, BC…); None: a personal form, not numbered
    objects: Callable[[Actor], QuerySet[Any]]
    unit_of: Callable[[Any], Unit]
    context: Callable[[Any, datetime.date], dict[str, Any]]
    body: Callable[[Any], None]  # writes on a template_default.Page
    sample: dict[str, Any]
    title_of: Callable[[Any], str] = str
    # Who may sign; default: the unit's secretary and deputy secretaries.
    signers: Callable[[Any, datetime.date], list[Signer]] | None = None
    # Who may give it a number; default: the office keeping the unit's register.
    may_issue: Callable[[Actor, Any], Decision] | None = None
    # For the subtree's bundle (ZIP): the path from an object to its unit, and to its review
    # cycle when it belongs to one (the bundle is then made for one cycle).
    unit_field: str = "unit"
    cycle_field: str | None = None
    # A kind written for organizations and for members alike (a plan): the path to the member,
    # so a bundle can hold the organizations' documents only.
    person_field: str | None = None
    letter: bool = False  # a công văn: no type line, "V/v …" under the number
    minutes: bool = False  # a record: the meeting's secretary signs on the left
    form_code: str = ""  # "Mẫu 01-HD KĐ.ĐG 2025"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def numbered(self) -> bool:
        return self.doc_type is not None

    def source_of(self, obj: Model) -> str:
        """What the register's row says it was made from ("remediation.remediationplan:12")."""
        return f"{obj._meta.label_lower}:{obj.pk}"

    def signers_of(self, obj: Any, day: datetime.date) -> list[Signer]:
        if self.signers is not None:
            return self.signers(obj, day)
        return leaders_of(self.unit_of(obj), day)


def register(kind: Kind) -> Kind:
    if kind.code in KINDS:
        raise ValueError(f"document kind {kind.code!r} registered twice")
    KINDS[kind.code] = kind
    return kind


def kind_of(code: str) -> Kind:
    """The registered kind (KeyError for an unknown code)."""
    return KINDS[code]
