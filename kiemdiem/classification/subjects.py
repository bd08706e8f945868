"""Who is a subject of a round (shared by `services.rating_add`, which opens one, and
`opening.subjects_open`, which opens them in bulk): the kinds of units rated, the posts whose
holders are rated as leaders, and the new-member exemption with its UNCONFIRMED cut-off."""

import calendar
import datetime

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When

from kiemdiem.classification.models import RatingRound
from kiemdiem.org.models import NON_PARTY_KINDS, Person, PositionRole, UnitKind

# Party organizations rated as such (a party group inside a cell is not).
ORGANIZATION_KINDS = frozenset(UnitKind.values) - NON_PARTY_KINDS - {UnitKind.PARTY_GROUP}
# Posts whose holders are rated as leaders (the head of a committee or of an agency).
HEAD_ROLES = (PositionRole.SECRETARY, PositionRole.HEAD)


def default_cutoff(year: int) -> datetime.date:
    """The day new members' 6 months count back from, unless the round names another
    (UNCONFIRMED, rules.md §11.1: KIEMDIEM_CLASSIFICATION_CUTOFF, 31/12 by default)."""
    month, day = (int(x) for x in settings.KIEMDIEM_CLASSIFICATION_CUTOFF.split("-"))
    return datetime.date(year, month, day)


def new_members_exempt() -> bool:
    """QĐ 366 Art. 5: members admitted under 6 months are not rated (the default); a setting
    rates them like any member instead."""
    return settings.KIEMDIEM_CLASSIFICATION_NEW_MEMBERS != "rated"


def is_new_member(round_: RatingRound, person: Person | None) -> bool:
    """Admitted less than 6 months before the round's cut-off day (QĐ 366 Art. 5)."""
    return person is not None and admitted_recently(round_, person.admission_date)


def admitted_recently(round_: RatingRound, admission_date: datetime.date | None) -> bool:
    """`is_new_member` for an admission date at hand (bulk opening reads no Person rows)."""
    if admission_date is None:
        return False
    cutoff = round_.cutoff_on
    year, month = (
        (cutoff.year, cutoff.month - 6) if cutoff.month > 6 else (cutoff.year - 1, cutoff.month + 6)
    )
    day = min(cutoff.day, calendar.monthrange(year, month)[1])
    return admission_date > datetime.date(year, month, day)


def in_rating_order(qs: QuerySet) -> QuerySet:
    """Ratings in the order they are taken (QĐ 366 Art. 12.2) within each unit: the leadership
    collective before the organization and before its head, then the members."""
    rank = Case(
        When(subject_kind="leadership_collective", then=Value(0)),
        When(subject_kind="organization", then=Value(1)),
        When(subject_kind="leader", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return qs.annotate(kind_rank=rank).order_by("unit__path", "kind_rank", "person__sort_key", "pk")
