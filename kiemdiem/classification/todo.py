"""What waits for the user in the yearly classification, for the home page "Việc cần làm":
the ratings at the user's step (self-assess their own rating or their unit's, appraise as the
organization board, decide as the competent level) and the re-check tasks of the levels the
user acts for. One query each (rows and the total through a window count), none for a user
with no role they could act in; the rules match the permissions of the steps."""

import functools
import operator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window

from kiemdiem.classification.models import (
    Rating,
    RatingStatus,
    RoundStatus,
    SubjectKind,
)
from kiemdiem.classification.recheck_models import (
    RecheckStatus,
    RecheckTask,
    RecheckTaskStatus,
)
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.scoping import access_for, paths_q

INDIVIDUALS = (SubjectKind.MEMBER, SubjectKind.LEADER)

STEP_URLS = {
    RatingStatus.DRAFT: "classification:rating-self-assess",
    RatingStatus.SELF_ASSESSED: "classification:rating-appraise",
    RatingStatus.APPRAISED: "classification:rating-decide",
}


# The fields the home page shows of a line (dashboard/home.html; Rating.subject_label), read
# alone: the rating's ~45 columns and its round's ~20 were built into objects for nothing.
_RATING_LINE = (
    "id",
    "status",
    "subject_kind",
    "unit_id",
    "person_id",
    "round_id",
    "rerating_of_id",
    "round__title",
    "round__deadline",
    "unit__name",
    "unit__kind",
    "person__full_name",
)
_RECHECK_LINE = (
    "id",
    "unit_id",
    "campaign_id",
    "unit__name",
    "campaign__title",
    "campaign__year",
    "campaign__deadline",
)


@dataclass
class ClassificationTodo:
    ratings_count: int = 0
    ratings: list[Rating] = field(default_factory=list)
    rechecks_count: int = 0
    rechecks: list[RecheckTask] = field(default_factory=list)


def rating_steps_q(
    person_id: int | None,
    own_units: tuple[int, ...],
    office_paths: tuple[str, ...],
    oversight_paths: tuple[str, ...],
    deciding_units: tuple[int, ...],
) -> Q | None:
    """The ratings at a step the holder of an Access takes (`steps_of` gives its fields), the
    rules of the steps' permissions: self-assess their own rating (an individual's) or their
    own unit's; appraise as the organization board (the office of the deciding unit's subtree)
    or as an overseer of the unit; decide for a deciding unit they act for. Never a step of
    their own rating but the first. None: no such role."""
    parts = []
    own = Q(person_id=person_id) if person_id is not None else Q(pk__in=[])
    mine = Q(subject_kind__in=INDIVIDUALS) & own
    if own_units:
        mine |= ~Q(subject_kind__in=INDIVIDUALS) & Q(unit_id__in=own_units)
    if person_id is not None or own_units:
        parts.append(Q(status=RatingStatus.DRAFT) & mine)
    if office_paths or oversight_paths:
        appraise = paths_q(office_paths, "deciding_unit__path") | paths_q(
            oversight_paths, "unit__path"
        )
        parts.append(Q(status=RatingStatus.SELF_ASSESSED) & appraise & ~own)
    if deciding_units:
        decide = Q(deciding_unit_id__in=deciding_units)
        parts.append(Q(status=RatingStatus.APPRAISED) & decide & ~own)
    if not parts:
        return None
    return functools.reduce(operator.or_, parts)


def steps_of(access: Any) -> tuple:
    """The fields of an Access rating_steps_q reads, as the values of a precompiled read."""
    return (
        access.person_id,
        tuple(sorted(access.own_unit_ids)),
        access.office_paths,
        access.oversight_paths,
        tuple(sorted(access.recipient_unit_ids)),
    )


def ratings_at_steps(steps: tuple, rows: int) -> QuerySet[Rating]:
    """The first `rows` ratings at the steps (`steps_of`) as the home page lists them, each
    with `waiting`, the number of them all (none without a step: no query, core.precompiled).
    A closed round still carries its re-ratings (ordered by a cancel, Mẫu 03)."""
    workable = Q(round__status=RoundStatus.OPEN) | Q(rerating_of__isnull=False)
    return (
        Rating.objects.filter(workable, rating_steps_q(*steps) or Q(pk__in=[]))
        .annotate(waiting=Window(Count("pk")))
        .select_related("round", "unit", "person")
        .only(*_RATING_LINE)
        .order_by(F("round__deadline").asc(nulls_last=True), "round__year", "status", "pk")[:rows]
    )


def rechecks_of(units: tuple[int, ...], rows: int) -> QuerySet[RecheckTask]:
    """The first `rows` open re-check tasks of the units (open campaigns), each with
    `waiting`, the number of them all."""
    return (
        RecheckTask.objects.filter(
            unit_id__in=units,
            status=RecheckTaskStatus.OPEN,
            campaign__status=RecheckStatus.OPEN,
        )
        .annotate(waiting=Window(Count("pk")))
        .select_related("unit", "campaign")
        .only(*_RECHECK_LINE)
        .order_by("campaign__deadline", "pk")[:rows]
    )


@functools.cache
def _reads(rows: int) -> tuple[Precompiled[Any], Precompiled[Any]]:
    """Both reads for `rows` lines, compiled once per shape (core.precompiled): compiling them
    on every home page was a third of its Python (issue 17, part 9a)."""
    return (
        Precompiled(lambda *steps: ratings_at_steps(steps, rows)),
        Precompiled(lambda units: rechecks_of(units, rows)),
    )


def todo_for(user: Any, rows: int = 5) -> ClassificationTodo:
    todo = ClassificationTodo()
    access = access_for(user)
    if access.everything:  # the administrator takes no step of anyone's rating
        return todo
    ratings, rechecks = _reads(rows)
    found = ratings(*steps_of(access))
    for rating in found:
        rating.step_url = STEP_URLS[rating.status]
    todo.ratings = found
    todo.ratings_count = found[0].waiting if found else 0
    if access.recipient_unit_ids:
        tasks = rechecks(tuple(sorted(access.recipient_unit_ids)))
        todo.rechecks = tasks
        todo.rechecks_count = tasks[0].waiting if tasks else 0
    return todo
