"""Reads of discipline cases: the lists a user may see, a subtree's statistics by form."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from kiemdiem.core.permissions import Actor
from kiemdiem.core.text import fold
from kiemdiem.discipline.models import IN_FORCE, DisciplineCase, DisciplineForm, DisciplineStatus
from kiemdiem.org.models import Unit
from kiemdiem.reviews.models import SubjectKind


def cases_for(user: Actor) -> QuerySet[DisciplineCase]:
    """The cases the user may read (`DisciplineCase.objects.visible_to`), ready for a list."""
    return case_rows(DisciplineCase.objects.visible_to(user))


def case_rows(cases: QuerySet[DisciplineCase]) -> QuerySet[DisciplineCase]:
    """`cases` as the list and its export show them: with the units and the person they name
    (the list's rows read by key, in discipline.views, show the same)."""
    return cases.select_related("unit", "person", "deciding_unit")


@dataclass(frozen=True)
class CaseFilter:
    """The filters of the case list (and of the statistics' links to it)."""

    unit: Unit | None = None
    year: int | None = None
    form: str = ""
    subject_kind: str = ""
    status: str = ""
    in_force: bool = False
    q: str = ""


def decided_in(year: int) -> Q:
    """Cases decided in `year` (the list's year filter, and the statistics' year)."""
    return Q(decided_on__gte=datetime.date(year, 1, 1), decided_on__lte=datetime.date(year, 12, 31))


def cases_filtered(user: Actor, f: CaseFilter) -> QuerySet[DisciplineCase]:
    """The case list: a subtree (by the disciplined unit), a year of decision, a form in force,
    the subject kind, the state, a name."""
    qs = cases_for(user)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.year:
        qs = qs.filter(decided_in(f.year))
    if f.in_force or f.form:
        qs = qs.filter(status__in=IN_FORCE)
    if f.form:
        qs = qs.filter(form_in_force=f.form)
    if f.subject_kind:
        qs = qs.filter(subject_kind=f.subject_kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.q:
        words = fold(f.q)
        qs = qs.filter(Q(person__search_text__contains=words) | Q(unit__name__icontains=f.q))
    return qs.order_by("-decided_on", "-id")


@dataclass
class DisciplineStats:
    """Cases in force decided in a year in a subtree, by form and subject kind."""

    individuals: dict[str, int]
    collectives: dict[str, int]
    proposed: int
    appealed: int
    annulled: int

    @property
    def individuals_total(self) -> int:
        return sum(self.individuals.values())

    @property
    def collectives_total(self) -> int:
        return sum(self.collectives.values())


def discipline_stats(user: Actor, unit: Unit, year: int) -> DisciplineStats:
    """Counted over the cases the user may read, so each number equals the list it links to."""
    # One grouped pass (two queries before): the year's cases in force, appealed or annulled,
    # and the proposals still open today whatever their year (they have no decision date yet),
    # told apart by their state.
    shown = IN_FORCE | {DisciplineStatus.APPEALED, DisciplineStatus.ANNULLED}
    rows = (
        cases_filtered(user, CaseFilter(unit=unit))
        .filter((decided_in(year) & Q(status__in=shown)) | Q(status=DisciplineStatus.PROPOSED))
        .values_list("status", "subject_kind", "form_in_force")
        .annotate(n=Count("pk"))
        .order_by()
    )
    individuals = {form: 0 for form in DisciplineForm.values}
    collectives = {form: 0 for form in DisciplineForm.values}
    states = {
        DisciplineStatus.APPEALED: 0,
        DisciplineStatus.ANNULLED: 0,
        DisciplineStatus.PROPOSED: 0,
    }
    for status, kind, form, n in rows:
        if status in IN_FORCE:
            target = individuals if kind == SubjectKind.INDIVIDUAL else collectives
            target[form] = target.get(form, 0) + n
        if status in states:
            states[status] += n
    return DisciplineStats(
        individuals=individuals,
        collectives=collectives,
        proposed=states[DisciplineStatus.PROPOSED],
        appealed=states[DisciplineStatus.APPEALED],
        annulled=states[DisciplineStatus.ANNULLED],
    )


def person_cases(user: Actor, person_id: int) -> QuerySet[DisciplineCase]:
    """A person's cases the user may read (a person's page)."""
    return cases_for(user).filter(person_id=person_id)
