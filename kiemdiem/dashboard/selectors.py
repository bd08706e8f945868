"""What each dashboard figure counts, as querysets over the base tables; and dashboard reads.

FAMILIES is the one definition of every metric: `summaries.recompute` groups it by unit path to
check and rebuild the summaries, and the list behind a number (`metric_rows`) filters by it.
Each definition must match the counters the lifecycle tables move (`counts` of each arrow in
reviews/states.py, remediation/states.py, their flags) and the cycle opening's bulk counts: e.g.
plans_missing and items_overdue count the rows the overdue sweep flagged, not a date comparison,
because raising and clearing the flag is what moves them.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kiemdiem.core.models import SummaryDelta
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.org import scoping
from kiemdiem.org.models import PATH_STEP, Unit
from kiemdiem.org.scoping import visible_units
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import ITEM_DEAD, PLAN_TRACKABLE, ActionStatus, PlanStatus
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting
from kiemdiem.reviews.states import CycleStatus, FindingStatus, ReviewStatus


@dataclass(frozen=True)
class Family:
    """Rows of one base table and the metrics counting them (None: every row of the cycle)."""

    model: type[Model]
    cycle: str  # lookup from a row to its cycle
    unit: str  # lookup from a row to the unit whose path the services emit for it
    metrics: dict[str, Q | None]


FAMILIES: tuple[Family, ...] = (
    Family(
        Review,
        cycle="cycle",
        unit="unit",
        metrics={
            # cycle_open emits units_expected for reviews without a person (collectives).
            "units_expected": Q(person__isnull=True),
            "reviews_expected": None,
            # REVIEW: +1 leaving draft, -1 back to draft.
            "reviews_submitted": ~Q(status=ReviewStatus.DRAFT),
        },
    ),
    Family(ReviewMeeting, cycle="cycle", unit="unit", metrics={"conferences_held": None}),
    Family(
        RemediationPlan,
        cycle="cycle",
        unit="unit",
        metrics={
            "plans_expected": None,
            # PLAN, draft → submitted: the first submission's effective date against the due date.
            "plans_on_time": Q(first_submitted_on__lte=F("due_date")),
            "plans_late": Q(first_submitted_on__gt=F("due_date")),
            "plans_missing": Q(missing_flagged=True),
            "plans_returned": Q(status=PlanStatus.RETURNED),
            "plans_accepted": Q(status__in=PLAN_TRACKABLE),
        },
    ),
    Family(
        PlanAction,
        cycle="plan__cycle",
        unit="plan__unit",
        metrics={
            "items_total": ~Q(status__in=ITEM_DEAD),
            "items_done": Q(status=ActionStatus.VERIFIED),
            "items_overdue": Q(overdue_flagged=True),
        },
    ),
    Family(
        Finding,
        cycle="review__cycle",
        # Finding.unit is the review's unit (denormalized), the path finding_add emits.
        unit="unit",
        metrics={
            "findings_total": None,
            "findings_resolved": Q(status=FindingStatus.RESOLVED),
            "findings_carried": Q(carried_from__isnull=False),
        },
    ),
)
METRIC_FAMILY: dict[str, Family] = {m: f for f in FAMILIES for m in f.metrics}
assert set(METRIC_FAMILY) == set(METRIC_NAMES), "every metric needs exactly one definition"


def ancestor_paths(path: str, floor: str = "") -> list[str]:
    """`path` and its ancestors, root first, leaving out those above `floor` (a path prefix)."""
    start = max(len(floor), PATH_STEP)
    return [path[:end] for end in range(start, len(path) + 1, PATH_STEP)]


def cycles_visible_to(user) -> QuerySet[ReviewCycle]:
    """Running or closed cycles whose scope overlaps a subtree the user can see.

    A commune secretary sees the province's cycle (for their commune), and the province office
    sees it whole: the scope may lie above or below the user's subtree.
    """
    qs = ReviewCycle.objects.exclude(status=CycleStatus.DRAFT)
    access = scoping.access_for(user)
    if access.everything:
        return qs
    q = Q(pk__in=[])
    for path in access.visible_paths:
        q |= Q(scope_unit__path__startswith=path) | Q(scope_unit__path__in=ancestor_paths(path))
    return qs.filter(q)


def cycle_visible_to(user, cycle_id: int) -> ReviewCycle | None:
    """The cycle (with its scope unit) if cycles_visible_to(user) holds it, else None.

    The same rule checked in Python on one row by primary key: the dashboard's hot path.
    """
    try:
        cycle = (
            ReviewCycle.objects.select_related("scope_unit")
            .exclude(status=CycleStatus.DRAFT)
            .get(pk=cycle_id)
        )
    except ReviewCycle.DoesNotExist:
        return None
    access = scoping.access_for(user)
    scope = cycle.scope_unit.path
    if access.everything or any(
        scope.startswith(path) or path.startswith(scope) for path in access.visible_paths
    ):
        return cycle
    return None


def units_in_cycle_visible_to(user, cycle: ReviewCycle) -> QuerySet[Unit]:
    """Units of the cycle's scope the user can see (404 for the others)."""
    return visible_units(user).filter(path__startswith=cycle.scope_unit.path)


def default_unit(user, cycle: ReviewCycle) -> Unit | None:
    """The user's top visible unit within the cycle's scope."""
    scope = cycle.scope_unit
    access = scoping.access_for(user)
    if access.covers(scope.path):
        return scope
    inside = sorted(p for p in access.visible_paths if p.startswith(scope.path))
    if not inside:
        return None
    return Unit.objects.filter(path=inside[0]).first()


def path_depth(path: str) -> int:
    """Depth of the unit with this path (as Unit.depth: the root is 0)."""
    return len(path) // PATH_STEP - 1


# The dashboard's hot read, as SQL: building it with the ORM cost ~6 ms of Python per page
# against ~1 ms for the database (measured on the province benchmark). Two index ranges (the
# ancestors by path, the children by depth and path prefix) rather than one OR. The names come
# as per-row subqueries by primary key (joined, the planner scanned the whole unit table), and
# the unit's own row carries the count of change records still waiting to be merged.
_UNIT = Unit._meta.db_table
_BRANCH_SELECT = f"""
SELECT s.unit_id, s.unit_path, {", ".join("s." + name for name in METRIC_NAMES)},
       (SELECT u.kind FROM {_UNIT} u WHERE u.id = s.unit_id),
       (SELECT u.name FROM {_UNIT} u WHERE u.id = s.unit_id),
       {{own}}
  FROM {CycleSummary._meta.db_table} s
 WHERE s.cycle_id = %s"""
_OWN = f"""CASE WHEN s.unit_id = %s THEN s.updated_at END,
       CASE WHEN s.unit_id = %s THEN (
         SELECT COUNT(*) FROM {SummaryDelta._meta.db_table} d
          WHERE d.cycle_id_ref = s.cycle_id AND d.unit_path LIKE %s) END"""
_BRANCH_SQL = (
    _BRANCH_SELECT.format(own=_OWN)
    + " AND s.unit_path IN ({ancestors})\nUNION ALL"
    + _BRANCH_SELECT.format(own="NULL, NULL")
    + " AND s.depth = %s AND s.unit_path LIKE %s"
)
_BRANCH_COLUMNS = ("unit_id", "unit_path", *METRIC_NAMES, "kind", "name", "fresh_at", "pending")


def _as_datetime(value):
    """SQLite hands timestamps back as text; PostgreSQL as aware datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
    return value


def summaries_of_branch(cycle: ReviewCycle, unit: Unit) -> tuple[list[dict], list[dict]]:
    """Summary rows of the unit and its ancestors within the scope (root first), and of its
    children (ordered by kind and name; children without activity in the cycle have no row).

    One query. The unit's own row also holds "pending", its subtree's unmerged change records.
    """
    ancestors = ancestor_paths(unit.path, cycle.scope_unit.path)
    sql = _BRANCH_SQL.format(ancestors=", ".join(["%s"] * len(ancestors)))
    prefix = unit.path + "%"  # paths hold only [0-9a-z.]: nothing to escape for LIKE
    params = [unit.pk, unit.pk, prefix, cycle.pk, *ancestors]
    params += [cycle.pk, path_depth(unit.path) + 1, prefix]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    along, children = [], []
    wanted = set(ancestors)
    for values in rows:
        row = dict(zip(_BRANCH_COLUMNS, values, strict=True))
        if row["unit_id"] == unit.pk:
            row["fresh_at"] = _as_datetime(row["fresh_at"])
        (along if row["unit_path"] in wanted else children).append(row)
    along.sort(key=lambda row: len(row["unit_path"]))
    children.sort(key=lambda row: (row["kind"], row["name"]))
    return along, children


def pending_changes(cycle: ReviewCycle, unit: Unit) -> int:
    """Change records of the subtree not merged yet (the figures lag by these)."""
    return SummaryDelta.objects.filter(
        cycle_id_ref=cycle.pk, unit_path__startswith=unit.path
    ).count()


def metric_rows(*, cycle: ReviewCycle, unit: Unit, metric: str, user) -> QuerySet:
    """The rows behind one figure: the unit subtree's rows matching the metric, scoped to user."""
    family = METRIC_FAMILY[metric]
    qs = family.model.objects.filter(
        **{family.cycle: cycle, f"{family.unit}__path__startswith": unit.path}
    )
    condition = family.metrics[metric]
    if condition is not None:
        qs = qs.filter(condition)
    return scoping.scope(qs, user, via=family.unit)
