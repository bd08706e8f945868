"""The queue pages "Chờ tôi thẩm định" and "Chờ tôi xác nhận" on the demo campaign: what each
demo persona finds there, oldest first, with round and days waiting.

The queues read remediation.selectors.plans_awaiting_appraisal_for and
items_awaiting_verification_for, which test_selectors.py compares with the `can_*` rules over
every demo persona; the refusals below (an item a persona reported done, an item of their own
plan) are exercised on the pages here.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import Person
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation import selectors
from kiemdiem.remediation.models import PlanAction, ProgressUpdate
from kiemdiem.remediation.states import ActionStatus, PlanStatus

TRACKED = [PlanStatus.ACCEPTED, PlanStatus.ADOPTED]


def _fresh(username: str):
    """The user without the per-request caches of Access and acting units."""
    return get_user_model().objects.get(username=username)


def _done(action: PlanAction, user) -> None:
    """Test data: a "done" progress report on `action` by `user` (what the service records)."""
    report = ProgressUpdate.objects.create(
        action=action, reported_by=user, status=ActionStatus.DONE, percent=100, narrative="Xong"
    )
    PlanAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.DONE, percent=100, done_at=report.reported_at
    )


@pytest.fixture(scope="module")
def campaign(demo_campaign, django_db_blocker):
    """The demo campaign, plus the cases the rules refuse."""
    with django_db_blocker.unblock():
        users = {name: _fresh(name) for name in DEMO_USERNAMES}
        tracked = PlanAction.objects.filter(
            plan__status__in=TRACKED, status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
        ).select_related("plan", "plan__unit")
        for name in ("vanphong", "bithuxa", "thuongvu"):
            acting = access_for(users[name]).recipient_unit_ids
            # An item this appraiser reported done itself: not theirs to verify.
            mine = tracked.filter(plan__recipients__unit_id__in=acting).first()
            if mine is not None:
                _done(mine, users[name])
        # An item of a demo person's own plan, reported done by someone else.
        person_ids = Person.objects.filter(user__username__in=DEMO_USERNAMES).values("pk")
        own = tracked.filter(plan__person_id__in=person_ids).first()
        if own is not None:
            _done(own, None)


pytestmark = pytest.mark.django_db


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
