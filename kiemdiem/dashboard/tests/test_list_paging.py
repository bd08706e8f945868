"""The dashboards' cycle list is paged keys-first, its rows read by key through a query
compiled once (issue 17): each page shows the rows of the list's own query paged by Django,
for users of different scopes."""

import datetime

from django.urls import reverse

from kiemdiem.core.tests.list_paging import assert_pages_are_the_lists
from kiemdiem.dashboard import selectors, views
from kiemdiem.reviews.models import CycleStatus, ReviewCycle
from kiemdiem.reviews.tests.test_list_paging import make_cycles

D = datetime.date


def test_dashboard_cycle_pages_are_the_lists_pages(
    client, monkeypatch, org_tree, office, outsider, admin
):
    cycles = make_cycles(
        org_tree, admin, year=lambda n: 2025, starts_on=lambda n: D(2026, 1, 5 + n % 3)
    )  # ties: ordered by key
    for n, cycle in enumerate(cycles):
        if n != 4:  # a draft is not listed
            ReviewCycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.OPEN)
    assert_pages_are_the_lists(
        client,
        monkeypatch,
        views=views,
        rows="_CYCLE_ROWS",
        model=ReviewCycle,
        shown=views._cycle_rows,
        url=reverse("dashboard:cycle-list"),
        lists=[
            (
                user,
                selectors.cycles_visible_to(user)
                .select_related("scope_unit")
                .order_by("-starts_on", "-pk"),
            )
            for user in (office, outsider, admin)
        ],
        seen=lambda c: (c.pk, c.title, c.scope_unit.name, c.get_status_display(), c.starts_on),
        per_page="ROWS_PER_PAGE",
    )
