"""What every list paged keys-first with its rows read by key (core.paging.rows_by_key) must
show: the pages of the list's own query paged by Django (issue 17, the lists moved in session
14). Used by each list's tests."""

from collections.abc import Callable
from types import ModuleType

from django.core.paginator import Paginator
from django.db.models import Model, QuerySet

from kiemdiem.core import paging
from kiemdiem.core.paging import rows_by_key


def assert_pages_are_the_lists(
    client,
    monkeypatch,
    *,
    views: ModuleType,
    rows: str,
    model: type[Model],
    shown: Callable[[QuerySet], QuerySet],
    url: str,
    lists: list[tuple[object, QuerySet]],
    seen: Callable[[Model], tuple],
    per_page: str = "PER_PAGE",
) -> None:
    """`lists` gives, for users of different scopes, the list's own query. As each user, every
    page of `url` (3 rows a page, the short last one and one past the end among them) shows the
    rows of that query paged by Django's Paginator, `seen` as the template shows them: the
    same count, the same rows in the same order, whether the count came with the first keys
    or, the list being longer than the cap, from a COUNT. The view's rows (`views.<rows>`,
    `shown` read by key) are built twice (Precompiled's stand-ins, then compiled) and never
    again, whatever the page and the user."""
    built = []

    def counted(qs: QuerySet) -> QuerySet:
        built.append(qs)
        return shown(qs)

    monkeypatch.setattr(views, rows, rows_by_key(model, counted))
    monkeypatch.setattr(views, per_page, 3)
    counts = set()
    for user, expected in lists:
        plain = Paginator(expected, 3)
        counts.add(plain.count)
        client.force_login(user)
        # the count read with the first keys (COUNT_CAP), then past a cap of 4: counted exactly
        for cap in (paging.COUNT_CAP, 4):
            monkeypatch.setattr(paging, "COUNT_CAP", cap)
            for number in range(1, plain.num_pages + 2):
                page = client.get(url, {"page": number}).context["page"]
                assert page.paginator.count == plain.count, (user, cap, number)
                assert not page.paginator.capped
                assert page.number == plain.get_page(number).number
                assert [seen(row) for row in page] == [
                    seen(row) for row in plain.get_page(number)
                ], (user, cap, number)
    assert len(counts) == len(lists), f"the scopes should see lists of different lengths: {counts}"
    assert any(n > 3 and n % 3 for n in counts), "a later page and a short last page"
    assert len(built) == 2
    assert getattr(views, rows).compiled((1, 2, 3))
