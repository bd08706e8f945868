"""Number-symbols of outgoing documents (rules §8): "12-KH/ĐU" — number, type, issuing body."""

import datetime
import re

from django.conf import settings

from kiemdiem.org.models import Unit, UnitKind

# Issuing-body abbreviations by unit kind (TU, HU, ĐU seen in the sources; the full list is
# UNCONFIRMED, rules §8): a province's standing committee writes TU, a district HU, a commune or
# grassroots committee ĐU, a cell CB.
BODY_ABBREVIATIONS = {
    UnitKind.PROVINCE: "TU",
    UnitKind.CENTRAL_LEVEL_COMMITTEE: "TU",
    UnitKind.DISTRICT: "HU",
    UnitKind.BLOC_COMMITTEE: "ĐUK",
    UnitKind.GRASSROOTS_CELL: "CB",
    UnitKind.SUBORDINATE_CELL: "CB",
}

MANUAL = re.compile(r"^\s*(\d{1,6})([a-zA-Z]{0,3})\s*$")


def body_abbreviation(unit: Unit) -> str:
    return BODY_ABBREVIATIONS.get(unit.kind, "ĐU")  # type: ignore[call-overload]


def term_of(day: datetime.date) -> int:
    """The committee term holding `day`, as its first year.

    The org app holds no congress dates yet, so the term is calendar-based: terms of
    KIEMDIEM_DOCUMENTS_TERM_YEARS years counted from KIEMDIEM_DOCUMENTS_TERM_FIRST_YEAR (default
    2025, 5 years). UNCONFIRMED: by rules §8 a term runs from the day after a congress closes, which
    differs per committee; the calendar year stands in for it.
    """
    first = settings.KIEMDIEM_DOCUMENTS_TERM_FIRST_YEAR
    years = settings.KIEMDIEM_DOCUMENTS_TERM_YEARS
    return first + (day.year - first) // years * years


def symbol(number: int | str, suffix: str, doc_type: str, unit: Unit) -> str:
    """ "12-KH/ĐU" (a draft passes its dots as `number`)."""
    return f"{number}{suffix}-{doc_type}/{body_abbreviation(unit)}"


def parse_manual(text: str) -> tuple[int, str] | None:
    """ "42a" → (42, "a"); anything else → None."""
    match = MANUAL.match(text or "")
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1)), match.group(2).lower()


# "Đảng bộ tỉnh Thanh Hóa" issues as "Tỉnh ủy Thanh Hóa" (rules §8: HD 36's header names the
# committee, e.g. HUYỆN ỦY ĐỊNH HÓA under ĐẢNG BỘ TỈNH THÁI NGUYÊN); a cell issues as itself.
COMMITTEE_PREFIXES = (
    ("Đảng bộ tỉnh ", "Tỉnh ủy "),
    ("Đảng bộ thành phố ", "Thành ủy "),
    ("Đảng bộ huyện ", "Huyện ủy "),
    ("Đảng bộ quận ", "Quận ủy "),
    ("Đảng bộ thị xã ", "Thị ủy "),
    ("Đảng bộ ", "Đảng ủy "),
)


def committee_name(unit: Unit) -> str:
    """The issuing body of a unit's documents: its committee ("Đảng ủy xã A"), a cell itself."""
    for prefix, committee in COMMITTEE_PREFIXES:
        if unit.name.startswith(prefix):
            return committee + unit.name[len(prefix) :]
    return unit.name
