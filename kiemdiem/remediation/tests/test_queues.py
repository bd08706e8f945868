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

from kiemdiem.core import paging
from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import Person
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation import selectors, views
from kiemdiem.remediation.models import PlanAction, PlanSubmission, ProgressUpdate, RemediationPlan
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
        status=ActionStatus.DONE, percent=100, done_at=report.reported_at, done_by=user
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


@pytest.mark.parametrize("username", ["vanphong", "bithuxa", "admin"])
def test_queue_rows_read_by_key_are_the_queues_rows(campaign, client, monkeypatch, username):
    """Each page's rows, read by key through a query compiled once (views._APPRAISAL_ROWS,
    _VERIFICATION_ROWS; issue 17), are those of the queue's own query paged by Django: the
    same plans and items in the same order, with what the rows show, the short last page and a
    page past the end among them."""
    from django.core.paginator import Paginator

    per_page = 2
    monkeypatch.setattr(views, "ROWS_PER_PAGE", per_page)
    user = _fresh(username)
    client.force_login(user)
    queues = {
        "remediation:queue-appraisal": (
            selectors.appraisal_queue(user),
            lambda p: (p.pk, p.round, p.waiting_since, p.unit.name, p.person, p.cycle.title),
            views._APPRAISAL_ROWS,
        ),
        "remediation:queue-verification": (
            selectors.verification_queue(user),
            lambda a: (a.pk, a.done_at, a.plan.unit.name, a.plan.person, a.plan.cycle.title),
            views._VERIFICATION_ROWS,
        ),
    }
    for name, (queue, shown, rows) in queues.items():
        plain = Paginator(queue, per_page)
        assert plain.count, name
        for number in range(1, plain.num_pages + 2):
            page = client.get(reverse(name), {"page": number}).context["page"]
            expected = plain.get_page(number)
            assert [shown(r) for r in page] == [shown(r) for r in expected], (name, number)
        assert rows.compiled(tuple(range(1, per_page + 1)))


def test_queue_first_keys_precompiled_are_the_queues_keys(campaign):
    """The keys a queue page counts and pages from (selectors.*_first_keys, compiled once per
    shape of the values; an administrator's through the ORM) are the queue's own first keys
    in its order, for every demo persona."""
    from kiemdiem.core.permissions import actor_id

    seen = 0
    for username in DEMO_USERNAMES:
        user = _fresh(username)
        for first, queue in (
            (selectors.appraisal_first_keys, selectors.appraisal_queue),
            (selectors.verification_first_keys, selectors.verification_queue),
        ):
            for n in (1, 3, paging.COUNT_CAP + 1):
                expected = list(queue(user).values_list("pk", flat=True)[:n])
                assert first(user, n) == expected, (username, first.__name__, n)
                seen += len(expected)
        access = access_for(user)
        if not access.everything:
            values = selectors.queue_values(access, actor_id(user))
            appraisal, verification = selectors.queue_first_keys(paging.COUNT_CAP + 1)
            assert appraisal.compiled(access.office_paths, *values) and verification.compiled(
                *values
            )
    assert seen


def test_member_has_empty_queues_with_a_next_step(campaign, client):
    client.force_login(_fresh("dangvien"))
    html = client.get(reverse("remediation:queue-appraisal")).content.decode()
    assert "Không có kế hoạch nào chờ đồng chí thẩm định" in html
    html = client.get(reverse("remediation:queue-verification")).content.decode()
    assert "Không có nội dung nào chờ đồng chí xác nhận" in html


@pytest.mark.parametrize("username", ["vanphong", "admin"])
@pytest.mark.usefixtures("built_pages")
def test_queue_pages_stay_within_their_query_ceiling(
    campaign, client, username, django_assert_max_num_queries
):
    """Session, user, access; the capped count, the page's keys, its rows (and the export
    button's registry): the same for a commune's queue and for the country's."""
    client.force_login(_fresh(username))
    for name in ("remediation:queue-appraisal", "remediation:queue-verification"):
        client.get(reverse(name))  # caches (content types, the session)
        with django_assert_max_num_queries(8):
            response = client.get(reverse(name))
        assert response.status_code == 200 and response.context["page"].object_list


@pytest.mark.usefixtures("built_pages")
def test_queue_counts_stop_at_the_cap(campaign, client, monkeypatch):
    """Past core.paging.COUNT_CAP the pages and the home page say "more than" the cap; the rows and
    the order are those of the uncapped queue."""
    user = _fresh("vanphong")
    waiting = list(selectors.appraisal_queue(user).values_list("pk", flat=True))
    assert len(waiting) >= 3
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "ROWS_PER_PAGE", 1)  # the cap spans pages, as 1,000 does 20
    client.force_login(user)
    response = client.get(reverse("remediation:queue-appraisal"))
    assert "Hơn 2</strong> kế hoạch đang chờ" in response.content.decode()
    assert [p.pk for p in response.context["page"].object_list] == waiting[:1]
    response = client.get(reverse("remediation:queue-appraisal") + "?page=2")
    assert [p.pk for p in response.context["page"].object_list] == waiting[1:2]
    html = client.get(reverse("home")).content.decode()
    assert "Xem cả hơn 2 kế hoạch chờ thẩm định" in html
    monkeypatch.setattr(paging, "COUNT_CAP", len(waiting))  # exactly at the cap
    response = client.get(reverse("remediation:queue-appraisal"))
    assert f"<strong>{len(waiting)}</strong> kế hoạch đang chờ" in response.content.decode()
    html = client.get(reverse("home")).content.decode()
    assert f"Xem cả {len(waiting)} kế hoạch chờ thẩm định" in html


def test_the_demo_writes_the_queues_columns_as_the_services_do(campaign):
    """generate_activity writes rows directly: each plan's latest submission time and each
    item's latest "done" report time are on the plan and the item, as plan_submit and
    action_record_progress leave them."""
    latest = {}
    for plan_id, *at_by in PlanSubmission.objects.order_by("plan_id", "number").values_list(
        "plan_id", "submitted_at", "submitted_by_id"
    ):
        latest[plan_id] = tuple(at_by)
    plans = {
        pk: (at, by)
        for pk, at, by in RemediationPlan.objects.values_list(
            "pk", "last_submitted_at", "last_submitted_by_id"
        )
    }
    assert latest and {pk: plans[pk] for pk in latest} == latest
    assert not any(at for pk, (at, _by) in plans.items() if pk not in latest)
    done = {}
    for action_id, *at_by in (
        ProgressUpdate.objects.filter(status=ActionStatus.DONE)
        .order_by("action_id", "reported_at", "id")
        .values_list("action_id", "reported_at", "reported_by_id")
    ):
        done[action_id] = tuple(at_by)
    items = {
        pk: (at, by) for pk, at, by in PlanAction.objects.values_list("pk", "done_at", "done_by_id")
    }
    assert done and {pk: items[pk] for pk in done} == done
    assert not any(at for pk, (at, _by) in items.items() if pk not in done)
