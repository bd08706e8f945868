"""The plan list reads its pages year by year (core.paging.GroupedKeysPaginator, issue 17): the
pages, put together, are the plans in the list's order, and the queries do not grow with the
number of plans."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.dashboard import summaries
from kiemdiem.dashboard.tests.test_query_ceilings import grow_campaign
from kiemdiem.remediation import selectors
from kiemdiem.reviews.models import ReviewCycle

D = datetime.date


@pytest.mark.django_db
@pytest.mark.parametrize("merged", [False, True])
def test_plan_list_pages_follow_the_list_order_across_years(
    client, org_tree, office, travel_to, monkeypatch, merged
):
    travel_to(D(2026, 1, 10))
    old, _ = grow_campaign(org_tree, office, members=1, items=0, number=1)
    grow_campaign(org_tree, office, members=1, items=0, number=2)
    ReviewCycle.objects.filter(pk=old.pk).update(year=2024)  # two years: the older one last
    if merged:  # the counts per cycle then come from the summaries (none pending: exact)
        summaries.merge_all()
    per_cycle = selectors.plans_per_cycle_summarized(office)
    assert (per_cycle is not None) == merged
    monkeypatch.setattr("kiemdiem.remediation.views.ROWS_PER_PAGE", 3)
    client.force_login(office)
    expected = list(selectors.plans_filtered(office, None))
    assert len({p.cycle_id for p in expected}) == 2 and len(expected) > 6
    shown = []
    for number in range(1, len(expected) // 3 + 2):
        page = client.get(reverse("remediation:plan-list"), {"page": number}).context["page"]
        assert page.paginator.count == len(expected)
        shown += list(page.object_list)
    assert shown == expected


@pytest.mark.django_db
def test_plan_list_queries_do_not_grow(client, org_tree, office, travel_to):
    travel_to(D(2026, 1, 10))
    client.force_login(office)
    url = reverse("remediation:plan-list")

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow_campaign(org_tree, office, members=2, items=1, number=1)
    small = queries()
    grow_campaign(org_tree, office, members=6, items=3, number=2)
    assert queries() == small
