"""KeysFirstPaginator gives the same pages as Django's; CappedCountPaginator stops counting at
its cap and still reaches every row; the rows read by key through a query compiled once are the
same."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.core.paging import (
    CappedCountPaginator,
    GroupedKeysPaginator,
    KeysFirstPaginator,
    filter_unindexed,
    reversible,
    rows_by_key,
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
def test_exact_capped_pages_equal_django_pages_and_count_past_the_cap(org_tree):
    """With `exact`, every page is Django's and so is the count, past the cap too (never
    `capped`). A list within the cap reads its count and keys in one query, then the rows: two
    queries, as Django's Paginator (a COUNT, the rows); past the cap, a COUNT more."""
    units = Unit.objects.select_related("parent").order_by("code")
    theirs = Paginator(units, 2)
    assert theirs.num_pages > 3
    for cap in (4, 5, 100):
        for number in range(1, theirs.num_pages + 2):
            with CaptureQueriesContext(connection) as queries:
                ours = CappedCountPaginator(units, 2, cap=cap, exact=True).get_page(number)
                rows = [(u.pk, u.parent) for u in ours]
            assert rows == [(u.pk, u.parent) for u in theirs.get_page(number)], (cap, number)
            assert ours.paginator.count == theirs.count and not ours.paginator.capped
            counted = any("COUNT(" in q["sql"] for q in queries)
            assert counted == (cap < theirs.count), (cap, number)
            if cap >= theirs.count:
                assert len(queries) == 2, (cap, number)


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


@pytest.mark.django_db
def test_pages_past_the_middle_are_read_from_the_end_and_equal_django_pages(org_tree):
    """A list ordered by a key with NULLs (the top unit has no parent) and then the pk: every
    page equals Django's; a page past the middle reads its keys backwards (DESC), and one
    before it forwards. With a count that lags the rows (a summary; `last_page_slack`), the
    pages read from the end count the rows first, so they still equal Django's pages."""
    units = Unit.objects.select_related("parent").order_by("parent__code", "pk")
    theirs = Paginator(units, 2)
    everything = list(units.all())
    assert theirs.num_pages > 3
    for lag in (0, 1, 2):
        for number in range(1, theirs.num_pages + 1):
            paginator = KeysFirstPaginator(units, 2)
            if lag:
                paginator.count, paginator.last_page_slack = theirs.count - lag, 2
            with CaptureQueriesContext(connection) as queries:
                ours = paginator.get_page(number)
            if lag:  # the rows from the page's first on, up to the slack on the last page
                bottom = (ours.number - 1) * 2
                last = ours.number == paginator.num_pages
                assert list(ours) == everything[bottom : bottom + (4 if last else 2)], number
            else:
                assert list(ours) == list(theirs.get_page(number)), number
            keys_sql = queries.captured_queries[-2]["sql"]
            backwards = (number - 1) * 2 * 2 > paginator.count
            assert ("DESC" in keys_sql) == backwards, (lag, number)
            # the count: Django's COUNT without a summary, or before reading from the end
            assert len(queries) == (2 if lag and not backwards else 3), (lag, number)


@pytest.mark.django_db
def test_a_list_whose_order_may_tie_is_always_read_forwards(org_tree):
    """Reversing an order without the pk at its end could list tied rows in another order:
    such a list is read forwards on every page."""
    units = Unit.objects.order_by("depth")
    assert not reversible(units) and reversible(units.order_by("depth", "-pk"))
    with CaptureQueriesContext(connection) as queries:
        assert len(KeysFirstPaginator(units, 2).get_page(4)) == 2
    assert all("DESC" not in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["keys-first", "capped", "grouped"])
def test_keys_and_count_from_a_leaner_queryset(org_tree, kind):
    """With `keys_from` (the same rows without the row-only columns of related tables) the
    pages are the same, and the keys and the count are read without the joins those columns
    need; without it, the keys query carries them."""
    base = Unit.objects.order_by("code", "pk")
    shown = base.values_list("pk", "code", "parent__name", named=True)
    groups = [(lambda qs: qs, base.count())]
    make = {
        "keys-first": lambda **kw: KeysFirstPaginator(shown, 2, **kw),
        "capped": lambda **kw: CappedCountPaginator(shown, 2, cap=3, **kw),
        "grouped": lambda **kw: GroupedKeysPaginator(shown, 2, groups=groups, **kw),
    }[kind]
    theirs = Paginator(shown, 2)
    assert theirs.num_pages > 3
    for number in range(1, theirs.num_pages + 1):
        joins = {}
        for lean in (False, True):
            with CaptureQueriesContext(connection) as queries:
                ours = make(keys_from=base if lean else None).get_page(number)
            assert list(ours) == list(theirs.get_page(number)), (lean, number)
            reads = [q["sql"] for q in queries.captured_queries[:-1]]  # all but the rows
            joins[lean] = any("JOIN" in sql for sql in reads)
        assert joins == {False: True, True: False}, number


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["keys-first", "capped", "grouped"])
@pytest.mark.parametrize("values", [False, True], ids=["instances", "values"])
def test_rows_by_key_give_the_same_pages_compiled_once(org_tree, kind, values):
    """With `rows` (rows_by_key) every page has the rows it has without, in the same order,
    with what `shown` adds (a joined parent, or a related table's column), the short last page
    and a page past the end among them; all pages, whatever their length, bind their keys to
    one compiled query (`shown` builds the stand-ins' query twice, and never again)."""
    built = []

    def shown(qs):
        built.append(qs)
        if values:
            return qs.values_list("pk", "code", "parent__name", named=True)
        return qs.select_related("parent")

    base = Unit.objects.order_by("code", "pk")
    listed = shown(base)
    built.clear()
    groups = [(lambda qs: qs, base.count())]
    make = {
        "keys-first": lambda per_page, **kw: KeysFirstPaginator(listed, per_page, **kw),
        "capped": lambda per_page, **kw: CappedCountPaginator(listed, per_page, cap=3, **kw),
        "grouped": lambda per_page, **kw: GroupedKeysPaginator(
            listed, per_page, groups=groups, **kw
        ),
    }[kind]
    rows = rows_by_key(Unit, shown)
    total = base.count()
    per_page = 3
    assert total % per_page  # a short last page
    theirs = Paginator(listed, per_page)
    lengths = set()
    for number in range(1, theirs.num_pages + 2):
        plain = list(make(per_page).get_page(number))
        ours = list(make(per_page, rows=rows).get_page(number))
        assert ours == plain == list(theirs.get_page(number)), number
        if not values:
            assert [u.parent for u in ours] == [u.parent for u in plain], number
        lengths.add(len(ours))
    assert lengths == {per_page, total % per_page}
    assert len(built) == 2 and rows.compiled(tuple(range(1, per_page + 1)))


@pytest.mark.django_db
def test_rows_by_key_of_an_empty_list_read_nothing(org_tree, django_assert_num_queries):
    """As the ORM with an empty `__in`: no query for the rows of no keys."""
    rows = rows_by_key(Unit, lambda qs: qs)
    nothing = Unit.objects.filter(code="-").order_by("pk")
    with django_assert_num_queries(1):  # the count
        page = KeysFirstPaginator(nothing, 3, rows=rows).get_page(1)
    assert list(page) == []
