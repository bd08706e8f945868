"""What waits for the user in the yearly classification, for the home page "Việc cần làm":
the ratings at the user's step (self-assess their own rating or their unit's, appraise as the
organization board, decide as the competent level) and the re-check tasks of the levels the
user acts for. One query each (rows and the total through a window count), none for a user
with no role they could act in; the rules match the permissions of the steps."""

from dataclasses import dataclass, field
from typing import Any

from kiemdiem.classification.models import (
    Rating,
    RatingRound,
    RatingStatus,
    RoundStatus,
    SubjectKind,
)
from kiemdiem.classification.recheck_models import (
    RecheckCampaign,
    RecheckStatus,
    RecheckTask,
    RecheckTaskStatus,
)
from kiemdiem.core.db_router import reading
from kiemdiem.core.rawrows import Part, Rows, like_any, placeholders
from kiemdiem.org.models import Person, Unit
from kiemdiem.org.scoping import access_for

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


_RATING = Rating._meta.db_table
_ROUND = RatingRound._meta.db_table
_UNIT = Unit._meta.db_table
_PERSON = Person._meta.db_table
_TASK = RecheckTask._meta.db_table
_CAMPAIGN = RecheckCampaign._meta.db_table
_RATING_ROWS = Rows(
    Part(
        Rating,
        "r",
        ("id", "status", "subject_kind", "unit_id", "person_id", "round_id", "rerating_of_id"),
    ),
    Part(RatingRound, "ro", ("id", "title", "deadline"), parent=0, relation="round"),
    Part(Unit, "u", ("id", "name", "kind"), parent=0, relation="unit"),
    Part(Person, "pe", ("id", "full_name"), parent=0, relation="person"),
    extra=("waiting",),
)
_RECHECK_ROWS = Rows(
    Part(RecheckTask, "t", ("id", "unit_id", "campaign_id")),
    Part(Unit, "u", ("id", "name"), parent=0, relation="unit"),
    Part(RecheckCampaign, "ca", ("id", "title", "year", "deadline"), parent=0, relation="campaign"),
    extra=("waiting",),
)


def _rating_steps_sql(access: Any) -> tuple[str, list] | None:
    """The ratings at a step the user takes, as SQL over r (the rating), du (its deciding
    unit) and u (its unit); None: no such role. The ORM form of the same rule is the reference
    dashboard/tests/test_home_reads.py compares it with: a change to one is made to both."""
    parts: list[str] = []
    params: list = []
    individuals = [str(kind) for kind in INDIVIDUALS]
    kinds = placeholders(individuals)
    # ~Q(person_id=...): NOT (x = %s AND x IS NOT NULL), which keeps the rows where x is NULL.
    not_own = " AND NOT (r.person_id = %s AND r.person_id IS NOT NULL)" if access.person_id else ""
    if access.person_id or access.own_unit_ids:
        mine = [f"(r.subject_kind IN ({kinds}) AND r.person_id = %s)"] if access.person_id else []
        mine_params = [*individuals, access.person_id] if access.person_id else []
        if access.own_unit_ids:
            units = sorted(access.own_unit_ids)
            mine.append(
                f"(NOT (r.subject_kind IN ({kinds})) AND r.unit_id IN ({placeholders(units)}))"
            )
            mine_params += [*individuals, *units]
        parts.append(f"(r.status = %s AND ({' OR '.join(mine)}))")
        params += [RatingStatus.DRAFT, *mine_params]
    if access.office_paths or access.oversight_paths:
        appraise = []
        if access.office_paths:
            appraise.append(like_any("du.path", access.office_paths))
            params_paths = [p + "%" for p in access.office_paths]
        else:
            params_paths = []
        if access.oversight_paths:
            appraise.append(like_any("u.path", access.oversight_paths))
            params_paths += [p + "%" for p in access.oversight_paths]
        parts.append(f"(r.status = %s AND ({' OR '.join(appraise)}){not_own})")
        params += [RatingStatus.SELF_ASSESSED, *params_paths]
        params += [access.person_id] if access.person_id else []
    if access.recipient_unit_ids:
        deciding = sorted(access.recipient_unit_ids)
        parts.append(
            f"(r.status = %s AND r.deciding_unit_id IN ({placeholders(deciding)}){not_own})"
        )
        params += [RatingStatus.APPRAISED, *deciding]
        params += [access.person_id] if access.person_id else []
    if not parts:
        return None
    return "(" + " OR ".join(parts) + ")", params


def todo_for(user: Any, rows: int = 5) -> ClassificationTodo:
    todo = ClassificationTodo()
    access = access_for(user)
    if access.everything:  # the administrator takes no step of anyone's rating
        return todo
    steps = _rating_steps_sql(access)
    connection = reading(Rating)
    if steps is not None:
        where, params = steps
        # A closed round still carries its re-ratings (ordered by a cancel, Mẫu 03).
        found = _RATING_ROWS.fetch(
            connection,
            f"""SELECT {_RATING_ROWS.select}, COUNT(*) OVER ()
  FROM {_RATING} r
  JOIN {_ROUND} ro ON ro.id = r.round_id
  JOIN {_UNIT} u ON u.id = r.unit_id
  JOIN {_UNIT} du ON du.id = r.deciding_unit_id
  LEFT JOIN {_PERSON} pe ON pe.id = r.person_id
 WHERE {where} AND (ro.status = %s OR r.rerating_of_id IS NOT NULL)
 ORDER BY ro.deadline IS NULL, ro.deadline, ro.year, r.status, r.id
 LIMIT %s""",
            [*params, RoundStatus.OPEN, rows],
        )
        for rating in found:
            rating.step_url = STEP_URLS[rating.status]
        todo.ratings = found
        todo.ratings_count = found[0].waiting if found else 0
    if access.recipient_unit_ids:
        units = sorted(access.recipient_unit_ids)
        tasks = _RECHECK_ROWS.fetch(
            connection,
            f"""SELECT {_RECHECK_ROWS.select}, COUNT(*) OVER ()
  FROM {_TASK} t
  JOIN {_CAMPAIGN} ca ON ca.id = t.campaign_id
  JOIN {_UNIT} u ON u.id = t.unit_id
 WHERE t.unit_id IN ({placeholders(units)}) AND t.status = %s AND ca.status = %s
 ORDER BY ca.deadline, t.id
 LIMIT %s""",
            [*units, RecheckTaskStatus.OPEN, RecheckStatus.OPEN, rows],
        )
        todo.rechecks = tasks
        todo.rechecks_count = tasks[0].waiting if tasks else 0
    return todo
