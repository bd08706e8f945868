"""What each dashboard figure counts, as querysets over the base tables; and dashboard reads.

FAMILIES is the one definition of every metric: `summaries.recompute` groups it by unit path to
check and rebuild the summaries, and the list behind a number (`metric_rows`) filters by it.
Each definition must match the counters the lifecycle tables move (`counts` of each arrow in
reviews/states.py, remediation/states.py, their flags) and the cycle opening's bulk counts: e.g.
plans_missing and items_overdue count the rows the overdue sweep flagged, not a date comparison,
because raising and clearing the flag is what moves them.
"""

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kiemdiem.classification.todo import todo_for as classification_todo
from kiemdiem.core import paging
from kiemdiem.core.db_router import reading
from kiemdiem.core.models import SummaryDelta
from kiemdiem.core.permissions import actor_id
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.sorting import natural_key
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.org import scoping
from kiemdiem.org.models import (
    LEADER_ROLES,
    AccessGrant,
    AccessRole,
    Position,
    Unit,
    ancestor_paths,
    path_depth,
)
from kiemdiem.org.scoping import visible_units
from kiemdiem.remediation import selectors as remediation_selectors
from kiemdiem.remediation.models import (
    Appraisal,
    PlanAction,
    RemediationPlan,
)
from kiemdiem.remediation.states import (
    ITEM_DEAD,
    PLAN_TRACKABLE,
    ActionStatus,
    PlanStatus,
    ReturnGround,
)
from kiemdiem.reports.models import PeriodicReport, ReportPeriod, ReportStatus
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
            # REVIEW: +1 submitted → discussed; discussed → finalized moves one to the next.
            "reviews_discussed": Q(status=ReviewStatus.DISCUSSED),
            "reviews_finalized": Q(status=ReviewStatus.FINALIZED),
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


def _cycle_read(cycle_id: int) -> QuerySet[ReviewCycle]:
    """The cycle `cycle_id` if it is running or closed (as `cycles_visible_to`), with its scope
    unit."""
    return (
        ReviewCycle.objects.select_related("scope_unit")
        .exclude(status=CycleStatus.DRAFT)
        .filter(pk=cycle_id)
    )


# Compiled once per process (core.precompiled): building and compiling it cost ~0.5 ms of
# Python on each dashboard page (issue 17, part 15c).
_CYCLE = Precompiled(_cycle_read)


def cycle_visible_to(user, cycle_id: int) -> ReviewCycle | None:
    """The cycle (with its scope unit) if cycles_visible_to(user) holds it, else None.

    The same rule checked in Python on one row by primary key: the dashboard's hot path.
    """
    cycle = _CYCLE.first(cycle_id)
    if cycle is None:
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
    with reading(CycleSummary).cursor() as cursor:  # the replica's, in a replica view
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


def _summed_figures_read(*scopes: tuple[int, tuple[str, ...]]) -> QuerySet[CycleSummary]:
    """`summed_figures` of the (cycle id, unit paths) `scopes`, as rows of values."""
    wanted = Q(pk__in=[])
    for cycle_id, paths in scopes:
        if paths:
            wanted |= Q(cycle_id=cycle_id, unit_path__in=paths)
    return (
        CycleSummary.objects.filter(wanted)
        .order_by()
        .values("cycle_id")
        .annotate(as_of=Min("updated_at"), **{m: Sum(m) for m in METRIC_NAMES})
    )


# Compiled once per process and shape of the scopes (how many cycles, paths each: a page asks
# for the same few): building and compiling the grouped sums of ~20 metrics cost ~0.7–0.8 ms
# of Python on the cycle page and the plan list (issue 17, part 15c).
_SUMMED_FIGURES = Precompiled(_summed_figures_read)


def summed_figures(scopes: Mapping[int, list[str]]) -> dict[int, dict]:
    """For each cycle, the figures of the given (disjoint) unit subtrees added up, with `as_of`
    (the oldest of their rows' merge times); cycles without a summary row there are left out.
    One grouped query over the (cycle, unit_path) index. Registered as core.summaries' reader
    (apps.py): the cycle page's counts and the plan list's count per cycle read it."""
    rows = _SUMMED_FIGURES(*((cycle_id, tuple(paths)) for cycle_id, paths in scopes.items()))
    return {
        row["cycle_id"]: {
            **{m: int(row[m] or 0) for m in METRIC_NAMES},
            "as_of": _as_datetime(row["as_of"]),
        }
        for row in rows
    }


def latest_report(cycle: ReviewCycle, unit: Unit) -> PeriodicReport | None:
    """The unit's periodic report of the cycle's latest period it reported on (the dashboard
    sets its figures beside its own)."""
    return _LATEST_REPORT.first(cycle.pk, unit.pk)


def _latest_report_read(cycle_id: int, unit_id: int) -> QuerySet[PeriodicReport]:
    """`latest_report` of the cycle and unit by their ids."""
    return (
        PeriodicReport.objects.filter(period__cycle_id=cycle_id, unit_id=unit_id)
        .select_related("period")
        .order_by("-period__ends_on", "-pk")[:1]
    )


# Compiled once per process (core.precompiled): ~0.7 ms of Python on each dashboard page.
_LATEST_REPORT = Precompiled(_latest_report_read)


def pending_changes(cycle: ReviewCycle, unit: Unit) -> int:
    """Change records of the subtree not merged yet (the figures lag by these)."""
    return SummaryDelta.objects.filter(
        cycle_id_ref=cycle.pk, unit_path__startswith=unit.path
    ).count()


# How the rows behind a figure are listed: related rows to join, order, template partial.
ROW_LISTS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Review: (("unit", "person"), ("unit__path", "subject_kind", "person__sort_key", "pk")),
    ReviewMeeting: (("unit", "chair"), ("unit__path", "pk")),
    RemediationPlan: (("unit", "person"), ("unit__path", "person__sort_key", "pk")),
    PlanAction: (
        ("plan__unit", "plan__person", "responsible_unit", "responsible_person"),
        ("plan__unit__path", "plan_id", "position", "pk"),
    ),
    Finding: (("unit", "review__person", "review__unit"), ("unit__path", "review_id", "pk")),
}
ROW_KINDS: dict[type, str] = {
    Review: "reviews",
    ReviewMeeting: "meetings",
    RemediationPlan: "plans",
    PlanAction: "items",
    Finding: "findings",
}
# The statuses a drill-down list can be filtered by (conferences have none).
ROW_STATUSES: dict[type, list[tuple[str, str]]] = {
    Review: ReviewStatus.choices,
    RemediationPlan: PlanStatus.choices,
    PlanAction: ActionStatus.choices,
    Finding: FindingStatus.choices,
}


def children_in_cycle(user, cycle: ReviewCycle, unit: Unit) -> list[Unit]:
    """The unit's children inside the cycle's scope that the user can see, in natural order
    (the drill-down lists filter by them)."""
    children = units_in_cycle_visible_to(user, cycle).filter(parent=unit)
    return sorted(children, key=lambda u: natural_key(u.name))


def metric_rows_listed(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    metric: str,
    user,
    child: Unit | None = None,
    status: str = "",
) -> QuerySet:
    """The rows behind one figure as the list shows them (joined, ordered), narrowed to one
    child's subtree and one status when asked: the page and its Excel export read this."""
    family = METRIC_FAMILY[metric]
    rows = metric_rows(cycle=cycle, unit=child or unit, metric=metric, user=user)
    if status:
        rows = rows.filter(status=status)
    related, order = ROW_LISTS[family.model]
    return rows.select_related(*related).order_by(*order)


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


# --- the home page: what the user has to do next ------------------------------------------

# Deadlines within this many days are shown as coming up ("sắp đến hạn").
SOON_DAYS = 14
# A periodic report is listed from this many days before its period ends until it is sent.
REPORT_LEAD_DAYS = 30
# Lines per section; each section links to its full list.
HOME_ROWS = 5


def own_unit_ids(user) -> frozenset[int]:
    """Units the user answers for in person: a current access grant on the unit itself or a
    leading post there (can_write_report's rule), not the subtrees below, which they watch.

    One query (a UNION), cached on the user for the request.
    """
    cached = getattr(user, "_kiemdiem_own_units", None)
    if cached is not None:
        return cached
    access = scoping.access_for(user)
    if not access.everything and AccessRole.INSPECTION not in access.roles:
        # The request's Access read the same rows (current grants, leading posts) already;
        # only an inspection grant (Access leaves it out of its own units) needs the query.
        user._kiemdiem_own_units = access.own_unit_ids
        return access.own_unit_ids
    grants = AccessGrant.objects.current().filter(user=user).values_list("unit_id").order_by()
    posts = (
        Position.objects.current()
        .filter(person__user=user, role__in=LEADER_ROLES)
        .values_list("unit_id")
        .order_by()
    )
    ids = frozenset(unit_id for (unit_id,) in grants.union(posts))
    user._kiemdiem_own_units = ids
    return ids


def _own_plans_q(units: frozenset[int], person_id: int | None, prefix: str = "") -> Q:
    """The collective plans (or reviews) of the user's own units, and their personal one."""
    q = Q(**{f"{prefix}unit_id__in": units, f"{prefix}person__isnull": True})
    if person_id is not None:
        q |= Q(**{f"{prefix}person_id": person_id})
    return q


@dataclass
class ReportDue:
    """A periodic report the user's unit has still to send."""

    unit: Unit
    period: ReportPeriod
    report: PeriodicReport | None

    @property
    def url(self) -> str:
        if self.report is not None:
            return self.report.get_absolute_url()
        return reverse("reports:report-create", args=[self.unit.pk, self.period.pk])


@dataclass
class Todo:
    """Everything on the home page; each list is short, each count says how many there are."""

    today: datetime.date
    appraisal_count: int = 0
    appraisal: list = field(default_factory=list)
    # The count stopped at core.paging.COUNT_CAP (shown "hơn 1.000").
    appraisal_capped: bool = False
    verification_count: int = 0
    verification_capped: bool = False
    verification: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    plans_due: list = field(default_factory=list)
    items_due_count: int = 0
    items_due: list = field(default_factory=list)
    reports_due: list[ReportDue] = field(default_factory=list)
    reviews_open: list = field(default_factory=list)
    # The yearly classification: ratings at the user's step, re-check tasks (classification.todo).
    classification: Any = None
    # An administrator: nothing of their own waits; the queues of everyone are on their pages.
    administrator: bool = False

    @property
    def empty(self) -> bool:
        return not (
            (self.classification and (self.classification.ratings or self.classification.rechecks))
            or self.appraisal_count
            or self.verification_count
            or self.returned
            or self.plans_due
            or self.items_due_count
            or self.reports_due
            or self.reviews_open
        )


def _reviews_open_read(units: tuple[int, ...], person_id: int | None) -> QuerySet[Review]:
    """The user's (or their unit's) reviews of open cycles not finalized yet, each with
    `has_meeting` (its unit's conference of the cycle is recorded); by the cycle's self-review
    deadline, then unit. Only the fields a review's line shows."""
    meeting = ReviewMeeting.objects.filter(
        cycle_id=OuterRef("cycle_id"), unit_id=OuterRef("unit_id")
    )
    return (
        Review.objects.filter(_own_plans_q(units, person_id), cycle__status=CycleStatus.OPEN)
        .exclude(status=ReviewStatus.FINALIZED)
        .annotate(has_meeting=Exists(meeting))
        .select_related("unit", "person", "cycle")
        .only(
            "status",
            "unit__name",
            "person__full_name",
            "cycle__self_review_due",
            "cycle__conference_due",
        )
        .order_by("cycle__self_review_due", "unit__path", "pk")
    )


def _own_plans_read(
    units: tuple[int, ...], person_id: int | None, soon: datetime.date
) -> QuerySet[RemediationPlan]:
    """The user's (or their unit's) plans returned and drafts due by `soon` (or overdue), with
    the fields a plan's line shows and its label names (str(plan): the review's person or
    unit); the whole rows of four tables were read before."""
    return (
        RemediationPlan.objects.filter(
            _own_plans_q(units, person_id),
            Q(status=PlanStatus.RETURNED) | Q(status=PlanStatus.DRAFT, due_date__lte=soon),
            cycle__status=CycleStatus.OPEN,
        )
        .select_related("review__unit", "review__person")
        .only(
            "status",
            "due_date",
            "unit_id",
            "person_id",
            "review__unit__name",
            "review__person__full_name",
        )
        .order_by("due_date", "pk")
    )


def _items_due_read(
    units: tuple[int, ...], person_id: int | None, soon: datetime.date
) -> QuerySet[PlanAction]:
    """Open items due by `soon` (or overdue) that the user answers for: the items of their own
    plans, and those naming their unit or themself responsible; soonest first.

    The three ways in are one UNION of foreign-key index lookups (a plan's items, a unit's or a
    person's responsibilities: tens of rows) that the items are taken from: with the three
    conditions OR-ed, the database walked every open item due by then (~20,000 on the province
    demo) to test them row by row: ~35 ms against ~3 ms."""
    own = RemediationPlan.objects.filter(_own_plans_q(units, person_id)).values("pk")
    items = PlanAction.objects.order_by().values("pk")
    ways = items.filter(plan__in=own)
    if units:
        ways = ways.union(items.filter(responsible_unit_id__in=units))
    if person_id is not None:
        ways = ways.union(items.filter(responsible_person_id=person_id))
    return (
        PlanAction.objects.filter(
            pk__in=ways,
            status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
            due_date__lte=soon,
            plan__status__in=[PlanStatus.ACCEPTED, PlanStatus.ADOPTED],
            plan__cycle__status=CycleStatus.OPEN,
        )
        .select_related("plan__unit", "plan__person")
        .only(*_ITEM_LINE)
        .order_by("due_date", "pk")
    )


def _report_units_read(units: tuple[int, ...]) -> QuerySet[Unit]:
    """The user's own units, with the fields the reports due read and show."""
    return Unit.objects.filter(pk__in=units).only("id", "name", "kind", "path").order_by("path")


def _report_periods_read(
    units: tuple[int, ...], ancestors: tuple[str, ...], today: datetime.date, until: datetime.date
) -> QuerySet[ReportPeriod]:
    """The periods of open cycles scoped at one of `ancestors` that have started by `today`
    and end by `until` (or have ended), each once per report of the units on it (`own_report`,
    None: none), in one statement: soonest due first."""
    return (
        ReportPeriod.objects.filter(
            cycle__status=CycleStatus.OPEN,
            cycle__scope_unit__path__in=ancestors,
            starts_on__lte=today,
            ends_on__lte=until,
        )
        .annotate(own=FilteredRelation("reports", condition=Q(reports__unit_id__in=units)))
        .annotate(
            own_report_id=F("own__id"),
            own_report_unit_id=F("own__unit_id"),
            own_report_status=F("own__status"),
        )
        .select_related("cycle__scope_unit")
        .only("label", "due_on", "cycle__participating_kinds", "cycle__scope_unit__path")
        .order_by("due_on", "pk")
    )


_REVIEWS_OPEN = Precompiled(_reviews_open_read)
_OWN_PLANS = Precompiled(_own_plans_read)
_ITEMS_DUE = Precompiled(_items_due_read)
_REPORT_UNITS = Precompiled(_report_units_read)
_REPORT_PERIODS = Precompiled(_report_periods_read)


def _reviews_open(units: frozenset[int], person_id: int | None) -> list[Review]:
    """_reviews_open_read, precompiled (core.precompiled)."""
    return _REVIEWS_OPEN(tuple(sorted(units)), person_id)


def _own_plans(
    units: frozenset[int], person_id: int | None, soon: datetime.date
) -> tuple[list[RemediationPlan], list[RemediationPlan]]:
    """The user's (or their unit's) plans to act on, in one query (`_own_plans_read`): those
    returned, which they must prepare again, each with `.appraisal`, the decision that sent it
    back (grounds and remarks); and the drafts due by `soon` (or overdue)."""
    both = _OWN_PLANS(tuple(sorted(units)), person_id, soon)
    plans = [plan for plan in both if plan.status == PlanStatus.RETURNED]
    due = [plan for plan in both if plan.status == PlanStatus.DRAFT]
    if not plans:
        return plans, due
    latest: dict[int, Appraisal] = {}
    decisions = (
        Appraisal.objects.filter(submission__plan__in=plans, decision=Appraisal.Decision.RETURNED)
        .select_related("submission")
        .order_by("submission__plan_id", "-submission__number")
    )
    for appraisal in decisions:
        latest.setdefault(appraisal.submission.plan_id, appraisal)
    grounds = dict(ReturnGround.choices)
    for plan in plans:
        plan.appraisal = latest.get(plan.pk)
        plan.ground_labels = [
            str(grounds.get(g, g)) for g in (plan.appraisal.grounds if plan.appraisal else [])
        ]
    return plans, due


def _items_due(units: frozenset[int], person_id: int | None, soon: datetime.date) -> list:
    """_items_due_read, precompiled (core.precompiled)."""
    return _ITEMS_DUE(tuple(sorted(units)), person_id, soon)


def _reports_due(units: frozenset[int], today: datetime.date) -> list[ReportDue]:
    """Reports of the user's own units whose period has started and ends within
    REPORT_LEAD_DAYS (or has ended), not yet sent, in open cycles covering the unit. Two
    queries (the units; the periods with their reports), only the fields read here and shown
    (a report's figures were read and built into objects for nothing)."""
    if not units:
        return []
    own_ids = tuple(sorted(units))
    own = _REPORT_UNITS(own_ids)
    ancestors = tuple(sorted({path for unit in own for path in unit.ancestor_paths()}))
    if not ancestors:
        return []
    periods: dict[int, ReportPeriod] = {}
    reports = {}
    until = today + datetime.timedelta(days=REPORT_LEAD_DAYS)
    for period in _REPORT_PERIODS(own_ids, ancestors, today, until):
        periods.setdefault(period.pk, period)
        if period.own_report_id is not None:
            reports[(period.pk, period.own_report_unit_id)] = PeriodicReport.from_db(
                period._state.db,
                ["id", "period_id", "unit_id", "status"],
                [
                    period.own_report_id,
                    period.pk,
                    period.own_report_unit_id,
                    period.own_report_status,
                ],
            )
    due = []
    for period in periods.values():
        cycle = period.cycle
        for unit in own:
            if not unit.path.startswith(cycle.scope_unit.path):
                continue
            if unit.kind not in cycle.participating_kinds:
                continue
            report = reports.get((period.pk, unit.pk))
            if report is None or report.status != ReportStatus.SUBMITTED:
                due.append(ReportDue(unit=unit, period=period, report=report))
    return due


# The fields the home page's lines show (templates/dashboard/home.html).
_PLAN_LINE = (
    "id",
    "status",
    "due_date",
    "unit_id",
    "person_id",
    "unit__name",
    "person__full_name",
    "last_submitted_at",
)
_ITEM_LINE = (
    "id",
    "content",
    "status",
    "percent",
    "due_date",
    "plan_id",
    "plan__unit_id",
    "plan__person_id",
    "plan__unit__name",
    "plan__person__full_name",
    "done_at",
)


def _first_lines(queue: QuerySet, lines: QuerySet, order: tuple, cap: int) -> QuerySet:
    """The first HOME_ROWS rows of a queue, each carrying the queue's length up to the queue
    pages' `cap` (core.paging.COUNT_CAP; + 1 to tell it was capped): the queue's first cap + 1
    keys in its `order` (read through the queue's index; the rules run on those rows only)
    and, of those, the first rows as `lines` reads them (the fields the home page shows), each
    with the number of keys (COUNT(*) OVER ()). The COUNT(*) OVER () over the queue itself
    counted and sorted a whole country's queue; a separate capped COUNT compiled the queue's
    rules twice."""
    keys = queue.values("pk")[: cap + 1]
    return (
        lines.filter(pk__in=keys)
        .annotate(queue_length=Window(Count("*")))
        .order_by(*order)[:HOME_ROWS]
    )


def _appraisal_head(
    cap: int, office_paths: tuple[str, ...], *values: Any
) -> QuerySet[RemediationPlan]:
    """The first lines of the queue "Chờ tôi thẩm định" (the office's paths, then
    remediation.selectors.queue_values) as the home page shows them: the queue page's rule
    (remediation.selectors.appraisal_queue_of), only the fields the lines show (the rows of
    four tables otherwise: ~100 columns)."""
    access = remediation_selectors.queue_access(*values[:-1], office_paths=office_paths)
    return _first_lines(
        remediation_selectors.appraisal_queue_of(access, values[-1]),
        remediation_selectors.appraisal_lines(RemediationPlan.objects.all())
        .select_related("unit", "person")
        .only(*_PLAN_LINE),
        remediation_selectors.APPRAISAL_ORDER,
        cap,
    )


def _verification_head(cap: int, *values: Any) -> QuerySet[PlanAction]:
    """The first lines of the queue "Chờ tôi xác nhận" (`queue_values`), as above."""
    access = remediation_selectors.queue_access(*values[:-1])
    return _first_lines(
        remediation_selectors.verification_queue_of(access, values[-1]),
        PlanAction.objects.select_related("plan__unit", "plan__person").only(*_ITEM_LINE),
        remediation_selectors.VERIFICATION_ORDER,
        cap,
    )


@functools.cache
def queue_head_reads(cap: int) -> tuple[Precompiled, Precompiled]:
    """Both heads for a cap (written into their SQL), compiled once per shape of the values
    (core.precompiled): compiling the two queues' rules on every home page cost ~5 ms of
    Python against ~1 ms for the database each (issue 17, part 9a)."""
    return (
        Precompiled(functools.partial(_appraisal_head, cap)),
        Precompiled(functools.partial(_verification_head, cap)),
    )


def queue_heads(access: scoping.Access, me: int | None) -> tuple[tuple, tuple]:
    """Both queues' first lines, each as (lines, count up to COUNT_CAP, capped)."""
    values = remediation_selectors.queue_values(access, me)
    appraisal, verification = queue_head_reads(paging.COUNT_CAP)
    return (
        paging.counted_lines(appraisal(access.office_paths, *values)),
        paging.counted_lines(verification(*values)),
    )


def todo_for(user) -> Todo:
    """The home page's next actions: those below, and the classification's (its own module)."""
    todo = _todo_for(user)
    todo.classification = classification_todo(user, rows=HOME_ROWS)
    return todo


def _todo_for(user) -> Todo:
    """The home page of `user`: plans waiting for their appraisal, items waiting for their
    verification, their unit's returned plans with the grounds, their plans and items due within
    SOON_DAYS or overdue, reports to send, reviews and conferences to finish.

    The two queues apply the rules of the queue pages (remediation.selectors); the rest reads
    the user's own units and person through indexed lookups. About a dozen queries whatever
    the size of the user's subtree, each compiled once per process (core.precompiled, issue 17
    parts 9a and 10a): compiling them on every request was half of the page's Python.
    """
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=SOON_DAYS)
    access = scoping.access_for(user)
    todo = Todo(today=today)
    if not access.everything and not access.visible_paths:
        return todo
    if access.everything:
        # An administrator acts for every recipient: their queues are the whole country's,
        # which took 17.7 s to count and sort on the national data set. Like the classification
        # (no rating waits for an administrator), the home page leaves them to the queue pages.
        todo.administrator = True
        return todo
    queues = queue_heads(access, actor_id(user))
    (todo.appraisal, todo.appraisal_count, todo.appraisal_capped) = queues[0]
    (todo.verification, todo.verification_count, todo.verification_capped) = queues[1]

    units = own_unit_ids(user)
    person_id = access.person_id
    if not units and person_id is None:
        return todo
    todo.returned, todo.plans_due = _own_plans(units, person_id, soon)
    todo.items_due = _items_due(units, person_id, soon)
    todo.items_due_count = len(todo.items_due)
    todo.items_due = todo.items_due[: HOME_ROWS * 2]
    todo.reports_due = _reports_due(units, today)
    todo.reviews_open = _reviews_open(units, person_id)
    return todo
