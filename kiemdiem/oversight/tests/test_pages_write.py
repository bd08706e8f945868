"""Writing through the oversight pages as people post them: forms that create carry no version
(main made the version of an edited object required), a post that edits or moves an object
without its version is refused with a message, and each bad input the issue lists is a
Vietnamese message on the page with nothing changed (no row, no audit)."""

import datetime

import pytest
from django.urls import reverse

from kiemdiem.core.models import AuditEvent
from kiemdiem.org.models import OversightAssignment, WorkingGroup, WorkingGroupMember
from kiemdiem.oversight import services
from kiemdiem.oversight.models import (
    Activity,
    Assessment,
    DirectiveTask,
    DraftComment,
    Followup,
    WorkProgramme,
)
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reports.models import ReportPeriod

from .helpers import commune_plan, fresh

D = datetime.date
NO_VERSION = "thiếu phiên bản"


@pytest.fixture
def directive(oversight, org_tree, office, travel_to):
    travel_to(D(2026, 7, 5))
    return services.implementation_create(
        committee=org_tree.province_a,
        title="Kế hoạch thực hiện Chỉ thị 15",
        directive="Chỉ thị số 15-CT/TW",
        draft_text="Dự thảo lần 1",
        by=office,
    )


def _audits_after_login(client, user) -> int:
    client.force_login(user)  # a login writes its own audit row
    return AuditEvent.objects.count()


def test_management_forms_load_on_demand(client, oversight, org_tree, office):
    """The oversight page links to its two management forms instead of building them (issue
    17); each opens in the card (htmx: the form alone, its first field focused) or as a page
    of its own, and only for a committee's office."""
    client.force_login(office)
    index = client.get(reverse("oversight:index")).content.decode()
    assert 'data-testid="group-create-open"' in index and 'name="decision_number"' not in index
    for name, testid, field in (
        ("oversight:group-create", "group-create", 'name="name"'),
        ("oversight:member-assign", "member-assign", 'name="person"'),
    ):
        part = client.get(reverse(name), headers={"HX-Request": "true"}).content.decode()
        assert f'data-testid="{testid}"' in part and field in part
        assert "<html" not in part and "autofocus" in part
        page = client.get(reverse(name))
        assert page.status_code == 200 and "<html" in page.content.decode()
        assert f'data-testid="{testid}"' in page.content.decode()
    client.force_login(oversight.unit_user)
    assert client.get(reverse("oversight:group-create")).status_code == 404
    assert client.get(reverse("oversight:member-assign")).status_code == 404


def test_creation_forms_post_without_a_version(
    client, oversight, open_cycle, org_tree, office, directive
):
    client.force_login(office)
    response = client.post(
        reverse("oversight:group-create"),
        {
            "committee": org_tree.province_a.pk,
            "name": "Tổ công tác số 2",
            "decision_number": "470-QĐ/TU",
            "decision_date": "01/07/2026",
            "valid_from": "01/07/2026",
        },
    )
    group = WorkingGroup.objects.get(name="Tổ công tác số 2")
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    response = client.post(
        reverse("oversight:group-assign", args=[group.pk]),
        {
            "unit": org_tree.grassroots_a1.pk,
            "valid_from": "02/07/2026",
            "decision_number": "471-CV/TU",
            "decision_date": "02/07/2026",
        },
    )
    assert response.status_code == 302
    assert OversightAssignment.objects.filter(working_group=group).count() == 1
    response = client.post(
        reverse("oversight:member-assign"),
        {
            "committee": org_tree.province_a.pk,
            "person": oversight.leader.pk,
            "unit": org_tree.district_a2.pk,
            "valid_from": "02/07/2026",
            "decision_number": "472-CV/TU",
            "decision_date": "02/07/2026",
        },
    )
    assert response.status_code == 302
    assert OversightAssignment.objects.filter(person=oversight.leader).count() == 1
    response = client.post(
        reverse("oversight:comment-add", args=[directive.pk]),
        {"author": "Ban Tuyên giáo", "received_on": "03/07/2026", "text": "Bổ sung thời hạn"},
    )
    assert response.status_code == 302 and directive.comments.count() == 1
    response = client.post(
        reverse("oversight:task-add", args=[directive.pk]),
        {"content": "Quán triệt", "lead_unit": oversight.board.pk, "due_date": "31/12/2026"},
    )
    assert response.status_code == 302 and directive.tasks.count() == 1

    client.force_login(oversight.member_user)
    response = client.post(
        reverse("oversight:programme-create", args=[oversight.group.pk]),
        {
            "title": "Chương trình đến hết nhiệm kỳ",
            "starts_on": "01/07/2026",
            "ends_on": "31/12/2030",
        },
    )
    programme = WorkProgramme.objects.get(group=oversight.group)
    assert response.status_code == 302 and response["Location"] == programme.get_absolute_url()


def test_a_followup_posts_without_a_version(client, oversight, open_cycle, org_tree, travel_to):
    plan = commune_plan(open_cycle, org_tree, oversight.unit_user)
    plan_services.plan_submit(plan=plan, by=oversight.unit_user)
    plan_services.plan_accept(
        plan=RemediationPlan.objects.get(pk=plan.pk), by=fresh(oversight.member_user)
    )
    programme = services.programme_create(
        group=oversight.group,
        title="Chương trình",
        starts_on=D(2026, 1, 1),
        ends_on=D(2030, 12, 31),
        by=oversight.member_user,
    )
    activity = services.activity_plan(
        programme=programme,
        unit=org_tree.district_a1,
        kind="inspection",
        planned_on=D(2026, 4, 10),
        by=oversight.member_user,
    )
    travel_to(D(2026, 4, 12))
    services.activity_record(
        activity=activity, held_on=D(2026, 4, 10), remarks="Còn chậm", by=oversight.member_user
    )
    client.force_login(oversight.member_user)
    response = client.post(
        reverse("oversight:followup-add", args=[activity.pk]),
        {
            "plan": plan.pk,
            "content": "Kiểm tra việc thu, nộp đảng phí",
            "due_date": "30/09/2026",
            "finding_area": "other",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    followup = Followup.objects.get(activity=activity)
    assert followup.action.plan_id == plan.pk
    assert PlanAction.objects.filter(plan=plan).count() == 2


@pytest.fixture
def drafts(oversight, open_cycle, org_tree, office, directive):
    """A draft assessment, a draft activity report of the group and a draft implementation
    report, plus a programme and a comment (today 05/07/2026)."""
    period = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))
    assessment = services.assessment_create(
        group=oversight.group, unit=org_tree.district_a1, period=period, by=oversight.member_user
    )
    group_report = services.group_report_create(
        group=oversight.group, year=2026, kind="half_year", by=oversight.member_user
    )
    programme = services.programme_create(
        group=oversight.group,
        title="Chương trình",
        starts_on=D(2026, 1, 1),
        ends_on=D(2030, 12, 31),
        by=oversight.member_user,
    )
    comment = services.comment_add(
        plan=directive, author="Ban Dân vận", text="Góp ý", received_on=D(2026, 7, 1), by=office
    )
    return {
        "assessment": assessment,
        "group_report": group_report,
        "programme": programme,
        "comment": comment,
        "office": office,
    }


def test_posts_without_their_version_are_refused_and_change_nothing(client, oversight, drafts):
    a, r, p, c = (drafts[k] for k in ("assessment", "group_report", "programme", "comment"))
    audits = _audits_after_login(client, oversight.leader_user)
    for url, data in [
        (reverse("oversight:assessment-submit", args=[a.pk]), {}),
        (reverse("oversight:assessment-edit", args=[a.pk]), {"remarks": "Ghi đè"}),
        (reverse("oversight:group-report-submit", args=[r.pk]), {}),
        (
            reverse("oversight:programme-edit", args=[p.pk]),
            {"title": "Ghi đè", "starts_on": "01/01/2026", "ends_on": "31/12/2030"},
        ),
    ]:
        response = client.post(url, data, follow=True)
        assert NO_VERSION in response.content.decode(), url
    assert AuditEvent.objects.count() == audits
    audits = _audits_after_login(client, drafts["office"])
    response = client.post(
        reverse("oversight:comment-decide", args=[c.pk]), {"decision": "accepted"}, follow=True
    )
    assert NO_VERSION in response.content.decode()
    a.refresh_from_db(), r.refresh_from_db(), p.refresh_from_db(), c.refresh_from_db()
    assert (a.status, a.remarks, r.status, p.title, c.decision) == (
        "draft",
        "",
        "draft",
        "Chương trình",
        "pending",
    )
    assert AuditEvent.objects.count() == audits


def test_the_bad_inputs_of_the_issue_are_messages_on_the_page(
    client, oversight, open_cycle, org_tree, office, directive
):
    """An assessment of a unit the group is not assigned to, an activity outside the programme,
    a member twice for overlapping periods, a task with no lead body or no deadline, a comment
    on an adopted draft: each a Vietnamese message, nothing saved, nothing audited."""
    group = oversight.group
    programme = services.programme_create(
        group=group,
        title="Chương trình",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        by=oversight.member_user,
    )
    period = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))

    def counts():
        return (
            Assessment.objects.count(),
            Activity.objects.count(),
            WorkingGroupMember.objects.count(),
            DirectiveTask.objects.count(),
            DraftComment.objects.count(),
            AuditEvent.objects.count(),
        )

    def refused(url, data, message):
        response = client.post(url, data)
        assert response.status_code == 200, url
        assert message in response.content.decode(), (url, message)

    before = _audits_after_login(client, oversight.member_user)
    before = counts()
    refused(
        reverse("oversight:assessment-create", args=[group.pk]),
        {"unit": org_tree.district_a2.pk, "period": period.pk},
        "không được phân công theo dõi",
    )
    refused(
        reverse("oversight:activity-add", args=[programme.pk]),
        {"unit": org_tree.district_a1.pk, "kind": "urging", "planned_on": "05/01/2027"},
        "nằm ngoài thời gian của chương trình",
    )
    assert counts() == before

    client.force_login(office)
    before = counts()
    refused(
        reverse("oversight:member-add", args=[group.pk]),
        {"person": oversight.member.pk, "role": "member", "valid_from": "01/03/2026"},
        "đã là thành viên của tổ trong thời gian",
    )
    url = reverse("oversight:task-add", args=[directive.pk])
    refused(url, {"content": "Quán triệt", "due_date": "31/12/2026"}, "Phải nêu cơ quan chủ trì")
    refused(url, {"content": "Quán triệt", "lead_unit": oversight.board.pk}, "Phải có thời hạn")
    assert counts() == before

    services.task_add(
        plan=directive,
        content="Quán triệt",
        lead_unit=oversight.board,
        due_date=D(2026, 12, 31),
        by=office,
    )
    services.implementation_adopt(
        plan=directive, number="16-KH/TU", issued_on=D(2026, 7, 5), by=office
    )
    before = counts()
    refused(
        reverse("oversight:comment-add", args=[directive.pk]),
        {"author": "Đại biểu", "received_on": "05/07/2026", "text": "Góp ý muộn"},
        "đã ban hành",
    )
    assert counts() == before


def test_a_revised_draft_and_a_conference_through_the_page(client, office, directive):
    client.force_login(office)
    response = client.post(
        reverse("oversight:draft-revise", args=[directive.pk]),
        {"text": "Dự thảo lần 2", "note": "Tiếp thu ý kiến Ban Tuyên giáo"},
    )
    assert response.status_code == 302 and directive.drafts.count() == 2
    response = client.post(
        reverse("oversight:conference-add", args=[directive.pk]),
        {
            "level": "province",
            "title": "Hội nghị cán bộ chủ chốt toàn tỉnh",
            "held_on": "04/07/2026",
            "days": 1,
            "attendance": 350,
        },
    )
    assert response.status_code == 302
    page = client.get(directive.get_absolute_url()).content.decode()
    assert "Dự thảo lần 2" in page and "Hội nghị cán bộ chủ chốt toàn tỉnh" in page
    assert "<td>350</td>" in page


def test_ending_a_seat_and_reassigning_a_unit_keep_the_history(
    client, oversight, org_tree, office, travel_to
):
    from kiemdiem.org import groups

    travel_to(D(2026, 3, 1))
    second = groups.group_create(
        committee=org_tree.province_a,
        name="Tổ công tác số 2",
        decision_number="470-QĐ/TU",
        decision_date=D(2026, 2, 1),
        valid_from=D(2026, 2, 1),
        by=office,
    )
    seat = oversight.group.members.get(person=oversight.member)
    assignment = oversight.assignment
    client.force_login(office)
    end = reverse("oversight:member-end", args=[seat.pk])
    assert NO_VERSION in client.post(end, {"valid_to": "28/02/2026"}, follow=True).content.decode()
    client.post(
        end, {"valid_to": "28/02/2026", "reason": "Chuyển công tác", "version": seat.version}
    )
    seat.refresh_from_db()
    assert seat.valid_to == D(2026, 2, 28)
    response = client.post(
        reverse("oversight:assignment-reassign", args=[assignment.pk]),
        {
            "version": assignment.version,
            "group": second.pk,
            "starts_on": "01/03/2026",
            "decision_number": "480-CV/TU",
            "decision_date": "01/03/2026",
        },
    )
    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()
    history = OversightAssignment.objects.filter(unit=org_tree.district_a1).order_by("valid_from")
    assert [(a.working_group_id, a.valid_from, a.valid_to) for a in history] == [
        (oversight.group.pk, assignment.valid_from, D(2026, 2, 28)),
        (second.pk, D(2026, 3, 1), None),
    ]
    # The old group's page still lists the unit, ended.
    page = client.get(oversight.group.get_absolute_url()).content.decode()
    assert "Đảng bộ xã Quảng Phú" in page and "28/02/2026" in page


def test_a_missing_end_day_names_its_field(client, oversight, office):
    seat = oversight.group.members.get(person=oversight.member)
    client.force_login(office)
    response = client.post(
        reverse("oversight:member-end", args=[seat.pk]), {"version": seat.version}, follow=True
    )
    assert "Ngày kết thúc: Trường này là bắt buộc." in response.content.decode()
    seat.refresh_from_db()
    assert seat.valid_to is None
