"""KeysFirstPaginator gives the same pages as Django's; CappedCountPaginator stops counting at
its cap and still reaches every row."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.core.paging import (
    CappedCountPaginator,
    GroupedKeysPaginator,
    KeysFirstPaginator,
    filter_unindexed,
)
from kiemdiem.org.models import Unit


@pytest.mark.django_db
def test_keys_first_pages_equal_django_pages(org_tree):
    units = Unit.objects.select_related("parent").order_by("-depth", "code")
    for number in (1, 2, 3, 4):
        ours = KeysFirstPaginator(units, 3).get_page(number)
        theirs = Paginator(units, 3).get_page(number)
        assert list(ours) == list(theirs)
        assert (ours.number, ours.paginator.num_pages) == (
            theirs.number,
            theirs.paginator.num_pages,
        )
    assert [u.parent for u in KeysFirstPaginator(units, 3).get_page(1)]  # joined rows kept


@pytest.mark.django_db
def test_capped_count_stops_at_cap_and_counts_exactly_past_it(org_tree):
    units = Unit.objects.order_by("code")
    total = units.count()
    first = CappedCountPaginator(units, 2, cap=4).get_page(1)
    assert first.paginator.capped and first.paginator.count == 5
    assert first.has_next()
    edge = CappedCountPaginator(units, 2, cap=4).get_page(3)  # the cap's last page
    assert not edge.paginator.capped and edge.paginator.count == total
    last = CappedCountPaginator(units, 2, cap=4).get_page(99)
    assert list(last) == list(Paginator(units, 2).get_page(99))
    exact = CappedCountPaginator(units, 2, cap=100).get_page(1)
    assert not exact.paginator.capped and exact.paginator.count == total


@pytest.mark.django_db
def test_capped_pages_equal_django_pages_one_keys_query_within_the_cap(org_tree):
    """Every page is Django's. The first page reads the first cap + 1 keys and its rows (two
    queries: the count is the keys' length), as does every page of a list shorter than the
    cap; a page past the cap also counts exactly and reads its own keys (four at most)."""
    units = Unit.objects.select_related("parent").order_by("code")
    theirs = Paginator(units, 2)
    assert theirs.num_pages > 3
    for cap in (4, 5, 100):
        for number in range(1, theirs.num_pages + 2):
            with CaptureQueriesContext(connection) as queries:
                ours = CappedCountPaginator(units, 2, cap=cap).get_page(number)
                rows = [(u.pk, u.parent) for u in ours]
            assert rows == [(u.pk, u.parent) for u in theirs.get_page(number)], (cap, number)
            if number == 1 or cap >= theirs.count:
                assert len(queries) == 2, (cap, number)
            else:
                assert len(queries) <= 4, (cap, number)


@pytest.mark.django_db
def test_grouped_keys_pages_equal_django_pages(org_tree):
    """Groups by depth (deepest first), each ordered by code: the same pages as one ORDER BY
    (-depth, code), the count the groups' sum, also for a page spanning two groups."""
    units = Unit.objects.select_related("parent").order_by("-depth", "code")
    depths = sorted(set(units.values_list("depth", flat=True)), reverse=True)
    groups = [
        (
            lambda qs, d=d: filter_unindexed(qs, "depth", [d]).order_by("code"),
            units.filter(depth=d).count(),
        )
        for d in depths
    ]
    for per_page in (2, 3, 5):
        theirs_paginator = Paginator(units, per_page)
        for number in range(1, theirs_paginator.num_pages + 2):
            ours = GroupedKeysPaginator(units, per_page, groups=groups).get_page(number)
            theirs = theirs_paginator.get_page(number)
            assert list(ours) == list(theirs), (per_page, number)
            assert ours.paginator.count == theirs.paginator.count
