"""Who may write a working group's programme, activities, assessments and reports, who
acknowledges an assessment, and who runs an implementation plan and its tasks.

- A working group's records are written by its current members; what it sends out (an
  assessment, its activity report) and agrees with the units (the programme) by its leader or
  deputy leader. A committee member assigned in person writes and sends their own assessments.
- The unit assessed (its own leaders or office, as for its own reports) acknowledges it.
- An implementation plan is run by its committee: the office over it, or its standing posts.
  A task's progress is reported by its lead body (its leaders or office); it is verified by the
  committee, not by whoever reported it done.
"""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Actor, Decision, actor_id, deny
from kiemdiem.org.models import Unit, WorkingGroup
from kiemdiem.org.scoping import access_for
from kiemdiem.oversight.models import (
    Activity,
    Assessment,
    DirectiveTask,
    GroupReport,
    ImplementationPlan,
    ImplementationReport,
    TaskStatus,
    WorkProgramme,
)


def can_work_in_group(user: Actor, group: WorkingGroup) -> Decision:
    """Write the group's records: a current member of it (or an administrator)."""
    access = access_for(user)
    if access.everything or group.pk in access.group_ids:
        return ALLOW
    return deny(_("Chỉ thành viên %(g)s mới được ghi việc của tổ.") % {"g": group})


def can_speak_for_group(user: Actor, group: WorkingGroup) -> Decision:
    """Send what the group sends and agree what it agrees: its leader or deputy leader."""
    access = access_for(user)
    if access.everything or group.pk in access.speaker_group_ids:
        return ALLOW
    return deny(
        _("Chỉ tổ trưởng, tổ phó %(g)s mới được gửi, thống nhất thay mặt tổ.") % {"g": group}
    )


def can_write_programme(user: Actor, programme: WorkProgramme) -> Decision:
    return can_work_in_group(user, programme.group)


def can_agree_programme(user: Actor, programme: WorkProgramme) -> Decision:
    return can_speak_for_group(user, programme.group)


def can_record_activity(user: Actor, activity: Activity) -> Decision:
    return can_work_in_group(user, activity.programme.group)


def _own_assessment(user: Actor, assessment: Assessment) -> Decision:
    """An assigned committee member's own assessment."""
    access = access_for(user)
    if access.everything or (
        assessment.person_id is not None and assessment.person_id == access.person_id
    ):
        return ALLOW
    return deny(_("Chỉ cấp ủy viên được phân công phụ trách mới được viết nhận xét này."))


def can_write_assessment(user: Actor, assessment: Assessment) -> Decision:
    """Draft the assessment: a member of its group, or the assigned member themself."""
    if assessment.group is not None:
        return can_work_in_group(user, assessment.group)
    return _own_assessment(user, assessment)


def can_submit_assessment(user: Actor, assessment: Assessment) -> Decision:
    """Send it to the standing committee: the group's leader or deputy, or the member."""
    if assessment.group is not None:
        return can_speak_for_group(user, assessment.group)
    return _own_assessment(user, assessment)


def can_acknowledge(user: Actor, unit: Unit) -> Decision:
    access = access_for(user)
    if access.everything or unit.pk in access.own_unit_ids:
        return ALLOW
    return deny(_("Chỉ lãnh đạo hoặc văn phòng của chính đơn vị mới xác nhận đã nhận báo cáo này."))


def can_acknowledge_assessment(user: Actor, assessment: Assessment) -> Decision:
    """The unit assessed acknowledges it: its own leaders or office."""
    return can_acknowledge(user, assessment.unit)


def can_write_group_report(user: Actor, report: GroupReport) -> Decision:
    return can_work_in_group(user, report.group)


def can_submit_group_report(user: Actor, report: GroupReport) -> Decision:
    return can_speak_for_group(user, report.group)


def can_run_committee_plan(user: Actor, committee: Unit) -> Decision:
    """Draft, adopt and run an implementation plan of `committee`: the office over it, or a
    standing post (grant) on the committee itself."""
    access = access_for(user)
    if access.manages(committee.path) or committee.pk in access.recipient_unit_ids:
        return ALLOW
    return deny(
        _("Chỉ văn phòng, Ban Thường vụ %(c)s mới được lập và theo dõi kế hoạch thực hiện.")
        % {"c": committee}
    )


def can_run_plan(user: Actor, plan: ImplementationPlan) -> Decision:
    return can_run_committee_plan(user, plan.committee)


def can_write_task(user: Actor, task: DirectiveTask) -> Decision:
    return can_run_plan(user, task.plan)


def can_report_task(user: Actor, task: DirectiveTask) -> Decision:
    """Report progress on a task: the lead body's leaders or office (or the committee's)."""
    access = access_for(user)
    if task.lead_unit.pk in access.own_unit_ids or access.manages(task.lead_unit.path):
        return ALLOW
    if can_run_plan(user, task.plan):
        return ALLOW
    return deny(
        _("Chỉ cơ quan chủ trì (%(u)s) mới báo cáo tiến độ nhiệm vụ này.") % {"u": task.lead_unit}
    )


def can_verify_task(user: Actor, task: DirectiveTask) -> Decision:
    """Verify a task reported done: the committee running the plan, not the reporter."""
    decision = can_run_plan(user, task.plan)
    if not decision:
        return decision
    if task.status == TaskStatus.DONE:
        done = (
            task.updates.filter(status=TaskStatus.DONE)
            .order_by("-reported_at", "-id")
            .values_list("reported_by_id", flat=True)
            .first()
        )
        if done is not None and done == actor_id(user):
            return deny(_("Người báo cáo hoàn thành không tự xác nhận nhiệm vụ đó."))
    return ALLOW


def can_write_implementation_report(user: Actor, report: ImplementationReport) -> Decision:
    return can_run_plan(user, report.plan)
