"""Personas of the remediation tests, on top of the root conftest's.

The plan of cell A1 goes to its parent committee, grassroots A1 (the recipient): its office and
a standing-committee member appraise and verify. The province office (`office`) sees the plan but
is a higher ancestor, not a recipient; the cell secretary (`cell_secretary`) prepares it.
"""

import datetime

import pytest

from conftest import START, make_user
from kiemdiem.org import services
from kiemdiem.org.models import AccessRole, PositionRole
from kiemdiem.org.tests.factories import PersonFactory
from kiemdiem.remediation import services as remediation_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services


@pytest.fixture
def appraiser(org_tree):
    """Office of the grassroots committee A1: the recipient of cell A1's plans."""
    user = make_user("vanphong_cs")
    services.access_grant(
        user=user, unit=org_tree.grassroots_a1, role=AccessRole.OFFICE, by=None, valid_from=START
    )
    return user


@pytest.fixture
def second_appraiser(org_tree):
    """A standing-committee member of grassroots A1 (a position, not a grant): also a recipient."""
    user = make_user("thuongvu_cs")
    person = PersonFactory(full_name="Phạm Quang Vinh")
    person.user = user
    person.save(update_fields=["user"])
    services.position_add(
        person=person,
        unit=org_tree.grassroots_a1,
        role=PositionRole.STANDING_MEMBER,
        valid_from=START,
        by=None,
    )
    return user


@pytest.fixture
def plan(open_cycle, org_tree, office):
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    return plan


@pytest.fixture
def action(plan, cell_secretary, org_tree):
    """An item prepared by the cell secretary (the plan's preparer)."""
    return remediation_services.action_add(
        plan=plan,
        by=cell_secretary,
        content="Đổi mới sinh hoạt",
        findings=list(plan.review.findings.all()),
        responsible_unit=org_tree.cell_a1,
        due_date=datetime.date(2026, 6, 30),
    )
