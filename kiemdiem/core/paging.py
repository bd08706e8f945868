"""Pagination of long scoped lists: sort the keys, then load one page of rows.

A list page sorts its whole scope (a province: ~70k plans) to show 50 rows. Django's Paginator
sorts the full rows, with every column of every `select_related` table (a review's texts
among them), so the database sorts wide rows; sorting only the primary keys and then loading
the page's 50 rows by key costs a fraction: the plan list's page query went from ~67 ms to
~35 ms on the SQLite province demo (bench/profile_pages.py), and its 50 rows can then join
what the template shows without making the sort wider.
"""

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import migrations
from django.db.models import F, Model, QuerySet
from django.utils.functional import cached_property

from kiemdiem.core.precompiled import Precompiled, padded


class KeysFirstPaginator(Paginator):
    """A Paginator over a QuerySet that sorts and slices primary keys only, then loads the
    page's rows (with the queryset's select_related, prefetches and annotations) by key, in
    the same order. The count is the queryset's own COUNT, unless the page sets one it already
    has (`paginator.count = n`, e.g. from a summary). A count that may lag the rows (a summary
    merged every minute) comes with `last_page_slack`: the last page then shows up to that
    many rows beyond the count, so no row is out of reach while the count catches up.

    `keys_from`: the same rows in the same order without what only the rows show (the list's
    `values()` of related tables): the keys are read from it. The joins those columns need
    stay in a query even when it selects the key alone, and PostgreSQL plans every one of
    them (the plan list's keys: two more tables, 1.3 against 0.4 ms of planning).

    `rows`: the page's rows read by key through a query compiled once (`rows_by_key`) instead
    of `object_list` filtered by the keys, which compiles the list's whole WHERE (its scope)
    again on every page: 0.6–1.8 ms of Python on the province's lists (issue 17). The keys
    came from the scoped list in the same request, so the rows need no scope of their own (a
    row that leaves the list between the two reads is shown as read; a deleted one is not)."""

    object_list: QuerySet
    last_page_slack = 0

    def __init__(
        self,
        object_list,
        per_page,
        *,
        keys_from: QuerySet | None = None,
        rows: Precompiled | None = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.keys_from = object_list if keys_from is None else keys_from
        self.rows = rows

    @cached_property
    def count(self) -> int:
        return self.keys_from.count()

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count + self.last_page_slack
        return self._get_page(self.rows_of(self.keys(bottom, top)), number, self)

    def rows_of(self, keys: list) -> list:
        """The rows of `keys` in their order (a key whose row is gone meanwhile is left out).
        Through `rows`, the keys are passed as per_page of them, the last repeated (a longer
        page, with orphans or slack, as many as it has): one compiled shape for the short last
        page as for the others."""
        if self.rows is None:
            found: Any = self.object_list.order_by().filter(pk__in=keys)
            by_key = {row.pk: row for row in found}
            return [by_key[key] for key in keys if key in by_key]
        return rows_in_order(self.rows, keys, self.per_page)

    def keys(self, bottom: int, top: int) -> list:
        """The primary keys of the list's rows bottom to top (in its order); past the middle
        of the list read from its end (`keys_between`), with the exact count for that."""
        source = self.keys_from
        if not bottom or bottom * 2 <= self.count or not reversible(source):
            return list(source.values_list("pk", flat=True)[bottom:top])
        total = self.count if self.count_is_exact() else source.count()
        return keys_between(source, bottom, top, total)

    def count_is_exact(self) -> bool:
        """Whether `count` is the list's length now (not a summary that may lag it)."""
        return not self.last_page_slack


def rows_in_order(rows: Precompiled, keys: list, size: int) -> list:
    """The rows `rows` (a read by key: `rows_by_key`) gives for `keys`, in their order (a key
    whose row is gone meanwhile is left out); the keys passed as `size` of them (`padded`), so
    one compiled shape serves a short page; no query for no keys (as the ORM's empty `__in`)."""
    by_key = {row.pk: row for row in rows(padded(keys, size))} if keys else {}
    return [by_key[key] for key in keys if key in by_key]


def reversible(qs: QuerySet) -> bool:
    """Whether `qs.reverse()` lists exactly the same rows backwards: its order is explicit and
    ends with the primary key, so no two rows tie."""
    order = qs.query.order_by
    return bool(order) and str(order[-1]).lstrip("-") in ("pk", qs.model._meta.pk.attname)


def keys_between(qs: QuerySet, bottom: int, top: int, total: int) -> list:
    """The primary keys of rows bottom to top of `qs`, which has `total` rows. A page past the
    middle of a `reversible` list is read from its end (`qs.reverse()`, an OFFSET of
    `total - top`) and turned round: the database walks at most half of the list to find a
    page, and the last page is as cheap as the first (issue 17: the cycle page's last page of a
    province, OFFSET 69,650, walked or sorted all 69,657 reviews, 150–370 ms)."""
    top = min(top, total)
    if bottom >= top:
        return []
    if bottom * 2 <= total or not reversible(qs):
        return list(qs.values_list("pk", flat=True)[bottom:top])
    keys = list(qs.reverse().values_list("pk", flat=True)[total - top : total - bottom])
    keys.reverse()
    return keys


# How many rows a long list counts before it says "Hơn 1.000" (more than 1,000): the audit
# trail, the appraisal and verification queues and the home page's queue lines. 10,000 rows
# of a province's trail, each tested against the reader's scope, still took 13 ms a load.
COUNT_CAP = 1000


def counted_lines(rows: list) -> tuple[list, int, bool]:
    """A list's first lines, each carrying `queue_length` (the number of keys read, at most
    COUNT_CAP + 1): (rows, the count up to COUNT_CAP, whether it went past it)."""
    found = rows[0].queue_length if rows else 0
    return rows, min(found, COUNT_CAP), found > COUNT_CAP


class CappedCountPaginator(KeysFirstPaginator):
    """KeysFirstPaginator that counts at most `cap` (COUNT_CAP unless given) + 1 rows (a COUNT
    over a LIMITed subquery): a list as long as a province's audit trail (hundreds of
    thousands of rows, growing every day) or a country's queue shows "more than 1,000"
    instead of scanning the whole scope on every page load. A page past the cap (`?page=`
    typed by hand, or the last one the pager links) counts exactly, so every row stays
    reachable. `capped` tells the template whether `count` stopped at the cap (it is then
    cap + 1).

    The count is the length of the list's first cap + 1 keys, read in its order and kept: a
    page within them takes its keys from there, so the database walks the scope once, not
    once to count and again for the page (issue 17, PostgreSQL province: the audit page's
    count and keys 7.7 + 5.0 ms against 5.6 ms for the first 1,001 keys; the queues alike).

    `first`: a function giving the list's first n keys in its order by a query compiled once
    (the queues: their rule's keys precompiled), instead of the list's own keys query.

    `exact`: a list longer than the cap is counted at once (a COUNT), so the count is always
    exact, as Django's Paginator's: a list that is short most of the time (the suggestions, the
    cycles) then reads its count and its page's keys in one query, and a keys-first page costs
    no more round trips than Django's (a COUNT and the page's rows)."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        cap: int | None = None,
        first: Callable[[int], list] | None = None,
        exact: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.first = first
        self.exact = exact
        self.capped = False
        self.first_keys: list | None = None  # read with the count

    @cached_property
    def count(self) -> int:
        n = self.cap + 1
        self.first_keys = self.first(n) if self.first else super().keys(0, n)
        found = len(self.first_keys)
        if found > self.cap and self.exact:
            return self.keys_from.count()
        self.capped = found > self.cap
        return found  # cap + 1 when capped: the last page of the cap links to the next

    def keys(self, bottom: int, top: int) -> list:
        first = self.first_keys
        if first is not None and (top <= len(first) or len(first) <= self.cap):
            return first[bottom:top]  # within the keys read, or they are the whole list
        return super().keys(bottom, top)

    def count_is_exact(self) -> bool:
        return not self.capped

    def validate_number(self, number) -> int:
        if self.count and self.capped:
            try:
                wanted = int(number)
            except (TypeError, ValueError):
                wanted = 1
            if wanted >= self.num_pages:  # the cap's edge or past it: the exact count
                self.__dict__["count"] = self.keys_from.count()
                self.__dict__.pop("num_pages", None)
                self.capped = False
        return super().validate_number(number)


def filter_unindexed(qs: QuerySet, field: str, values: list) -> QuerySet:
    """`qs` filtered by `field IN values`, written `field + 0 IN (…)` so that no database
    drives the query through an index on `field`: a list sorted by unit path then walks the
    units in path order (org_unit_path_order_idx) and reads each unit's rows by
    (unit, field) until it has a page (PostgreSQL: Incremental Sort under the LIMIT; SQLite:
    "TEMP B-TREE FOR RIGHT PART OF ORDER BY"). Without it both planners read every row of the
    cycle through the cycle index and sorted them all (~90 ms per page on the province demo,
    ~0.3 ms after). The rows are the same; only the plan changes."""
    return qs.alias(_unindexed=F(field) + 0).filter(_unindexed__in=values)


def unindexed_statistics(table: str, column: str) -> migrations.RunPython:
    """A migration's operation giving PostgreSQL statistics on `column + 0`, the expression
    filter_unindexed writes. Without them the planner guesses 0.5 % of the rows match (348 of
    a province's 69,657 reviews) and, from the third page on, prefers a hash join and a sort of
    the whole scope (274–596 ms) to the walk in path order (under 3 ms for page 20). SQLite
    needs nothing: it has no estimate to correct."""
    name = f"{table}_{column}_unindexed"

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE STATISTICS {name} ON (({column} + 0)) FROM {table}")
            schema_editor.execute(f"ANALYZE {table}")

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")

    return migrations.RunPython(create, drop)


class GroupedKeysPaginator(KeysFirstPaginator):
    """KeysFirstPaginator over a list whose order begins with a coarse key (the plan list:
    the cycle's year, newest first) that no index can serve together with the rest of the
    order. `groups` lists, in the list's order, each group as (a function of the queryset
    keeping that group's rows, its number of rows); a page reads its keys group by group
    (each group's order is then served by an index), and the count is the groups' sum (no
    COUNT of the whole scope)."""

    def __init__(self, object_list, per_page, *, groups: list, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.groups = groups
        self.__dict__["count"] = sum(n for _keep, n in groups)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys: list = []
        start = 0
        for keep, n in self.groups:
            if start < top and bottom < start + n:
                group = keep(self.keys_from)
                keys += keys_between(group, max(bottom - start, 0), top - start, n)
            start += n
        return self._get_page(self.rows_of(keys), number, self)


def rows_by_key(model: type[Model], shown: Callable[[QuerySet], QuerySet]) -> Precompiled:
    """The `rows` of a keys-first paginator: `shown(rows of the given keys)`, in no order (the
    paginator puts them in the keys' order), compiled once. `shown` is the function that gives
    the list its row columns (select_related, annotations, values), so they are written once."""
    return Precompiled(lambda keys: shown(model._default_manager.filter(pk__in=keys)).order_by())
