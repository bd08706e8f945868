"""The queues "Chờ tôi thẩm định" and "Chờ tôi xác nhận" are the `can_*` rules written in SQL:
over every demo persona and randomly picked plans and items, the SQL selector and the Python
decision must give the same answer, object by object.

The demo campaign is written set-based, so nobody has submitted, written or reported anything in
it; the test first gives the personas those roles on some of the picked objects (a plan they
submitted, one whose item they wrote, their own personal plan, an item they reported done), so
that every refusal of the rules is exercised.
"""

import random

import pytest
from django.contrib.auth import get_user_model

from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import Person
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation.models import PlanAction, PlanSubmission, ProgressUpdate, RemediationPlan
from kiemdiem.remediation.permissions import can_appraise_plan, can_verify_action
from kiemdiem.remediation.selectors import (
    items_awaiting_verification_for,
    plans_awaiting_appraisal_for,
)
from kiemdiem.remediation.states import PLAN_TRACKABLE, ActionStatus, PlanStatus


@pytest.fixture
def personas(demo_campaign, db):
    """The demo logins, over the demo seeded once for this module; each test's writes roll back."""
    return list(get_user_model().objects.filter(username__in=DEMO_USERNAMES).order_by("pk"))


def _pick(rng: random.Random, qs, mine: set[int], n: int) -> list[int]:
    """The objects some persona acts on, and `n` others drawn at random."""
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    return sorted(mine | set(rng.sample(ids, min(n, len(ids)))))


def _involve(rng: random.Random, personas, plans: list[int], items: list[int]) -> None:
    """Give the personas the roles the rules refuse: submitter, preparer, owner, reporter."""
    submitted = [p for p in plans if RemediationPlan.objects.get(pk=p).status == "submitted"]
    for user in personas:
        if not submitted:
            break
        plan = RemediationPlan.objects.get(pk=rng.choice(submitted))
        role = rng.choice(["submitter", "preparer", "owner"])
        if role == "submitter":
            PlanSubmission.objects.filter(plan=plan).update(submitted_by=user)
            plan.last_submitted_by = user  # as plan_submit keeps it beside the submission
            plan.save(update_fields=["last_submitted_by"])
        elif role == "preparer":
            plan.preparers.add(user)
        elif plan.person_id and not Person.objects.filter(user=user).exists():
            Person.objects.filter(pk=plan.person_id).update(user=user)
    done = [i for i in items if PlanAction.objects.get(pk=i).status == ActionStatus.DONE]
    for user in personas:
        if done:
            report = ProgressUpdate.objects.create(
                action_id=rng.choice(done),
                status=ActionStatus.DONE,
                percent=100,
                narrative="Đã xong",
                reported_by=user,
            )
            # as action_record_progress keeps it beside the report
            PlanAction.objects.filter(pk=report.action_id).update(
                done_at=report.reported_at, done_by=user
            )


def _fresh(user):
    """The user as a new request sees it (Access is cached on the user object)."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("seed", [1, 2])
def test_selectors_agree_with_decisions(personas, seed):
    rng = random.Random(seed)
    recipients = set().union(*(access_for(u).recipient_unit_ids for u in personas))
    plans = _pick(
        rng,
        RemediationPlan.objects.all(),
        set(
            RemediationPlan.objects.filter(
                status=PlanStatus.SUBMITTED, unit__parent_id__in=recipients
            ).values_list("pk", flat=True)[:40]
        ),
        80,
    )
    items = _pick(
        rng,
        PlanAction.objects.all(),
        set(
            PlanAction.objects.filter(
                status=ActionStatus.DONE, plan__unit__parent_id__in=recipients
            ).values_list("pk", flat=True)[:40]
        ),
        80,
    )
    _involve(rng, personas, plans, items)
    agreed_plans = agreed_items = 0
    for persona in personas:
        user = _fresh(persona)
        sql = set(
            plans_awaiting_appraisal_for(
                user, RemediationPlan.objects.filter(pk__in=plans)
            ).values_list("pk", flat=True)
        )
        python = {
            plan.pk
            for plan in RemediationPlan.objects.filter(pk__in=plans).select_related("unit")
            if plan.status == PlanStatus.SUBMITTED and can_appraise_plan(user, plan)
        }
        assert sql == python, (user.username, sorted(sql ^ python))
        agreed_plans += len(sql)

        sql = set(
            items_awaiting_verification_for(
                user, PlanAction.objects.filter(pk__in=items)
            ).values_list("pk", flat=True)
        )
        python = {
            item.pk
            for item in PlanAction.objects.filter(pk__in=items).select_related("plan__unit")
            if item.status == ActionStatus.DONE
            and item.plan.status in PLAN_TRACKABLE
            and can_verify_action(user, item)
        }
        assert sql == python, (user.username, sorted(sql ^ python))
        agreed_items += len(sql)
    # The comparison is not empty on either side: some persona has work in each queue.
    assert agreed_plans > 0 and agreed_items > 0
