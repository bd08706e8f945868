"""The two queues ("Chờ tôi thẩm định", "Chờ tôi xác nhận") list exactly what the rules allow.

Each queue is a selector in SQL that mirrors a `can_*` rule written in Python; over the demo
personas (the small demo with a campaign) plus the cases the rules refuse — an item the user
reported done, an item of the user's own plan, a plan with no recipient recorded — the SQL and
the rule must agree row for row.
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import Person
from kiemdiem.org.scoping import scope
from kiemdiem.remediation import selectors
from kiemdiem.remediation.models import PlanAction, PlanRecipient, ProgressUpdate, RemediationPlan
from kiemdiem.remediation.permissions import (
    acting_unit_ids,
    can_appraise_plan,
    can_verify_action,
)
from kiemdiem.remediation.states import ActionStatus, PlanStatus

TRACKED = [PlanStatus.ACCEPTED, PlanStatus.ADOPTED]


def _fresh(username: str):
    """The user without the per-request caches of Access and acting units."""
    return get_user_model().objects.get(username=username)


def _done(action: PlanAction, user) -> None:
    """Test data: a "done" progress report on `action` by `user` (what the service records)."""
    ProgressUpdate.objects.create(
        action=action, reported_by=user, status=ActionStatus.DONE, percent=100, narrative="Xong"
    )
    PlanAction.objects.filter(pk=action.pk).update(status=ActionStatus.DONE, percent=100)


@pytest.fixture(scope="module")
def campaign(django_db_setup, django_db_blocker):
    """The small demo with a campaign under way, plus the cases the rules refuse."""
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("seed_demo", "--scale", "small", "--seed", "3", stdout=out)
        call_command("seed_campaign", stdout=out)
        users = {name: _fresh(name) for name in DEMO_USERNAMES}
        tracked = PlanAction.objects.filter(
            plan__status__in=TRACKED, status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
        ).select_related("plan", "plan__unit")
        for name in ("vanphong", "bithuxa", "thuongvu"):
            acting = acting_unit_ids(users[name])
            # An item this appraiser reported done itself: not theirs to verify.
            mine = tracked.filter(plan__recipients__unit_id__in=acting).first()
            if mine is not None:
                _done(mine, users[name])
        # An item of a demo person's own plan, reported done by someone else.
        person_ids = Person.objects.filter(user__username__in=DEMO_USERNAMES).values("pk")
        own = tracked.filter(plan__person_id__in=person_ids).first()
        if own is not None:
            _done(own, None)
        # A plan whose recipient was never recorded: its parent committee acts for it.
        orphan = tracked.exclude(plan__person_id__in=person_ids).last()
        PlanRecipient.objects.filter(plan=orphan.plan).delete()
        _done(orphan, None)
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", stdout=StringIO())


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_verification_queue_is_what_can_verify_action_allows(campaign, username):
    user = _fresh(username)
    visible = scope(PlanAction.objects.all(), user, via="plan__unit")
    candidates = visible.filter(status=ActionStatus.DONE, plan__status__in=TRACKED)
    allowed = {
        action.pk
        for action in candidates.select_related("plan", "plan__unit", "plan__unit__parent")
        if can_verify_action(_fresh(username), action)
    }
    queued = set(
        selectors.actions_awaiting_verification_for(user, visible).values_list("pk", flat=True)
    )
    assert queued == allowed
    assert set(selectors.verification_queue(_fresh(username)).values_list("pk", flat=True)) == (
        allowed
    )


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_appraisal_queue_is_what_can_appraise_plan_allows(campaign, username):
    user = _fresh(username)
    submitted = RemediationPlan.objects.visible_to(user).filter(status=PlanStatus.SUBMITTED)
    allowed = {
        plan.pk
        for plan in submitted.select_related("unit", "unit__parent")
        if can_appraise_plan(_fresh(username), plan)
    }
    assert set(selectors.appraisal_queue(user).values_list("pk", flat=True)) == allowed


def test_the_demo_gives_each_appraiser_work_in_both_queues(campaign):
    for name in ("vanphong", "bithuxa"):
        assert selectors.appraisal_queue(_fresh(name)).exists(), name
        assert selectors.verification_queue(_fresh(name)).exists(), name
    # ... and the refusals are exercised: some done items are someone's own or self-reported.
    done = PlanAction.objects.filter(status=ActionStatus.DONE, plan__status__in=TRACKED)
    assert done.filter(updates__reported_by__username__in=DEMO_USERNAMES).exists()


def test_queue_pages_list_oldest_first_with_round_and_waiting_days(campaign, client):
    user = _fresh("vanphong")
    client.force_login(user)
    html = client.get(reverse("remediation:queue-appraisal")).content.decode()
    queue = list(selectors.appraisal_queue(user))
    assert queue and queue[0].get_absolute_url() in html
    assert "Lần 1" in html and "chờ " in html
    waits = [p.waiting_since for p in queue]
    assert waits == sorted(waits)
    html = client.get(reverse("remediation:queue-verification")).content.decode()
    first = selectors.verification_queue(_fresh("vanphong")).first()
    assert first.get_absolute_url() in html


def test_member_has_empty_queues_with_a_next_step(campaign, client):
    client.force_login(_fresh("dangvien"))
    html = client.get(reverse("remediation:queue-appraisal")).content.decode()
    assert "Không có kế hoạch nào chờ đồng chí thẩm định" in html
    html = client.get(reverse("remediation:queue-verification")).content.decode()
    assert "Không có nội dung nào chờ đồng chí xác nhận" in html
