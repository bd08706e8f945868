"""Persona tests of every oversight page: the group's leader and member, the assigned committee
member, the unit overseen, an outsider (404); the actions each may take; XLSX exports; query
ceilings on the lists."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kiemdiem.core.models import Notification
from kiemdiem.oversight import services
from kiemdiem.reports.models import ReportPeriod

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERSONAS = ["leader", "member", "assigned", "unit", "outsider"]


@pytest.fixture
def world(oversight, open_cycle, org_tree, office, travel_to):
    """One object of each kind, as of 05/07/2026."""
    travel_to(D(2026, 7, 5))
    w = {"group": oversight.group}
    w["programme"] = services.programme_create(
        group=oversight.group,
        title="Chương trình đến hết nhiệm kỳ",
        starts_on=D(2026, 1, 1),
        ends_on=D(2030, 12, 31),
        by=oversight.member_user,
    )
    w["activity"] = services.activity_plan(
        programme=w["programme"],
        unit=org_tree.district_a1,
        kind="inspection",
        planned_on=D(2026, 7, 20),
        by=oversight.member_user,
    )
    period = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))
    w["assessment"] = services.assessment_create(
        group=oversight.group, unit=org_tree.district_a1, period=period, by=oversight.member_user
    )
    w["group_report"] = services.group_report_create(
        group=oversight.group, year=2026, kind="half_year", by=oversight.member_user
    )
    w["implementation"] = services.implementation_create(
        committee=org_tree.province_a,
        title="Kế hoạch thực hiện Chỉ thị 15",
        directive="Chỉ thị số 15-CT/TW ngày 24/02/2012",
        draft_text="Dự thảo",
        by=office,
    )
    w["task"] = services.task_add(
        plan=w["implementation"],
        content="Quán triệt",
        lead_unit=oversight.board,
        coordinating_units=[org_tree.district_a1],
        due_date=D(2026, 12, 31),
        by=office,
    )
    return w


def _user(name, oversight, outsider):
    return {
        "leader": oversight.leader_user,
        "member": oversight.member_user,
        "assigned": oversight.assigned_user,
        "unit": oversight.unit_user,
        "outsider": outsider,
    }[name]


# object → personas who see it (everyone else gets 404)
SEES = {
    "group": {"leader", "member", "assigned", "unit"},
    "programme": {"leader", "member", "assigned", "unit"},
    "activity": {"leader", "member", "assigned", "unit"},
    "assessment": {"leader", "member", "assigned"},  # a draft: the unit reads it once sent
    "group_report": {"leader", "member", "assigned"},
    "implementation": {"leader", "member", "assigned", "unit"},
    "task": {"leader", "member", "assigned", "unit"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_what(client, world, oversight, outsider, persona):
    client.force_login(_user(persona, oversight, outsider))
    for name, obj in world.items():
        status = client.get(obj.get_absolute_url()).status_code
        assert status == (200 if persona in SEES[name] else 404), (name, persona, status)
    for url in ("oversight:index", "oversight:implementation-list", "notifications"):
        assert client.get(reverse(url)).status_code == 200


def test_outsider_cannot_post_to_anything(client, world, oversight, outsider):
    client.force_login(outsider)
    posts = [
        reverse("oversight:member-add", args=[world["group"].pk]),
        reverse("oversight:activity-record", args=[world["activity"].pk]),
        reverse("oversight:assessment-submit", args=[world["assessment"].pk]),
        reverse("oversight:assessment-acknowledge", args=[world["assessment"].pk]),
        reverse("oversight:comment-add", args=[world["implementation"].pk]),
        reverse("oversight:task-progress", args=[world["task"].pk]),
    ]
    for url in posts:
        assert client.post(url, {"version": 1}).status_code == 404, url


def test_the_assessment_story_through_the_pages(client, world, oversight):
    assessment = world["assessment"]
    client.force_login(oversight.member_user)
    page = client.get(assessment.get_absolute_url())
    assert "Lưu nhận xét" in page.content.decode()
    client.post(
        reverse("oversight:assessment-edit", args=[assessment.pk]),
        {"version": assessment.version, "remarks": "Đơn vị khắc phục tốt", "recommendations": ""},
    )
    # The member is not the leader: the send button is disabled with the reason.
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Chỉ tổ trưởng, tổ phó Tổ công tác số 1" in page
    assessment.refresh_from_db()
    response = client.post(
        reverse("oversight:assessment-submit", args=[assessment.pk]),
        {"version": assessment.version},
    )
    assert response.status_code == 403
    client.force_login(oversight.leader_user)
    client.post(
        reverse("oversight:assessment-submit", args=[assessment.pk]),
        {"version": assessment.version},
    )
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    client.force_login(oversight.unit_user)
    home = client.get(reverse("oversight:index")).content.decode()
    assert "chờ xác nhận đã nhận" in home
    bell = client.get(reverse("notifications")).content.decode()
    assert "gửi báo cáo nhận xét" in bell
    client.post(
        reverse("oversight:assessment-acknowledge", args=[assessment.pk]),
        {"version": assessment.version, "response": "Đã nhận"},
    )
    assessment.refresh_from_db()
    assert assessment.status == "acknowledged"


def test_bad_input_on_a_page_is_a_message_and_nothing_changes(client, world, oversight):
    client.force_login(oversight.member_user)
    programme = world["programme"]
    before = programme.activities.count()
    page = client.post(
        reverse("oversight:activity-add", args=[programme.pk]),
        {"unit": world["activity"].unit_id, "kind": "urging", "planned_on": "01/01/2031"},
    )
    assert page.status_code == 200
    assert "nằm ngoài thời gian của chương trình" in page.content.decode()
    assert programme.activities.count() == before


def test_the_bell_counts_and_opening_marks_read(client, oversight, world):
    Notification.objects.create(
        user=oversight.unit_user, kind="task_assigned", key="k1", text="Việc mới", url="/giam-sat/"
    )
    client.force_login(oversight.unit_user)
    page = client.get(reverse("oversight:index")).content.decode()
    assert 'data-testid="bell"' in page and "1 chưa đọc" in page
    note = Notification.objects.get(key="k1")
    response = client.get(reverse("notification-open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/giam-sat/"
    note.refresh_from_db()
    assert note.read_at is not None
    client.post(reverse("notification-settings"), {})
    assert not Notification.objects.filter(user=oversight.unit_user, mail_state="pending").exists()


def test_list_pages_offer_their_export(client, world, oversight, office):
    """Each oversight list page has its Excel button (the exports registry builds the sheet;
    exports/tests/test_lists.py exports each one)."""
    client.force_login(office)
    for url, kind in [
        (reverse("oversight:index"), "oversight.groups"),
        (world["group"].get_absolute_url(), "oversight.group-assignments"),
        (world["group"].get_absolute_url(), "oversight.group-assessments"),
        (world["group"].get_absolute_url(), "oversight.group-members"),
        (world["programme"].get_absolute_url(), "oversight.programme-activities"),
        (reverse("oversight:late-list"), "oversight.late"),
        (reverse("oversight:implementation-list"), "oversight.implementation-plans"),
        (world["implementation"].get_absolute_url(), "oversight.plan-comments"),
        (world["implementation"].get_absolute_url(), "oversight.plan-tasks"),
        (world["implementation"].get_absolute_url(), "oversight.plan-conferences"),
    ]:
        page = client.get(url).content.decode()
        assert f'name="kind" value="{kind}"' in page, (url, kind)


def test_group_page_query_ceiling(client, world, oversight, django_assert_max_num_queries):
    client.force_login(oversight.leader_user)
    with django_assert_max_num_queries(60):
        assert client.get(world["group"].get_absolute_url()).status_code == 200


def test_task_progress_page_with_evidence(client, world, oversight, office):
    services.implementation_adopt(
        plan=world["implementation"], number="20-KH/TU", issued_on=D(2026, 7, 5), by=office
    )
    task = world["task"]
    client.force_login(oversight.member_user)
    response = client.post(
        reverse("oversight:task-progress", args=[task.pk]),
        {
            "version": task.version,
            "status": "done",
            "percent": 100,
            "narrative": "Đã tổ chức quán triệt",
            "files": SimpleUploadedFile("bb.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.usefixtures("built_pages")
def test_list_pages_query_ceilings(
    client, world, oversight, open_cycle, org_tree, office, django_assert_max_num_queries
):
    """The oversight lists with a dozen groups and plans: the queries do not grow per row."""
    from conftest import GROUP_SET_UP
    from kiemdiem.org import groups

    for n in range(12):
        group = groups.group_create(
            committee=org_tree.province_a,
            name=f"Tổ công tác số {n + 2}",
            decision_number=f"{n + 500}-QĐ/TU",
            decision_date=GROUP_SET_UP,
            valid_from=GROUP_SET_UP,
            by=office,
        )
        groups.member_add(group=group, person=oversight.member, valid_from=GROUP_SET_UP, by=office)
        services.implementation_create(
            committee=org_tree.province_a,
            title=f"Kế hoạch {n}",
            directive="Chỉ thị 05-CT/TW",
            draft_text="Dự thảo",
            by=office,
        )
    client.force_login(office)
    # the oversight page without its two management forms (loaded on demand, issue 17)
    # and no assignments read for the office, which has no linked person
    with django_assert_max_num_queries(7):
        assert client.get(reverse("oversight:index")).status_code == 200
    for url in [
        reverse("oversight:late-list"),
        reverse("oversight:implementation-list"),
        reverse("notifications"),
        reverse("dashboard:oversight", args=[open_cycle.pk, org_tree.province_a.pk]),
    ]:
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200, url
