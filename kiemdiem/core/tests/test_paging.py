"""KeysFirstPaginator gives the same pages as Django's; CappedCountPaginator stops counting at
its cap and still reaches every row."""

import pytest
from django.core.paginator import Paginator

from kiemdiem.core.paging import CappedCountPaginator, KeysFirstPaginator
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
