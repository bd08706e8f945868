"""The home page's reads, precompiled (core.precompiled, issue 17 part 10a), give what the ORM
gives when it builds and compiles the same QuerySets afresh: the same rows in the same order with
the same fields shown, for every demo persona; the queues agree with the queue pages' own rules
(remediation.selectors)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiemdiem.classification.models import RatingStatus
from kiemdiem.core import paging
from kiemdiem.core.permissions import actor_id
from kiemdiem.dashboard import selectors
from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import OversightAssignment
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation import selectors as remediation_selectors
from kiemdiem.remediation.models import PlanRecipient, RemediationPlan
from kiemdiem.remediation.states import ActionStatus, PlanStatus
from kiemdiem.reviews.states import CycleStatus

pytestmark = pytest.mark.django_db


def _plan_line(p):
    return (
        p.pk,
        p.unit.name,
        p.person.full_name if p.person_id else None,
        p.round,
        p.waiting_since,
    )


def _item_line(a):
    plan = a.plan
    person = plan.person.full_name if plan.person_id else None
    return (a.pk, a.content, a.status, a.percent, a.due_date, a.done_at, plan.unit.name, person)


def _queue_page_heads(user):
    """The queue pages' first lines and capped counts (remediation.selectors, by user)."""
    heads = []
    for queue in (
        remediation_selectors.appraisal_queue(user),
        remediation_selectors.verification_queue(user),
    ):
        keys = list(queue.values_list("pk", flat=True)[: paging.COUNT_CAP + 1])
        heads.append((keys[: selectors.HOME_ROWS], min(len(keys), paging.COUNT_CAP)))
    return heads


def _agree(user):
    """The home page's queue heads (precompiled) against a fresh ORM evaluation of the same
    QuerySets and against the queue pages: the same lines, counts, fields shown."""
    access = access_for(user)
    me = actor_id(user)
    (plans, plan_count, plan_capped), (items, item_count, item_capped) = selectors.queue_heads(
        access, me
    )
    values = remediation_selectors.queue_values(access, me)
    cap = paging.COUNT_CAP
    appraisal, verification = selectors.queue_head_reads(cap)
    assert appraisal.compiled(access.office_paths, *values)
    assert verification.compiled(*values)
    orm_plans = list(selectors._appraisal_head(cap, access.office_paths, *values))
    orm_items = list(selectors._verification_head(cap, *values))
    assert [_plan_line(p) for p in plans] == [_plan_line(p) for p in orm_plans]
    assert [_item_line(a) for a in items] == [_item_line(a) for a in orm_items]
    page_plans, page_items = _queue_page_heads(user)
    assert ([p.pk for p in plans], plan_count) == page_plans
    assert ([a.pk for a in items], item_count) == page_items
    with CaptureQueriesContext(connection) as queries:  # the lines' related rows came with them
        [(_plan_line(p), p.get_absolute_url()) for p in plans]
        [(_item_line(a), a.get_absolute_url()) for a in items]
    assert not queries
    return plan_count, item_count


def test_home_queue_heads_agree_with_the_orm_and_the_queue_pages(demo_campaign):
    seen = {"appraisal": 0, "verification": 0}
    kinds = set()
    for username in DEMO_USERNAMES:
        user = get_user_model().objects.get(username=username)
        access = access_for(user)
        if access.everything or not access.visible_paths:
            continue
        kinds.update(
            k for k in ("assigned_pairs", "group_ids", "office_paths") if getattr(access, k)
        )
        plan_count, item_count = _agree(user)
        seen["appraisal"] += plan_count
        seen["verification"] += item_count
    assert seen["appraisal"] and seen["verification"]  # the comparison saw waiting rows
    # and users acting through a working group, an office
    assert kinds == {"group_ids", "office_paths"}, kinds


def test_home_queue_heads_agree_for_a_committee_member_assigned_in_person(demo_campaign):
    """A member assigned in person by the committee to oversee a unit acts for that
    committee's recipients of the unit's plans (Access.assigned_pairs): no demo persona is."""
    submitted = PlanRecipient.objects.filter(
        working_group__isnull=True, plan__status=PlanStatus.SUBMITTED
    ).first()
    done = PlanRecipient.objects.filter(
        working_group__isnull=True, plan__actions__status=ActionStatus.DONE
    ).first()
    user = get_user_model().objects.get(username="dangvien")
    for recipient in (submitted, done):
        OversightAssignment.objects.create(
            committee_id=recipient.unit_id,
            person_id=access_for(user).person_id,
            unit_id=recipient.plan.unit_id,
            valid_from=datetime.date(2020, 1, 1),
            decision_number="1-CV/TU",
            decision_date=datetime.date(2020, 1, 1),
        )
    user = get_user_model().objects.get(username="dangvien")  # a fresh access
    assert access_for(user).assigned_pairs
    plan_count, item_count = _agree(user)
    assert plan_count and item_count


def test_home_own_lines_precompiled_agree_with_the_orm(demo_campaign, django_assert_num_queries):
    seen = {"returned": 0, "due": 0, "items": 0, "reviews": 0}
    # a personal plan of a persona not submitted yet (the demo's are all past that)
    draft = (
        RemediationPlan.objects.filter(
            person__user__username__in=DEMO_USERNAMES, cycle__status=CycleStatus.OPEN
        )
        .exclude(status=PlanStatus.RETURNED)
        .order_by("pk")
        .first()
    )
    RemediationPlan.objects.filter(pk=draft.pk).update(status=PlanStatus.DRAFT)
    days = timezone.localdate() + datetime.timedelta(days=selectors.SOON_DAYS)
    # and every draft and open item, whenever due (the demo has no draft due within 14 days)
    for username, soon in [
        (u, s) for u in DEMO_USERNAMES for s in (days, datetime.date(2100, 1, 1))
    ]:
        user = get_user_model().objects.get(username=username)
        access = access_for(user)
        units, person_id = selectors.own_unit_ids(user), access.person_id
        if access.everything or (not units and person_id is None):
            continue
        own = tuple(sorted(units))
        for read, values in [
            (selectors._OWN_PLANS, (own, person_id, soon)),
            (selectors._ITEMS_DUE, (own, person_id, soon)),
            (selectors._REVIEWS_OPEN, (own, person_id)),
        ]:
            assert read.compiled(*values), (username, read.build)
        returned, due = selectors._own_plans(units, person_id, soon)
        orm = list(selectors._own_plans_read(own, person_id, soon))
        assert [(p.pk, p.status, p.due_date, str(p)) for p in returned + due] == [
            (p.pk, p.status, p.due_date, str(p))
            for p in [p for p in orm if p.status == PlanStatus.RETURNED]
            + [p for p in orm if p.status == PlanStatus.DRAFT]
        ], username
        items = selectors._items_due(units, person_id, soon)
        assert [(_item_line(a), a.get_status_display()) for a in items] == [
            (_item_line(a), a.get_status_display())
            for a in selectors._items_due_read(own, person_id, soon)
        ], username
        reviews = selectors._reviews_open(units, person_id)

        def line(r):
            person = r.person.full_name if r.person_id else None
            cycle = (r.cycle.self_review_due, r.cycle.conference_due)
            return (r.pk, r.status, r.unit.name, person, cycle, r.has_meeting)

        orm_reviews = [line(r) for r in selectors._reviews_open_read(own, person_id)]
        with django_assert_num_queries(0):  # the related rows came with them
            assert [line(r) for r in reviews] == orm_reviews, username
        seen["returned"] += len(returned)
        seen["due"] += len(due)
        seen["items"] += len(items)
        seen["reviews"] += len(reviews)
    assert all(seen.values()), seen  # the demo holds lines of each kind


def _orm_classification(user, rows=5):
    """The classification's reads (classification.todo) built and compiled afresh by the ORM."""
    from kiemdiem.classification.todo import (
        ratings_at_steps,
        rechecks_of,
        steps_of,
    )

    access = access_for(user)
    steps = steps_of(access)
    ratings = list(ratings_at_steps(steps, rows))
    units = tuple(sorted(access.recipient_unit_ids))
    return ratings, list(rechecks_of(units, rows)) if units else []


def test_classification_todo_precompiled_reads_agree_with_the_orm(
    demo_campaign, django_assert_num_queries
):
    from kiemdiem.classification.models import Rating, RatingRound, RoundStatus
    from kiemdiem.classification.todo import todo_for

    # The demo's year is decided and closed: its round opened again, its ratings spread over
    # the three steps, so each persona has some at their step.
    RatingRound.objects.update(status=RoundStatus.OPEN)
    steps = [RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED, RatingStatus.APPRAISED]
    kept = Rating.objects.exclude(status=RatingStatus.CANCELLED).order_by("pk")
    for i, pk in enumerate(kept.values_list("pk", flat=True)):
        Rating.objects.filter(pk=pk).update(status=steps[i % 3])
    seen = {"ratings": 0, "steps": set()}
    for username in DEMO_USERNAMES:
        user = get_user_model().objects.get(username=username)
        for rows in (5, 100):
            todo = todo_for(user, rows=rows)
            ratings, tasks = _orm_classification(user, rows=rows)
            with django_assert_num_queries(0):  # what the page shows came with the rows

                def rating(r):
                    return (
                        r.pk,
                        r.status,
                        r.subject_label,
                        r.round.title,
                        r.round.deadline,
                        r.rerating_of_id,
                        r.waiting,
                        r.step_url,
                    )

                def task(t):
                    return (
                        t.pk,
                        t.unit.name,
                        t.campaign.title,
                        t.campaign.year,
                        t.campaign.deadline,
                        t.waiting,
                    )

                assert [rating(r) for r in todo.ratings] == [
                    rating(r) for r in ratings if not setattr(r, "step_url", todo_step(r))
                ], username
                assert [task(t) for t in todo.rechecks] == [task(t) for t in tasks], username
            assert todo.ratings_count == (ratings[0].waiting if ratings else 0)
            assert todo.rechecks_count == (tasks[0].waiting if tasks else 0)
            seen["ratings"] += len(ratings)
            seen["steps"] |= {r.status for r in ratings}
    # (the re-check tasks: classification/tests/test_todo.py, unchanged, reads them this way)
    assert seen["ratings"] and seen["steps"] == set(steps), seen


def todo_step(rating):
    from kiemdiem.classification.todo import STEP_URLS

    return STEP_URLS[rating.status]


def _orm_reports_due(units, today):
    """What `_reports_due` gives, read plainly (units, periods, reports: three querysets)."""
    from kiemdiem.org.models import Unit
    from kiemdiem.reports.models import PeriodicReport, ReportPeriod, ReportStatus

    own = list(Unit.objects.filter(pk__in=units).only("id", "name", "kind", "path"))
    ancestors = {path for unit in own for path in unit.ancestor_paths()}
    periods = list(
        ReportPeriod.objects.filter(
            cycle__status=CycleStatus.OPEN,
            cycle__scope_unit__path__in=sorted(ancestors),
            starts_on__lte=today,
            ends_on__lte=today + datetime.timedelta(days=selectors.REPORT_LEAD_DAYS),
        )
        .select_related("cycle", "cycle__scope_unit")
        .order_by("due_on", "pk")
    )
    reports = {
        (r.period_id, r.unit_id): r
        for r in PeriodicReport.objects.filter(period__in=periods, unit__in=own)
    }
    due = []
    for period in periods:
        for unit in own:
            if not unit.path.startswith(period.cycle.scope_unit.path):
                continue
            if unit.kind not in period.cycle.participating_kinds:
                continue
            report = reports.get((period.pk, unit.pk))
            if report is None or report.status != ReportStatus.SUBMITTED:
                due.append((unit.pk, unit.name, period.pk, period.label, period.due_on, report))
    return due


def test_home_reports_due_agree_with_plain_orm_reads(demo_campaign, django_assert_num_queries):
    from kiemdiem.reports.models import PeriodicReport, ReportPeriod

    periods = list(ReportPeriod.objects.order_by("starts_on"))
    assert periods and PeriodicReport.objects.exists()
    days = sorted({timezone.localdate()} | {p.ends_on for p in periods})
    seen = {"due": 0, "with_report": 0}
    for username in DEMO_USERNAMES:
        user = get_user_model().objects.get(username=username)
        units = selectors.own_unit_ids(user)
        if not units:
            continue
        for today in days:
            assert selectors._REPORT_UNITS.compiled(tuple(sorted(units)))
            due = selectors._reports_due(units, today)
            with django_assert_num_queries(0):  # the page's fields came with the rows
                lines = [
                    (d.unit.pk, d.unit.name, d.period.pk, d.period.label, d.period.due_on, d.report)
                    for d in due
                ]
                [d.url for d in due]
            assert lines == _orm_reports_due(units, today), (username, today)
            seen["due"] += len(due)
            seen["with_report"] += sum(d.report is not None for d in due)
    assert all(seen.values()), seen


# Session, user, access (3); own units (only for an inspection grant: 1); the two queues (2);
# the returned and due plans (1, + the decisions that returned them: 1); items due (1); reports
# due (units; periods with their reports: 2); reviews (1); the scope roots (1); ratings and
# re-check tasks (2): 15 at most (17 before part 9a), whatever the subtree's size.
HOME_QUERIES_9A = 15


@pytest.mark.usefixtures("built_pages")
@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_home_page_reads_fifteen_queries_at_most(
    demo_campaign, client, username, django_assert_max_num_queries
):
    client.force_login(get_user_model().objects.get(username=username))
    with django_assert_max_num_queries(HOME_QUERIES_9A):
        response = client.get("/")
    assert response.status_code == 200
