"""What waits for the user in the yearly classification, for the home page "Việc cần làm":
the ratings at the user's step (self-assess their own rating or their unit's, appraise as the
organization board, decide as the competent level) and the re-check tasks of the levels the
user acts for. One query each (rows and the total through a window count), none for a user
with no role they could act in; the rules match the permissions of the steps."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, Window

from kiemdiem.classification.models import Rating, RatingStatus, RoundStatus, SubjectKind
from kiemdiem.classification.recheck_models import RecheckStatus, RecheckTask, RecheckTaskStatus
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


def _rating_steps_q(access: Any) -> Q | None:
    """The ratings at a step the user takes (None: no such role)."""
    parts = []
    own = Q(person_id=access.person_id) if access.person_id else Q(pk__in=[])
    mine = Q(subject_kind__in=INDIVIDUALS) & own
    if access.own_unit_ids:
        mine |= ~Q(subject_kind__in=INDIVIDUALS) & Q(unit_id__in=sorted(access.own_unit_ids))
    if access.person_id or access.own_unit_ids:
        parts.append(Q(status=RatingStatus.DRAFT) & mine)
    if access.office_paths or access.oversight_paths:
        appraise = paths_q(access.office_paths, "deciding_unit__path") | paths_q(
            access.oversight_paths, "unit__path"
        )
        parts.append(Q(status=RatingStatus.SELF_ASSESSED) & appraise & ~own)
    if access.recipient_unit_ids:
        decide = Q(deciding_unit_id__in=sorted(access.recipient_unit_ids))
        parts.append(Q(status=RatingStatus.APPRAISED) & decide & ~own)
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def todo_for(user: Any, rows: int = 5) -> ClassificationTodo:
    todo = ClassificationTodo()
    access = access_for(user)
    if access.everything:  # the administrator takes no step of anyone's rating
        return todo
    steps = _rating_steps_q(access)
    if steps is not None:
        # A closed round still carries its re-ratings (ordered by a cancel, Mẫu 03).
        workable = Q(round__status=RoundStatus.OPEN) | Q(rerating_of__isnull=False)
        found = list(
            Rating.objects.filter(steps & workable)
            .annotate(waiting=Window(Count("pk")))
            .select_related("round", "unit", "person")
            .only(*_RATING_LINE)
            .order_by(F("round__deadline").asc(nulls_last=True), "round__year", "status", "pk")[
                :rows
            ]
        )
        for rating in found:
            rating.step_url = STEP_URLS[rating.status]
        todo.ratings = found
        todo.ratings_count = found[0].waiting if found else 0
    if access.recipient_unit_ids:
        tasks = list(
            RecheckTask.objects.filter(
                unit_id__in=sorted(access.recipient_unit_ids),
                status=RecheckTaskStatus.OPEN,
                campaign__status=RecheckStatus.OPEN,
            )
            .annotate(waiting=Window(Count("pk")))
            .select_related("unit", "campaign")
            .only(*_RECHECK_LINE)
            .order_by("campaign__deadline", "pk")[:rows]
        )
        todo.rechecks = tasks
        todo.rechecks_count = tasks[0].waiting if tasks else 0
    return todo
