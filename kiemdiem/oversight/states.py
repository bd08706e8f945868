"""Lifecycles of the oversight records.

A working group drafts its work programme up to an end date (the end of the term) and agrees it
with the leaders of the units it oversees (the leader or deputy records when and with whom); it
is closed at its end. Activities are planned inside the programme's dates at one of the group's
units (attend the review conference, the leadership meeting that drafts the plan, inspect, urge,
a working session), then recorded as done (the day held, minutes, remarks, follow-ups that
become items of the unit's plan, or new shortcomings with their items) or cancelled with a
reason.

Every 6 months and every year the group (or a committee member assigned in person) writes an
assessment of each unit it oversees, pre-filled with the unit's figures as of the period's end:
drafted by a member, sent to the standing committee by the leader (which notifies the unit),
then acknowledged by the unit with its response. The group also sends its own activity report
for each half-year and year to the committee's office.

A committee's implementation plan for a directive is a draft while comments are gathered (each
comment recorded with its author and whether it was taken in; revised drafts kept), then
adopted (number, date) and finally closed. Its tasks (content, lead and coordinating bodies,
deadline) are tracked as remediation items are: open, in progress, reported done with evidence,
verified by the committee or sent back, cancelled with a reason. A half-yearly and yearly report
gives the tasks' figures as of the period's end.

None of these move the campaign counters (they belong to no review cycle): the dashboard counts
them when it reads (`oversight.selectors`).
"""

from kiemdiem.core.lifecycle import BORN, Arrow, Lifecycle, Place
from kiemdiem.oversight.models import (
    Activity,
    ActivityStatus,
    Assessment,
    AssessmentStatus,
    DirectivePlanStatus,
    DirectiveTask,
    GroupReport,
    ImplementationPlan,
    ImplementationReport,
    ProgrammeStatus,
    ReportStatus,
    TaskStatus,
    WorkProgramme,
)
from kiemdiem.oversight.permissions import (
    can_acknowledge_assessment,
    can_agree_programme,
    can_record_activity,
    can_report_task,
    can_run_plan,
    can_submit_assessment,
    can_submit_group_report,
    can_verify_task,
    can_write_assessment,
    can_write_group_report,
    can_write_implementation_report,
    can_write_programme,
    can_write_task,
)

__all__ = [
    "ACTIVITY",
    "ASSESSMENT",
    "GROUP_REPORT",
    "IMPLEMENTATION",
    "IMPLEMENTATION_REPORT",
    "PROGRAMME",
    "TASK",
    "ActivityStatus",
    "AssessmentStatus",
    "DirectivePlanStatus",
    "ProgrammeStatus",
    "ReportStatus",
    "TaskStatus",
]


def _programme_place(programme: WorkProgramme) -> Place:
    return Place(unit_path=programme.group.committee.path)


def _activity_place(activity: Activity) -> Place:
    return Place(unit_path=activity.unit.path)


def _assessment_place(assessment: Assessment) -> Place:
    return Place(unit_path=assessment.unit.path, person_id=assessment.person_id)


def _group_report_place(report: GroupReport) -> Place:
    return Place(unit_path=report.group.committee.path)


def _plan_place(plan: ImplementationPlan) -> Place:
    return Place(unit_path=plan.committee.path)


def _task_place(task: DirectiveTask) -> Place:
    return Place(unit_path=task.lead_unit.path)


def _implementation_report_place(report: ImplementationReport) -> Place:
    return Place(unit_path=report.plan.committee.path)


PROGRAMME = Lifecycle(
    name="programme",
    labels=dict(ProgrammeStatus.choices),
    place=_programme_place,
    arrows={
        (BORN, ProgrammeStatus.DRAFT): Arrow(can=can_write_programme),
        (ProgrammeStatus.DRAFT, ProgrammeStatus.AGREED): Arrow(can=can_agree_programme),
        (ProgrammeStatus.AGREED, ProgrammeStatus.CLOSED): Arrow(can=can_agree_programme),
        (ProgrammeStatus.DRAFT, ProgrammeStatus.CLOSED): Arrow(
            can=can_agree_programme, reason=True
        ),
    },
)

ACTIVITY = Lifecycle(
    name="activity",
    labels=dict(ActivityStatus.choices),
    place=_activity_place,
    arrows={
        (BORN, ActivityStatus.PLANNED): Arrow(can=can_record_activity),
        (ActivityStatus.PLANNED, ActivityStatus.DONE): Arrow(can=can_record_activity),
        (ActivityStatus.PLANNED, ActivityStatus.CANCELLED): Arrow(
            can=can_record_activity, reason=True
        ),
    },
)

ASSESSMENT = Lifecycle(
    name="assessment",
    labels=dict(AssessmentStatus.choices),
    place=_assessment_place,
    arrows={
        (BORN, AssessmentStatus.DRAFT): Arrow(can=can_write_assessment),
        (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED): Arrow(can=can_submit_assessment),
        (AssessmentStatus.SUBMITTED, AssessmentStatus.ACKNOWLEDGED): Arrow(
            can=can_acknowledge_assessment
        ),
    },
)

GROUP_REPORT = Lifecycle(
    name="group_report",
    labels=dict(ReportStatus.choices),
    place=_group_report_place,
    arrows={
        (BORN, ReportStatus.DRAFT): Arrow(can=can_write_group_report),
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED): Arrow(can=can_submit_group_report),
    },
)

IMPLEMENTATION = Lifecycle(
    name="implementation_plan",
    labels=dict(DirectivePlanStatus.choices),
    place=_plan_place,
    arrows={
        (BORN, DirectivePlanStatus.DRAFT): Arrow(can=can_run_plan),
        (DirectivePlanStatus.DRAFT, DirectivePlanStatus.ADOPTED): Arrow(can=can_run_plan),
        (DirectivePlanStatus.ADOPTED, DirectivePlanStatus.CLOSED): Arrow(
            can=can_run_plan, reason=True
        ),
    },
)

_report = Arrow(can=can_report_task)
TASK = Lifecycle(
    name="directive_task",
    labels=dict(TaskStatus.choices),
    place=_task_place,
    arrows={
        (BORN, TaskStatus.OPEN): Arrow(can=can_write_task),
        (TaskStatus.OPEN, TaskStatus.IN_PROGRESS): _report,
        (TaskStatus.OPEN, TaskStatus.DONE): _report,
        (TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS): _report,
        (TaskStatus.IN_PROGRESS, TaskStatus.DONE): _report,
        (TaskStatus.DONE, TaskStatus.VERIFIED): Arrow(can=can_verify_task),
        # the committee sends a reported task back, saying what is missing
        (TaskStatus.DONE, TaskStatus.IN_PROGRESS): Arrow(can=can_verify_task, reason=True),
        (TaskStatus.OPEN, TaskStatus.CANCELLED): Arrow(can=can_write_task, reason=True),
        (TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED): Arrow(can=can_write_task, reason=True),
    },
)

IMPLEMENTATION_REPORT = Lifecycle(
    name="implementation_report",
    labels=dict(ReportStatus.choices),
    place=_implementation_report_place,
    arrows={
        (BORN, ReportStatus.DRAFT): Arrow(can=can_write_implementation_report),
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED): Arrow(can=can_write_implementation_report),
    },
)
