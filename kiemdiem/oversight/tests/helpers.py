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
