"""Shared steps of the oversight tests: commune A1's plan, prepared and submitted by its
secretary (the unit the working group oversees)."""

import datetime

from conftest import conclude_review
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services

D = datetime.date


def commune_plan(cycle, org_tree, by) -> RemediationPlan:
    """Commune A1's collective plan: one shortcoming, one complete item, review concluded."""
    plan = RemediationPlan.objects.get(cycle=cycle, unit=org_tree.district_a1, person__isnull=True)
    finding = review_services.finding_add(
        review=plan.review, by=by, text="Chưa sâu sát cơ sở", area="leadership"
    )
    conclude_review(plan.review, by)
    plan_services.action_add(
        plan=plan,
        by=by,
        content="Ban Thường vụ phân công xuống cơ sở hằng tháng",
        findings=[finding],
        responsible_unit=org_tree.district_a1,
        due_date=D(2026, 6, 30),
    )
    return RemediationPlan.objects.get(pk=plan.pk)


def fresh(user):
    """The user as a new request sees it (Access is cached on the user object)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


def oversight_objects(oversight, open_cycle, org_tree, office) -> dict:
    """One object of each oversight resource, in province A (the office's scope)."""
    from kiemdiem.oversight import services as o

    programme = o.programme_create(
        group=oversight.group,
        title="Chương trình",
        starts_on=open_cycle.starts_on,
        ends_on=open_cycle.horizon_end,
        by=oversight.member_user,
    )
    activity = o.activity_plan(
        programme=programme,
        unit=org_tree.district_a1,
        kind="inspection",
        planned_on=open_cycle.starts_on,
        by=oversight.member_user,
    )
    from kiemdiem.core.models import Notification
    from kiemdiem.reports.models import ReportPeriod

    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    assessment = o.assessment_create(
        group=oversight.group, unit=org_tree.district_a1, period=period, by=oversight.member_user
    )
    report = o.group_report_create(
        group=oversight.group, year=2026, kind="half_year", by=oversight.member_user
    )
    plan = o.implementation_create(
        committee=org_tree.province_a,
        title="Kế hoạch thực hiện",
        directive="Nghị quyết 12-NQ/TW",
        draft_text="Dự thảo",
        by=office,
    )
    comment = o.comment_add(
        plan=plan, author="Ban Tổ chức", text="Góp ý", received_on=open_cycle.starts_on, by=office
    )
    task = o.task_add(
        plan=plan,
        content="Quán triệt",
        lead_unit=oversight.board,
        due_date=open_cycle.horizon_end,
        by=office,
    )
    adopted = o.implementation_create(
        committee=org_tree.province_a,
        title="Đã ban hành",
        directive="CT 15",
        draft_text="x",
        by=office,
    )
    o.task_add(
        plan=adopted,
        content="NV",
        lead_unit=oversight.board,
        due_date=open_cycle.horizon_end,
        by=office,
    )
    o.implementation_adopt(
        plan=adopted, number="1-KH/TU", issued_on=open_cycle.starts_on, by=office
    )
    plan_report = o.implementation_report_create(plan=adopted, year=2026, kind="year", by=office)
    note = Notification.objects.create(
        user=office, kind="task_assigned", key="api-test", text="Nhiệm vụ mới"
    )
    return {
        "notifications": note,
        "working-groups": oversight.group,
        "group-members": oversight.group.members.first(),
        "oversight-assignments": oversight.assignment,
        "work-programmes": programme,
        "oversight-activities": activity,
        "assessments": assessment,
        "group-reports": report,
        "implementation-plans": plan,
        "draft-comments": comment,
        "directive-tasks": task,
        "implementation-reports": plan_report,
    }
