"""Working groups, their members and assignments (org.groups), and the scope they give."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from conftest import GROUP_SET_UP
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.org import groups
from kiemdiem.org.models import OversightAssignment, WorkingGroupMember
from kiemdiem.org.scoping import access_for, visible_groups
from kiemdiem.reviews.models import Review
from kiemdiem.reviews.permissions import can_edit_review

from .helpers import fresh

D = datetime.date


def test_scope_comes_from_the_assignments(oversight, org_tree, open_cycle):
    member = access_for(fresh(oversight.member_user))
    assert member.group_ids == {oversight.group.pk}
    assert member.group_unit_ids == {org_tree.district_a1.pk}
    assert member.covers(org_tree.cell_a1.path)  # the area: the unit and what lies under it
    assert not member.covers(org_tree.district_a2.path)
    # Overseeing is reading, not writing the unit's own records.
    assert not member.leads(org_tree.district_a1.path)
    review = Review.objects.get(cycle=open_cycle, unit=org_tree.district_a1, person__isnull=True)
    assert not can_edit_review(fresh(oversight.member_user), review)
    assigned = access_for(fresh(oversight.assigned_user))
    assert assigned.assigned_pairs == {(org_tree.district_a2.pk, org_tree.province_a.pk)}
    assert assigned.covers(org_tree.district_a2.path)
    assert assigned.can_read_audit


def test_who_sees_a_group(oversight, org_tree, outsider, member, unit_head):
    for user in (oversight.leader_user, oversight.member_user, oversight.unit_user, unit_head):
        assert visible_groups(fresh(user)).filter(pk=oversight.group.pk).exists()
    for user in (outsider, member):
        assert not visible_groups(fresh(user)).filter(pk=oversight.group.pk).exists()


def test_a_member_twice_for_overlapping_periods_is_refused(oversight, office):
    before = WorkingGroupMember.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError, match="đã là thành viên của tổ trong thời gian từ 17/09/2025"):
        groups.member_add(
            group=oversight.group, person=oversight.member, valid_from=D(2026, 1, 1), by=office
        )
    assert (WorkingGroupMember.objects.count(), AuditEvent.objects.count()) == before


def test_one_leader_at_a_time_and_members_come_from_the_committee(oversight, office, org_tree):
    with pytest.raises(DomainError, match="Tổ đã có tổ trưởng là Lê Văn Trưởng"):
        groups.member_add(
            group=oversight.group,
            person=oversight.assigned,
            role="leader",
            valid_from=D(2026, 1, 1),
            by=office,
        )
    with pytest.raises(DomainError, match="không giữ chức vụ nào ở Đảng bộ tỉnh Thanh Hóa"):
        groups.member_add(
            group=oversight.group,
            person=org_tree.members_a1[2],
            valid_from=D(2026, 1, 1),
            by=office,
        )


def test_a_seat_ended_then_a_new_one_is_allowed(oversight, office, travel_to):
    travel_to(D(2026, 3, 1))
    seat = WorkingGroupMember.objects.get(group=oversight.group, person=oversight.member)
    groups.member_end(seat=seat, valid_to=D(2026, 2, 28), by=office)
    again = groups.member_add(
        group=oversight.group,
        person=oversight.member,
        role="deputy",
        valid_from=D(2026, 3, 1),
        by=office,
    )
    assert again.role == "deputy"
    # A deputy leader speaks for the group (sends its assessments and reports).
    assert access_for(fresh(oversight.member_user)).speaker_group_ids == {oversight.group.pk}


def test_one_group_per_unit_and_reassignment_keeps_the_history(
    oversight, office, org_tree, travel_to
):
    travel_to(D(2026, 3, 1))
    second = groups.group_create(
        committee=org_tree.province_a,
        name="Tổ công tác số 2",
        decision_number="470-QĐ/TU",
        decision_date=D(2026, 2, 1),
        valid_from=D(2026, 2, 1),
        by=office,
    )
    with pytest.raises(DomainError, match="mỗi đơn vị do một tổ công tác theo dõi"):
        groups.assignment_add(
            group=second,
            unit=org_tree.district_a1,
            valid_from=D(2026, 2, 1),
            decision_number="471-CV/TU",
            decision_date=D(2026, 2, 1),
            by=office,
        )
    new = groups.assignment_reassign(
        assignment=oversight.assignment,
        group=second,
        starts_on=D(2026, 3, 1),
        decision_number="472-CV/TU",
        decision_date=D(2026, 2, 25),
        by=office,
    )
    old = OversightAssignment.objects.get(pk=oversight.assignment.pk)
    assert old.valid_to == D(2026, 2, 28) and new.valid_from == D(2026, 3, 1)
    assert OversightAssignment.objects.filter(unit=org_tree.district_a1).count() == 2
    assert org_tree.district_a1.pk not in access_for(fresh(oversight.member_user)).group_unit_ids


def test_assignments_only_below_the_committee_by_its_office(oversight, org_tree, office, outsider):
    with pytest.raises(DomainError, match="không phải đơn vị cấp dưới"):
        groups.assignment_add(
            group=oversight.group,
            unit=org_tree.district_b1,
            valid_from=GROUP_SET_UP,
            decision_number="1-CV",
            decision_date=GROUP_SET_UP,
            by=office,
        )
    with pytest.raises(PermissionDenied):
        groups.group_create(
            committee=org_tree.province_a,
            name="Tổ lạ",
            decision_number="1-QĐ",
            decision_date=GROUP_SET_UP,
            valid_from=GROUP_SET_UP,
            by=outsider,
        )
    with pytest.raises(DomainError, match="không phải cấp ủy viên"):
        groups.assignment_add(
            committee=org_tree.province_a,
            person=oversight.member,
            unit=org_tree.district_a2,
            valid_from=GROUP_SET_UP,
            decision_number="1-CV",
            decision_date=GROUP_SET_UP,
            by=office,
        )
