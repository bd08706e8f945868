"""The dashboards' reads precompiled in part 15c (core.precompiled, issue 17) give what the ORM
gave: the cycle checked by id, a unit's latest report, and the figures summed over subtrees,
for the demo personas' scopes."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Min, Q, Sum
from django.test.utils import CaptureQueriesContext

from kiemdiem.dashboard import selectors
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for
from kiemdiem.reports.models import PeriodicReport
from kiemdiem.reviews.models import ReviewCycle
from kiemdiem.reviews.states import CycleStatus

pytestmark = pytest.mark.django_db


def _users():
    return [get_user_model().objects.get(username=name) for name in DEMO_USERNAMES]


def _checked_cycles(users, cycle_ids) -> int:
    """Each user's `cycle_visible_to` (precompiled) of each cycle id against the cycle list's
    rule and the ORM's row; how many they were shown."""
    shown = 0
    for user in users:
        listed = set(selectors.cycles_visible_to(user).values_list("pk", flat=True))
        for cycle_id in cycle_ids:
            assert selectors._CYCLE.compiled(cycle_id)
            cycle = selectors.cycle_visible_to(user, cycle_id)
            assert (cycle is not None) == (cycle_id in listed), (user.username, cycle_id)
            if cycle is None:
                continue
            with CaptureQueriesContext(connection) as queries:
                scope = cycle.scope_unit.path
            assert not queries
            orm = ReviewCycle.objects.select_related("scope_unit").get(pk=cycle_id)
            assert (cycle.title, cycle.status, scope) == (
                orm.title,
                orm.status,
                orm.scope_unit.path,
            )
            shown += 1
    return shown


def test_cycle_visible_to_precompiled_agrees_with_the_orm(demo_campaign):
    users = _users()
    cycle_ids = list(ReviewCycle.objects.order_by("pk").values_list("pk", flat=True))
    missing = cycle_ids[-1] + 1
    shown = _checked_cycles(users, [*cycle_ids, missing])
    assert 0 < shown < len(users) * len(cycle_ids)  # some personas see no cycle
    ReviewCycle.objects.update(status=CycleStatus.DRAFT)  # not on a dashboard while a draft
    assert _checked_cycles(users, cycle_ids) == 0


def test_latest_report_precompiled_agrees_with_the_orm(demo_campaign):
    reported = set(PeriodicReport.objects.values_list("unit_id", flat=True))
    assert reported
    units = list(Unit.objects.filter(pk__in=reported)) + list(
        Unit.objects.exclude(pk__in=reported).order_by("pk")[:3]
    )
    found = 0
    for cycle in ReviewCycle.objects.all():
        for unit in units:
            assert selectors._LATEST_REPORT.compiled(cycle.pk, unit.pk)
            report = selectors.latest_report(cycle, unit)
            orm = (
                PeriodicReport.objects.filter(period__cycle=cycle, unit=unit)
                .select_related("period")
                .order_by("-period__ends_on", "-pk")
                .first()
            )
            assert report == orm
            if report is not None:
                with CaptureQueriesContext(connection) as queries:
                    assert report.period.ends_on == orm.period.ends_on
                assert not queries
                found += 1
    assert found


def _orm_summed(scopes) -> dict:
    """`summed_figures` before part 15c, in its own words: one grouped ORM query."""
    wanted = Q(pk__in=[])
    for cycle_id, paths in scopes.items():
        if paths:
            wanted |= Q(cycle_id=cycle_id, unit_path__in=paths)
    rows = (
        CycleSummary.objects.filter(wanted)
        .order_by()
        .values("cycle_id")
        .annotate(as_of=Min("updated_at"), **{m: Sum(m) for m in METRIC_NAMES})
    )
    return {
        row["cycle_id"]: {
            **{m: int(row[m] or 0) for m in METRIC_NAMES},
            "as_of": selectors._as_datetime(row["as_of"]),
        }
        for row in rows
    }


def test_summed_figures_precompiled_agree_with_the_orm(demo_campaign):
    cycles = [c.pk for c in ReviewCycle.objects.order_by("pk")]
    seen = 0
    for user in _users():
        paths = list(access_for(user).visible_paths)
        for scopes in [
            {cycles[0]: paths},
            {c: paths for c in cycles},
            {cycles[0]: paths, cycles[-1]: []},
            {c: [] for c in cycles},
        ]:
            summed = selectors.summed_figures(scopes)
            assert summed == _orm_summed(scopes), (user.username, scopes)
            seen += sum(row["reviews_expected"] for row in summed.values())
    assert seen
