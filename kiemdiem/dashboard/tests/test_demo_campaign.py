"""seed_campaign on the small demo: the campaign a newcomer sees after `make run` is usable."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from kiemdiem.org.models import OversightAssignment
from kiemdiem.remediation import services
from kiemdiem.remediation.models import Appraisal, PlanRecipient, PlanSubmission, RemediationPlan
from kiemdiem.remediation.permissions import can_appraise_plan
from kiemdiem.remediation.states import PlanStatus

FILED = [PlanStatus.SUBMITTED, PlanStatus.RETURNED, PlanStatus.ACCEPTED, PlanStatus.ADOPTED]


@pytest.fixture
def campaign(demo_campaign, db):
    """The demo, seeded once for the module (conftest.demo_campaign); writes roll back."""
    return demo_campaign


def test_every_filed_plan_has_its_version_recipient_and_decision(campaign):
    filed = RemediationPlan.objects.filter(status__in=FILED)
    assert filed.exists()
    assert PlanSubmission.objects.filter(plan__in=filed).count() == filed.count()
    with_parent = filed.filter(unit__parent__isnull=False)
    standing = PlanRecipient.objects.filter(kind=PlanRecipient.Kind.STANDING_COMMITTEE)
    assert standing.filter(plan__in=with_parent).count() == with_parent.count()
    # The plans of the communes assigned to a working group went to the group too.
    grouped = PlanRecipient.objects.filter(kind=PlanRecipient.Kind.WORKING_GROUP)
    assert grouped.exists()
    assert set(grouped.values_list("plan__unit_id", flat=True)) <= set(
        OversightAssignment.objects.filter(working_group__isnull=False).values_list(
            "unit_id", flat=True
        )
    )
    for status, decision in (
        (PlanStatus.RETURNED, Appraisal.Decision.RETURNED),
        (PlanStatus.ACCEPTED, Appraisal.Decision.ACCEPTED),
    ):
        plans = filed.filter(status=status)
        decided = Appraisal.objects.filter(submission__plan__in=plans, decision=decision)
        assert decided.count() == plans.count()
    assert not Appraisal.objects.filter(submission__plan__status=PlanStatus.SUBMITTED).exists()


@pytest.mark.parametrize("username", ["vanphong", "bithuxa", "tocongtac"])
def test_demo_appraisers_find_waiting_plans_and_can_decide(campaign, username):
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("remediation:queue-appraisal")).content.decode()
    waiting = [
        plan
        for plan in RemediationPlan.objects.filter(status=PlanStatus.SUBMITTED)
        if plan.get_absolute_url() in page
    ]
    assert waiting, f"{username} has nothing to appraise in the demo"
    plan = waiting[0]
    assert can_appraise_plan(user, plan)
    services.plan_accept(plan=plan, by=user)
    assert RemediationPlan.objects.get(pk=plan.pk).status == PlanStatus.ACCEPTED


def test_the_demo_holds_oversight(campaign):
    """Working groups with members and assigned units, a member assigned in person, a work
    programme with activities, assessments, and an adopted implementation plan with comments
    and tasks; the group's member ("tocongtac") and the unit ("bithuxa") see their part."""
    from kiemdiem.org.models import WorkingGroup
    from kiemdiem.oversight.models import Activity, Assessment, ImplementationPlan

    assert WorkingGroup.objects.filter(members__isnull=False).distinct().count() >= 2
    assert OversightAssignment.objects.filter(person__isnull=False).exists()
    assert Activity.objects.exists() and Assessment.objects.filter(status="submitted").exists()
    plan = ImplementationPlan.objects.get(number="16-KH/TU")
    assert plan.status == "adopted" and plan.comments.count() == 5 and plan.tasks.exists()
    assert "2 tổ công tác" in campaign
    client = Client()
    client.force_login(get_user_model().objects.get(username="bithuxa"))
    page = client.get(reverse("oversight:index")).content.decode()
    assert "chờ xác nhận đã nhận" in page
