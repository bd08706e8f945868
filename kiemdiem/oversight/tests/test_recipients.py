"""A plan goes to the standing committee and the assigned group (both recorded); the group's
members appraise it; the unit hears of the decision; conference supervisors are the ones
assigned to the unit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import Notification
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import Appraisal, PlanRecipient, RemediationPlan
from kiemdiem.remediation.permissions import can_appraise_plan
from kiemdiem.remediation.selectors import plans_awaiting_appraisal_for
from kiemdiem.reviews import selectors as review_selectors
from kiemdiem.reviews import services as review_services

from .helpers import commune_plan, fresh

D = datetime.date


@pytest.fixture
def submitted(oversight, open_cycle, org_tree):
    plan = commune_plan(open_cycle, org_tree, oversight.unit_user)
    plan_services.plan_submit(plan=plan, by=oversight.unit_user)
    return RemediationPlan.objects.get(pk=plan.pk)


def test_the_plan_goes_to_the_standing_committee_and_the_assigned_group(
    submitted, oversight, org_tree
):
    recipients = {(r.kind, r.unit_id, r.working_group_id) for r in submitted.recipients.all()}
    assert recipients == {
        ("standing_committee", org_tree.province_a.pk, None),
        ("working_group", org_tree.province_a.pk, oversight.group.pk),
    }
    # The group's members were told a plan waits for them; not the submitter.
    told = set(
        Notification.objects.filter(kind="plan_submitted").values_list("user__username", flat=True)
    )
    assert told == {"totruong", "tovien"}


def test_a_group_member_appraises_and_the_unit_hears_of_it(submitted, oversight, outsider):
    member = fresh(oversight.member_user)
    assert can_appraise_plan(member, submitted)
    assert plans_awaiting_appraisal_for(member, RemediationPlan.objects.all()).filter(
        pk=submitted.pk
    )
    # A standing member of the province acts for the standing-committee recipient too.
    assert can_appraise_plan(fresh(oversight.assigned_user), submitted)
    with pytest.raises(PermissionDenied):
        plan_services.plan_return(
            plan=submitted, grounds=["not_feasible"], remarks="", by=fresh(outsider)
        )
    appraisal = plan_services.plan_return(
        plan=submitted,
        grounds=["no_deadline"],
        remarks="Chưa có mốc cụ thể từng quý",
        by=member,
    )
    assert appraisal.recipient_kind == "working_group"
    assert appraisal.working_group_id == oversight.group.pk
    note = Notification.objects.get(user=oversight.unit_user, kind="plan_returned")
    assert "Chưa có mốc cụ thể từng quý" in note.text
    assert note.url == submitted.get_absolute_url()

    plan = RemediationPlan.objects.get(pk=submitted.pk)
    plan_services.plan_submit(plan=plan, by=oversight.unit_user)
    # Submitting again adds no second recipient row.
    assert PlanRecipient.objects.filter(plan=plan).count() == 2
    accepted = plan_services.plan_accept(
        plan=RemediationPlan.objects.get(pk=plan.pk), by=fresh(oversight.member_user)
    )
    assert accepted.working_group_id == oversight.group.pk
    assert Notification.objects.filter(user=oversight.unit_user, kind="plan_accepted").exists()
    assert Appraisal.objects.filter(working_group=oversight.group).count() == 2


def test_a_member_of_another_group_or_a_former_member_does_not_appraise(
    submitted, oversight, office, org_tree, travel_to
):
    from kiemdiem.org import groups
    from kiemdiem.org.models import WorkingGroupMember

    travel_to(D(2026, 2, 20))
    seat = WorkingGroupMember.objects.get(group=oversight.group, person=oversight.member)
    groups.member_end(seat=seat, valid_to=D(2026, 2, 19), by=office)
    decision = can_appraise_plan(fresh(oversight.member_user), submitted)
    assert not decision and "Tổ công tác số 1" in decision.reason


def test_a_committee_member_assigned_to_the_unit_acts_for_the_committee(
    oversight, open_cycle, org_tree, office, submitted
):
    """A committee member (not on the standing committee) assigned to commune A2 appraises
    A2's plan on the province's behalf, and not A1's; the SQL queue agrees."""
    from conftest import START, _person_with_login
    from kiemdiem.org import groups
    from kiemdiem.org import services as org_services

    user, person = _person_with_login("capuy", "Đinh Văn Cấp")
    org_services.position_add(
        person=person,
        unit=org_tree.province_a,
        role="committee_member",
        valid_from=START,
        by=office,
    )
    groups.assignment_add(
        committee=org_tree.province_a,
        person=person,
        unit=org_tree.district_a2,
        valid_from=D(2026, 1, 1),
        decision_number="9-CV/TU",
        decision_date=D(2026, 1, 1),
        by=office,
    )
    a2 = commune_plan_of(open_cycle, org_tree.district_a2, oversight)
    plan_services.plan_submit(plan=a2, by=office)
    a2 = RemediationPlan.objects.get(pk=a2.pk)
    user = fresh(user)
    assert can_appraise_plan(user, a2)
    assert not can_appraise_plan(user, submitted)
    queue = plans_awaiting_appraisal_for(user, RemediationPlan.objects.all())
    assert set(queue.values_list("pk", flat=True)) == {a2.pk}


def commune_plan_of(cycle, unit, oversight):
    from conftest import conclude_review

    plan = RemediationPlan.objects.get(cycle=cycle, unit=unit, person__isnull=True)
    conclude_review(plan.review, oversight.leader_user)
    plan_services.action_add(
        plan=plan,
        by=oversight.leader_user,
        content="Đôn đốc cơ sở",
        responsible_unit=unit,
        due_date=D(2026, 6, 30),
    )
    return RemediationPlan.objects.get(pk=plan.pk)


def test_conference_supervisors_are_those_assigned(oversight, open_cycle, org_tree, unit_head):
    posts = review_selectors.supervisor_posts(org_tree.district_a1)
    assert set(posts) == {oversight.leader.pk, oversight.member.pk}
    assert "Tổ trưởng Tổ công tác số 1" in posts[oversight.leader.pk]
    # A unit nobody oversees offers the leaders above it, as before.
    assert set(review_selectors.supervisor_posts(org_tree.district_b1)) == set()
    secretary = unit_head.person
    with pytest.raises(DomainError, match="Không phải tổ công tác, cấp ủy viên được phân công"):
        review_services.meeting_record(
            cycle=open_cycle,
            unit=org_tree.district_a1,
            held_on=D(2026, 1, 10),
            chair=oversight.unit_secretary,
            supervisor_people=[secretary],
            by=oversight.unit_user,
        )
    meeting = review_services.meeting_record(
        cycle=open_cycle,
        unit=org_tree.district_a1,
        held_on=D(2026, 1, 10),
        chair=oversight.unit_secretary,
        supervisor_people=[oversight.leader],
        by=oversight.unit_user,
    )
    assert list(meeting.supervisor_people.all()) == [oversight.leader]
