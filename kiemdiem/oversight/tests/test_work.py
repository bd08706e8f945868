"""A group's programme, activities and follow-ups; assessments sent and acknowledged; the
group's own reports; the bad input the issue lists, refused with nothing changed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent, Notification
from kiemdiem.oversight import services
from kiemdiem.oversight.models import Activity, Assessment
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reports.models import ReportPeriod

from .helpers import commune_plan, fresh

D = datetime.date


@pytest.fixture
def programme(oversight, open_cycle):
    return services.programme_create(
        group=oversight.group,
        title="Chương trình làm việc đến hết nhiệm kỳ",
        starts_on=D(2026, 1, 1),
        ends_on=D(2030, 12, 31),
        by=oversight.member_user,
    )


def test_activities_inside_the_programme_at_the_groups_units(programme, oversight, org_tree):
    before = Activity.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError, match="nằm ngoài thời gian của chương trình"):
        services.activity_plan(
            programme=programme,
            unit=org_tree.district_a1,
            kind="inspection",
            planned_on=D(2031, 1, 5),
            by=oversight.member_user,
        )
    with pytest.raises(DomainError, match="không thuộc các đơn vị Tổ công tác số 1"):
        services.activity_plan(
            programme=programme,
            unit=org_tree.district_a2,
            kind="inspection",
            planned_on=D(2026, 3, 5),
            by=oversight.member_user,
        )
    with pytest.raises(PermissionDenied):
        services.activity_plan(
            programme=programme,
            unit=org_tree.district_a1,
            kind="inspection",
            planned_on=D(2026, 3, 5),
            by=oversight.unit_user,
        )
    assert (Activity.objects.count(), AuditEvent.objects.count()) == before
    # A cell of the assigned commune lies in its area.
    activity = services.activity_plan(
        programme=programme,
        unit=org_tree.cell_a1,
        kind="urging",
        planned_on=D(2026, 3, 5),
        by=oversight.member_user,
    )
    assert activity.status == "planned"


def test_agreeing_the_programme_is_for_the_leader(programme, oversight):
    with pytest.raises(PermissionDenied, match="Chỉ tổ trưởng, tổ phó"):
        services.programme_agree(
            programme=programme,
            agreed_on=D(2026, 1, 10),
            agreed_with="Bí thư Đảng ủy xã Quảng Phú",
            by=oversight.member_user,
        )
    services.programme_agree(
        programme=programme,
        agreed_on=D(2026, 1, 10),
        agreed_with="Bí thư Đảng ủy xã Quảng Phú",
        by=oversight.leader_user,
    )
    assert programme.status == "agreed"


def test_an_inspection_adds_tracked_items_and_a_new_finding(
    programme, oversight, open_cycle, org_tree, travel_to
):
    plan = commune_plan(open_cycle, org_tree, oversight.unit_user)
    activity = services.activity_plan(
        programme=programme,
        unit=org_tree.district_a1,
        kind="inspection",
        planned_on=D(2026, 4, 10),
        by=oversight.member_user,
    )
    travel_to(D(2026, 4, 12))
    services.activity_record(
        activity=activity,
        held_on=D(2026, 4, 10),
        remarks="Việc khắc phục còn chậm",
        by=oversight.member_user,
    )
    # The plan is still a draft: the unit writes the group's remarks into it itself.
    with pytest.raises(DomainError, match="chỉ bổ sung nội dung theo dõi vào kế hoạch đã"):
        services.followup_add(
            activity=activity,
            plan=plan,
            content="Rà soát lại",
            due_date=D(2026, 9, 30),
            responsible_unit=org_tree.district_a1,
            by=oversight.member_user,
        )
    plan_services.plan_submit(plan=plan, by=oversight.unit_user)
    plan_services.plan_accept(
        plan=RemediationPlan.objects.get(pk=plan.pk), by=fresh(oversight.member_user)
    )
    plan = RemediationPlan.objects.get(pk=plan.pk)
    followup = services.followup_add(
        activity=activity,
        plan=plan,
        content="Kiểm tra việc thu, nộp đảng phí",
        due_date=D(2026, 9, 30),
        responsible_unit=org_tree.district_a1,
        finding_text="Thu nộp đảng phí chưa đúng quy định",
        by=fresh(oversight.member_user),
    )
    item = followup.action
    assert item.plan_id == plan.pk and item.status == "open"
    (finding,) = item.findings.all()
    assert finding.source == "inspection" and finding.review_id == plan.review_id
    # Tracked like every item: the unit reports, the group verifies.
    assert PlanAction.objects.filter(plan=plan).count() == 2
    # The unit may not add items to its own accepted plan this way.
    with pytest.raises(PermissionDenied):
        services.followup_add(
            activity=activity,
            plan=plan,
            content="Tự thêm",
            due_date=D(2026, 9, 30),
            responsible_unit=org_tree.district_a1,
            by=oversight.unit_user,
        )


@pytest.fixture
def first_half(open_cycle):
    return ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))


def test_an_assessment_only_of_an_assigned_unit(oversight, org_tree, first_half, travel_to):
    travel_to(D(2026, 7, 2))
    before = Assessment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError, match="không được phân công theo dõi “Đảng bộ phường Hạc"):
        services.assessment_create(
            group=oversight.group,
            unit=org_tree.district_a2,
            period=first_half,
            by=oversight.member_user,
        )
    assert (Assessment.objects.count(), AuditEvent.objects.count()) == before


def test_assessment_sent_to_the_committee_and_acknowledged_by_the_unit(
    oversight, org_tree, first_half, travel_to, outsider
):
    travel_to(D(2026, 7, 5))
    assessment = services.assessment_create(
        group=oversight.group,
        unit=org_tree.district_a1,
        period=first_half,
        by=oversight.member_user,
    )
    assert assessment.figures_as_of == D(2026, 6, 30)
    assert "items_total" in assessment.figures
    services.assessment_update(
        assessment=assessment,
        remarks="Đơn vị khắc phục tích cực, còn chậm ở cơ sở.",
        by=oversight.member_user,
    )
    with pytest.raises(PermissionDenied, match="Chỉ tổ trưởng, tổ phó"):
        services.assessment_submit(assessment=assessment, by=oversight.member_user)
    services.assessment_submit(assessment=assessment, by=oversight.leader_user)
    assert assessment.status == "submitted" and not assessment.is_late
    note = Notification.objects.get(user=oversight.unit_user, kind="assessment_received")
    assert "6 tháng đầu năm 2026" in note.text
    with pytest.raises(PermissionDenied):
        services.assessment_acknowledge(assessment=assessment, by=oversight.member_user)
    services.assessment_acknowledge(
        assessment=assessment, response="Đơn vị tiếp thu", by=oversight.unit_user
    )
    assert assessment.status == "acknowledged"
    assert (
        Notification.objects.filter(
            user__in=[oversight.leader_user, oversight.member_user], kind="assessment_ack"
        ).count()
        == 2
    )
    with pytest.raises(DomainError, match="đã có báo cáo nhận xét"):
        services.assessment_create(
            group=oversight.group,
            unit=org_tree.district_a1,
            period=first_half,
            by=oversight.member_user,
        )


def test_an_assigned_member_assesses_their_own_unit(oversight, org_tree, first_half, travel_to):
    travel_to(D(2026, 7, 20))
    assessment = services.assessment_create(
        person=oversight.assigned,
        unit=org_tree.district_a2,
        period=first_half,
        by=oversight.assigned_user,
    )
    services.assessment_update(assessment=assessment, remarks="Tốt", by=oversight.assigned_user)
    services.assessment_submit(assessment=assessment, by=oversight.assigned_user)
    assert assessment.is_late  # due 15/07/2026, sent 20/07


def test_the_groups_own_activity_report(oversight, programme, office, travel_to):
    travel_to(D(2026, 7, 3))
    report = services.group_report_create(
        group=oversight.group, year=2026, kind="half_year", by=oversight.member_user
    )
    assert report.figures["units"] == 1 and report.due_on == D(2026, 7, 15)
    services.group_report_update(
        report=report, narrative="Tổ đã dự 1 hội nghị", by=oversight.member_user
    )
    services.group_report_submit(report=report, by=oversight.leader_user)
    assert report.status == "submitted"
    # The committee office receives it (the report goes through it).
    assert Notification.objects.filter(user=office, kind="group_report").exists()
