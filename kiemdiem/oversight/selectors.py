"""Reads of the oversight records within the user's scope, what is expected of whom and late, and
the dashboard's figures per working group and per assigned member.

Who sees what (outside it: 404):
- a working group's programme, activities and reports: its members, and those who lead or serve
  the committee that set it up; its programme and activities also the leaders of the units it
  oversees (the programme is agreed with them);
- an assessment: the same, and, once sent, the unit assessed (its leaders) — a committee
  member's own assessment: themself, their committee, and the unit once sent;
- an implementation plan and everything in it: those who see its committee, and the lead and
  coordinating bodies of its tasks.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kiemdiem.core.permissions import Actor
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.models import OversightAssignment, Person, Unit, WorkingGroup
from kiemdiem.org.scoping import (
    GROUP_FIELDS,
    Access,
    ReadByAccess,
    access_for,
    paths_q,
    visible_groups_by,
)
from kiemdiem.oversight.models import (
    TASK_OPEN,
    Activity,
    Assessment,
    AssessmentStatus,
    DirectiveTask,
    GroupReport,
    ImplementationPlan,
    ImplementationReport,
    ReportStatus,
    WorkProgramme,
)
from kiemdiem.oversight.periods import half_year_bounds
from kiemdiem.remediation.models import PlanRecipient, RemediationPlan
from kiemdiem.remediation.selectors import plans_appraised_by
from kiemdiem.remediation.states import PlanStatus
from kiemdiem.reports.models import PeriodKind, ReportPeriod
from kiemdiem.reviews.states import CycleStatus


def _group_q(access: Access, prefix: str) -> Q:
    """Rows of a group the user sits in, or of a committee they lead or serve."""
    return Q(**{f"{prefix}_id__in": sorted(access.group_ids)}) | paths_q(
        access.unit_paths, f"{prefix}__committee__path"
    )


def programmes_visible_to(user: Actor) -> QuerySet[WorkProgramme]:
    """Also the leaders of the units the group oversees: the programme is agreed with them."""
    qs = WorkProgramme.objects.select_related("group", "group__committee")
    access = access_for(user)
    if access.everything:
        return qs
    overseen = OversightAssignment.objects.filter(working_group=OuterRef("group_id")).filter(
        paths_q(access.unit_paths, "unit__path")
    )
    return qs.filter(_group_q(access, "group") | Exists(overseen))


def activities_visible_to(user: Actor) -> QuerySet[Activity]:
    qs = Activity.objects.select_related("programme", "programme__group", "unit")
    access = access_for(user)
    if access.everything:
        return qs
    return qs.filter(
        _group_q(access, "programme__group") | paths_q(access.unit_paths, "unit__path")
    )


def assessments_visible_to(user: Actor) -> QuerySet[Assessment]:
    return assessments_visible_by(access_for(user))


def assessments_visible_by(access: Access) -> QuerySet[Assessment]:
    """`assessments_visible_to` for the holder of `access` (a read precompiled over its fields)."""
    qs = Assessment.objects.select_related(
        "group", "group__committee", "person", "unit", "period", "period__cycle"
    )
    if access.everything:
        return qs
    mine = Q(person_id=access.person_id) if access.person_id else Q(pk__in=[])
    committee = Exists(
        OversightAssignment.objects.filter(
            person=OuterRef("person_id"), unit=OuterRef("unit_id")
        ).filter(paths_q(access.unit_paths, "committee__path"))
    )
    # The unit assessed reads it once it is sent (not while the group drafts it).
    sent = ~Q(status=AssessmentStatus.DRAFT) & paths_q(access.unit_paths, "unit__path")
    return qs.filter(
        _group_q(access, "group") | mine | (Q(person__isnull=False) & committee) | sent
    )


def group_reports_visible_to(user: Actor) -> QuerySet[GroupReport]:
    qs = GroupReport.objects.select_related("group", "group__committee")
    access = access_for(user)
    return qs if access.everything else qs.filter(_group_q(access, "group"))


def implementation_plans_visible_to(user: Actor) -> QuerySet[ImplementationPlan]:
    qs = ImplementationPlan.objects.select_related("committee")
    access = access_for(user)
    if access.everything:
        return qs
    paths = access.unit_paths + access.oversight_paths
    bodies = DirectiveTask.objects.filter(plan=OuterRef("pk")).filter(
        paths_q(access.unit_paths, "lead_unit__path")
        | paths_q(access.unit_paths, "coordinating_units__path")
    )
    return qs.filter(paths_q(paths, "committee__path") | Exists(bodies))


def tasks_visible_to(user: Actor) -> QuerySet[DirectiveTask]:
    plans = implementation_plans_visible_to(user).values("pk")
    return DirectiveTask.objects.filter(plan__in=plans).select_related(
        "plan", "plan__committee", "lead_unit"
    )


def implementation_reports_visible_to(user: Actor) -> QuerySet[ImplementationReport]:
    plans = implementation_plans_visible_to(user).values("pk")
    return ImplementationReport.objects.filter(plan__in=plans).select_related(
        "plan", "plan__committee"
    )


# --- who is overseen by whom ------------------------------------------------------------------


def groups_of_committee(committee: Unit) -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.filter(committee=committee).order_by("-valid_to", "name")


def group_assignments(group: WorkingGroup) -> QuerySet[OversightAssignment]:
    """All of the group's assignments, current first (the history stays)."""
    return group.assignments.select_related("unit").order_by("-valid_from", "unit__path")


def units_of_group(group: WorkingGroup, day: datetime.date | None = None) -> list[Unit]:
    day = day or timezone.localdate()
    ids = OversightAssignment.objects.current(day).filter(working_group=group).values("unit_id")
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


def plans_of_unit_for_followup(unit: Unit) -> QuerySet[RemediationPlan]:
    """The unit's plans a follow-up can be added to: accepted or adopted, in an open cycle."""
    return (
        RemediationPlan.objects.filter(
            unit=unit,
            status__in=[PlanStatus.ACCEPTED, PlanStatus.ADOPTED],
            cycle__status=CycleStatus.OPEN,
        )
        .select_related("unit", "person", "cycle", "review")
        .order_by("-cycle__year", "person__sort_key", "pk")
    )


@dataclass
class Expected:
    """An assessment expected of an overseer (group or person) for one unit and period."""

    unit: Unit
    period: ReportPeriod
    group: WorkingGroup | None = None
    person: Person | None = None
    assessment: Assessment | None = None

    @property
    def overseer(self) -> str:
        return str(self.group or self.person)

    @property
    def state(self) -> str:
        """ "done" (sent on time), "late" (sent after the due date), "missing" (due date passed,
        not sent), "due" (not yet due)."""
        a = self.assessment
        today = timezone.localdate()
        if a is not None and a.status != AssessmentStatus.DRAFT:
            return "late" if a.submitted_on and a.submitted_on > self.period.due_on else "done"
        return "missing" if today > self.period.due_on else "due"


def assessments_expected(
    assignments: QuerySet[OversightAssignment], *, until: datetime.date | None = None
) -> list[Expected]:
    """For each assignment, the report periods (of the open or closed cycles whose scope covers
    its unit) that started by `until` (today) and overlap the assignment: an assessment of that
    unit by that group or person is expected once the period has started, due on its due date.
    """
    until = until or timezone.localdate()
    rows = list(
        assignments.select_related("unit", "working_group", "person").order_by("unit__path", "pk")
    )
    if not rows:
        return []
    periods = list(
        ReportPeriod.objects.filter(starts_on__lte=until)
        .exclude(cycle__status=CycleStatus.DRAFT)
        .select_related("cycle", "cycle__scope_unit")
        .order_by("ends_on")
    )
    done: dict[tuple[int | None, int | None, int, int], Assessment] = {}
    for a in Assessment.objects.filter(
        unit_id__in={r.unit_id for r in rows}, period__in=periods
    ).select_related("period"):
        done[(a.group_id, a.person_id, a.unit_id, a.period_id)] = a
    out: list[Expected] = []
    seen: set[tuple[int | None, int | None, int, int]] = set()
    for assignment in rows:
        for period in periods:
            if not assignment.unit.path.startswith(period.cycle.scope_unit.path):
                continue
            if assignment.valid_from > period.ends_on:
                continue
            if assignment.valid_to is not None and assignment.valid_to < period.starts_on:
                continue
            key = (assignment.working_group_id, assignment.person_id, assignment.unit_id, period.pk)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Expected(
                    unit=assignment.unit,
                    period=period,
                    group=assignment.working_group,
                    person=assignment.person,
                    assessment=done.get(key),
                )
            )
    return out


def assignments_under(paths: tuple[str, ...]) -> QuerySet[OversightAssignment]:
    """Assignments made by the committees in the subtrees `paths` (an office's view)."""
    return OversightAssignment.objects.filter(paths_q(paths, "committee__path"))


# The oversight page's three lists, compiled once per process and shape of their values
# (core.precompiled): building and compiling them cost ~3.4 ms of Python on each page for
# ~1 ms of database (issue 17, part 15c; the groups, part 16d). Each builds through the rule
# the other pages use.


def _to_acknowledge_read(access: Access) -> QuerySet[Assessment]:
    """Assessments sent to the units `access.own_unit_ids`, waiting for them to acknowledge,
    that the holder of `access` may read (`assessments_visible_by`)."""
    return (
        assessments_visible_by(access)
        .filter(status=AssessmentStatus.SUBMITTED, unit_id__in=access.own_unit_ids)
        .order_by("period__ends_on")
    )


def _member_assignments_read(paths: tuple[str, ...]) -> QuerySet[OversightAssignment]:
    """The first 200 assignments of committee members in person by the committees `paths`
    (`assignments_under`), latest ending first."""
    return (
        assignments_under(paths)
        .filter(person__isnull=False)
        .select_related("person", "unit", "committee")
        .order_by("-valid_to", "unit__path")[:200]
    )


def _group_list_read(access: Access) -> QuerySet[WorkingGroup]:
    """The working groups the holder of `access` may open (`visible_groups_by`), with their
    committee and their current members counted, by committee and name."""
    return (
        visible_groups_by(access)
        .select_related("committee")
        .annotate(member_count=Count("members", filter=Q(members__valid_to__isnull=True)))
        .order_by("committee__path", "name", "pk")
    )


# The Access fields `assessments_visible_by` reads, and the units that acknowledge.
_TO_ACKNOWLEDGE = ReadByAccess(
    _to_acknowledge_read,
    fields=("everything", "unit_paths", "group_ids", "person_id", "own_unit_ids"),
)
_MEMBER_ASSIGNMENTS = Precompiled(_member_assignments_read)
_GROUP_LIST = ReadByAccess(_group_list_read, fields=GROUP_FIELDS)


def to_acknowledge(access: Access) -> list[Assessment]:
    """The assessments the user's own units must acknowledge (as `_to_acknowledge_read`)."""
    return _TO_ACKNOWLEDGE(access)


def group_list(access: Access) -> list[WorkingGroup]:
    """The working groups of the oversight page (as `visible_group_list`, precompiled)."""
    return _GROUP_LIST(access)


def member_assignments(committees: list[Unit]) -> list[OversightAssignment]:
    """Committee members assigned in person by `committees` (as `_member_assignments_read`)."""
    return _MEMBER_ASSIGNMENTS(tuple(c.path for c in committees))


@dataclass
class GroupReportDue:
    group: WorkingGroup
    year: int
    kind: str
    label: str
    due_on: datetime.date
    report: GroupReport | None = None

    @property
    def state(self) -> str:
        r = self.report
        if r is not None and r.status == ReportStatus.SUBMITTED:
            return "late" if r.submitted_on and r.submitted_on > self.due_on else "done"
        return "missing" if timezone.localdate() > self.due_on else "due"


def group_reports_expected(groups: QuerySet[WorkingGroup]) -> list[GroupReportDue]:
    """Each group's activity reports for every half-year and year of its life that has started."""
    today = timezone.localdate()
    groups_list = list(groups.select_related("committee"))
    reports = {
        (r.group_id, r.year, r.kind): r
        for r in GroupReport.objects.filter(group__in=[g.pk for g in groups_list])
    }
    out: list[GroupReportDue] = []
    labels = dict(PeriodKind.choices)
    for group in groups_list:
        last = min(group.valid_to or today, today)
        for year in range(group.valid_from.year, last.year + 1):
            for kind in (PeriodKind.HALF_YEAR, PeriodKind.YEAR):
                start, end, due = half_year_bounds(year, kind)
                if end < group.valid_from or start > last:
                    continue
                out.append(
                    GroupReportDue(
                        group=group,
                        year=year,
                        kind=kind,
                        label=f"{labels[kind]} {year}",
                        due_on=due,
                        report=reports.get((group.pk, year, kind)),
                    )
                )
    return out


# --- the dashboard's oversight table ------------------------------------------------------------


@dataclass
class OverseerRow:
    """One working group or assigned member on a cycle's dashboard."""

    label: str
    kind: str  # "group" | "member"
    pk: int = 0  # the group's or the person's id
    url: str = ""
    units: list[str] = field(default_factory=list)
    plans_appraised: int = 0
    assessments_done: int = 0
    assessments_late: int = 0
    assessments_missing: int = 0

    @property
    def query(self) -> str:
        """The query string naming this overseer on the lists behind the figures."""
        return f"{'group' if self.kind == 'group' else 'member'}={self.pk}"


def overseer_assignments(
    unit: Unit, *, group_id: int | None = None, person_id: int | None = None
) -> QuerySet[OversightAssignment]:
    """The current assignments to units of `unit`'s subtree (of one group or member if given):
    who the dashboard's oversight panel shows."""
    qs = OversightAssignment.objects.current(timezone.localdate()).filter(
        unit__path__startswith=unit.path
    )
    if group_id:
        qs = qs.filter(working_group_id=group_id)
    elif person_id:
        qs = qs.filter(person_id=person_id, working_group__isnull=True)
    return qs.select_related("unit", "working_group", "person")


def overseer_named(unit: Unit, params: Mapping[str, str]) -> tuple[dict, str] | None:
    """The working group (`group=`) or member assigned in person (`member=`) that the query
    `params` name, as the selectors' keyword and a label; None unless they oversee a unit of
    `unit`'s subtree now (the panel shows no one else)."""
    group, member = params.get("group", ""), params.get("member", "")
    if group.isdigit():
        who = {"group_id": int(group)}
    elif member.isdigit():
        who = {"person_id": int(member)}
    else:
        return None
    assignment = overseer_assignments(unit, **who).first()
    if assignment is None:
        return None
    return who, str(assignment.working_group or assignment.person)


def _expected_in_cycle(assignments: QuerySet[OversightAssignment], cycle_id: int) -> list[Expected]:
    return [e for e in assessments_expected(assignments) if e.period.cycle_id == cycle_id]


ASSESSMENT_STATES = ("done", "late", "missing")


def overseer_assessments(
    unit: Unit,
    cycle_id: int,
    *,
    group_id: int | None = None,
    person_id: int | None = None,
    state: str = "",
) -> list[Expected]:
    """The assessments expected in the cycle of one working group or member over `unit`'s
    subtree (in one state if given): the rows behind the panel's assessment figures."""
    assignments = overseer_assignments(unit, group_id=group_id, person_id=person_id)
    rows = _expected_in_cycle(assignments, cycle_id)
    return [e for e in rows if e.state == state] if state else rows


def overseers_dashboard(unit: Unit, cycle_id: int) -> list[OverseerRow]:
    """Per working group and per assigned member overseeing units of `unit`'s subtree in the
    cycle: the units they oversee now, the plans of the cycle in the subtree they appraised, and
    their assessments for the cycle's periods done (on time), late and missing (due date
    passed). The lists behind each figure read the same selectors (plans_appraised_by,
    overseer_assessments)."""
    assignments = overseer_assignments(unit)
    rows: dict[tuple[str, int], OverseerRow] = {}
    for a in assignments.order_by("unit__path"):
        if a.working_group is not None:
            group = a.working_group
            row = rows.setdefault(
                ("group", group.pk),
                OverseerRow(
                    label=str(group), kind="group", pk=group.pk, url=group.get_absolute_url()
                ),
            )
        elif a.person is not None:
            person = a.person
            row = rows.setdefault(
                ("member", person.pk),
                OverseerRow(
                    label=str(person), kind="member", pk=person.pk, url=person.get_absolute_url()
                ),
            )
        else:
            continue
        row.units.append(a.unit.name)
    for (kind, pk), row in rows.items():
        who = {"group_id": pk} if kind == "group" else {"person_id": pk}
        row.plans_appraised = plans_appraised_by(
            cycle_id=cycle_id, unit_path=unit.path, **who
        ).count()
    for expected in _expected_in_cycle(assignments, cycle_id):
        if expected.group is not None:
            row = rows[("group", expected.group.pk)]
        elif expected.person is not None:
            row = rows[("member", expected.person.pk)]
        else:
            continue
        state = expected.state
        if state == "done":
            row.assessments_done += 1
        elif state == "late":
            row.assessments_late += 1
        elif state == "missing":
            row.assessments_missing += 1
    return sorted(rows.values(), key=lambda r: (r.kind, r.label))


def recipients_of_group(group: WorkingGroup) -> QuerySet[PlanRecipient]:
    return PlanRecipient.objects.filter(working_group=group)


def plans_awaiting_group(group: WorkingGroup) -> QuerySet[RemediationPlan]:
    """Submitted plans sent to the group (its appraisal queue, before personal refusals)."""
    return (
        RemediationPlan.objects.filter(
            status=PlanStatus.SUBMITTED, pk__in=recipients_of_group(group).values("plan_id")
        )
        .select_related("unit", "person", "cycle", "review")
        .order_by("unit__path", "pk")
    )


def tasks_overdue(qs: QuerySet[DirectiveTask], day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return qs.filter(due_date__lt=day, status__in=TASK_OPEN)


def visible_group_list(user: Actor) -> QuerySet[WorkingGroup]:
    """The working groups the user may open, as the oversight page lists them (`group_list`)."""
    return _group_list_read(access_for(user))
