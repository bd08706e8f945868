"""The oversight page's lists, precompiled (core.precompiled, issue 17 part 15c), give what the
view's ORM querysets gave for every persona: the same rows in the same order, with the related
rows the page shows already read."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, visible_groups
from kiemdiem.oversight import selectors, services
from kiemdiem.oversight.models import AssessmentStatus
from kiemdiem.oversight.tests.helpers import fresh
from kiemdiem.reports.models import ReportPeriod

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def users(oversight, office, admin, outsider, unit_head):
    """Every kind of reader of the page: group leader and member, the member assigned in
    person, the unit overseen, the office, an administrator, an outsider, a commune head."""
    return [
        oversight.leader_user,
        oversight.member_user,
        oversight.assigned_user,
        oversight.unit_user,
        office,
        admin,
        outsider,
        unit_head,
    ]


@pytest.fixture
def sent(oversight, open_cycle, org_tree, travel_to):
    """The group's assessment of commune A1 and the assigned member's of commune A2, both sent
    (waiting for the units to acknowledge)."""
    travel_to(D(2026, 7, 5))
    period = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))
    group = services.assessment_create(
        group=oversight.group, unit=org_tree.district_a1, period=period, by=oversight.member_user
    )
    services.assessment_update(assessment=group, by=oversight.member_user, remarks="Khắc phục tốt")
    services.assessment_submit(assessment=group, by=oversight.leader_user)
    own = services.assessment_create(
        person=oversight.assigned,
        unit=org_tree.district_a2,
        period=period,
        by=oversight.assigned_user,
    )
    services.assessment_update(assessment=own, by=oversight.assigned_user, remarks="Còn chậm")
    services.assessment_submit(assessment=own, by=oversight.assigned_user)
    return [group, own]


def _orm_to_acknowledge(user) -> list:
    """The view's queryset before part 15c."""
    access = access_for(user)
    return list(
        selectors.assessments_visible_to(user)
        .filter(status=AssessmentStatus.SUBMITTED, unit_id__in=sorted(access.own_unit_ids))
        .order_by("period__ends_on")
    )


def _line(a) -> tuple:
    """What the page shows of an assessment (oversight/index.html)."""
    return (a.pk, str(a), a.get_absolute_url(), a.author_label, a.submitted_on)


def test_to_acknowledge_precompiled_agrees_with_the_orm(users, sent):
    seen = 0
    for user in users:
        user = fresh(user)
        access = access_for(user)
        assert selectors._TO_ACKNOWLEDGE.compiled(access)
        rows = selectors.to_acknowledge(access)
        with CaptureQueriesContext(connection) as queries:  # the page's fields came with them
            lines = [_line(a) for a in rows]
        assert not queries
        assert lines == [_line(a) for a in _orm_to_acknowledge(user)], user.username
        seen += len(rows)
    assert seen  # the comparison saw assessments waiting


def test_member_assignments_precompiled_agree_with_the_orm(oversight, org_tree):
    seen = 0
    for paths in [
        (org_tree.province_a.path,),
        (org_tree.province_a.path, org_tree.province_b.path),
        tuple(Unit.objects.filter(depth__lte=1).order_by("path").values_list("path", flat=True)),
        (org_tree.province_b.path,),
    ]:
        committees = list(Unit.objects.filter(path__in=paths).order_by("path"))
        assert selectors._MEMBER_ASSIGNMENTS.compiled(paths)
        rows = selectors.member_assignments(committees)
        with CaptureQueriesContext(connection) as queries:
            lines = [(a.pk, a.person.full_name, a.unit.name, a.committee.name) for a in rows]
        assert not queries
        orm = (
            selectors.assignments_under(paths)
            .filter(person__isnull=False)
            .select_related("person", "unit", "committee")
            .order_by("-valid_to", "unit__path")[:200]
        )
        assert lines == [(a.pk, a.person.full_name, a.unit.name, a.committee.name) for a in orm]
        seen += len(rows)
    assert seen == 3  # province A's member assignment, whenever province A is among the paths


def test_group_list_precompiled_agrees_with_the_orm(users):
    """The groups the oversight page lists, with their committee and members counted, are
    those `visible_groups` gives each reader (an outsider none, the office and admin all)."""
    seen = set()
    for user in users:
        user = fresh(user)
        access = access_for(user)
        assert selectors._GROUP_LIST.compiled(access)
        rows = selectors.group_list(access)
        with CaptureQueriesContext(connection) as queries:
            lines = [(g.pk, g.name, g.committee.name, g.member_count) for g in rows]
        assert not queries
        orm = (
            visible_groups(user)
            .select_related("committee")
            .order_by("committee__path", "name", "pk")
        )
        members = {g.pk: g.members.filter(valid_to__isnull=True).count() for g in orm}
        assert lines == [(g.pk, g.name, g.committee.name, members[g.pk]) for g in orm], (
            user.username
        )
        seen.update(line[0] for line in lines)
    assert seen


def test_committees_managed_precompiled_are_the_offices_committees(rf, users, org_tree):
    """The committees the oversight page lets a user manage: an office's own, every top
    committee for an administrator, none for the rest; one compiled read."""
    from kiemdiem.oversight.views import groups as views

    managing = 0
    for user in users:
        user = fresh(user)
        request = rf.get("/")
        request.user = user
        access = access_for(user)
        if access.everything:
            expected = list(Unit.objects.filter(depth__lte=1).order_by("path"))
        else:
            expected = list(Unit.objects.filter(path__in=access.office_paths).order_by("path"))
        assert views._committees_managed(request) == expected, user.username
        managing += bool(expected)
    assert managing >= 2  # the office and the administrator among them
    assert views._COMMITTEES.compiled(None) and views._COMMITTEES.compiled(("a.",))
