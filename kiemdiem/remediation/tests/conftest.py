"""The plan of cell A1 (its review past the conference) and an item of it, for the remediation
tests; the personas (appraiser, cell secretary, ...) are the root conftest's."""

import datetime

import pytest

from conftest import conclude_review
from kiemdiem.remediation import services as remediation_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services


@pytest.fixture
def plan(open_cycle, org_tree, office):
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    conclude_review(plan.review, office)
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
