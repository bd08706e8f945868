"""core.precompiled: a fixed-shape query compiled once gives the rows the QuerySet gives."""

import datetime
import functools
import operator
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiemdiem.core.models import AuditEvent
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.models import Unit, UnitKind
from kiemdiem.org.scoping import paths_q


def children(parent_id):
    return Unit.objects.filter(parent_id=parent_id).select_related("parent").order_by("path")


@pytest.mark.django_db
def test_rows_as_the_queryset_gives_them_compiled_once(org_tree):
    query = Precompiled(children)
    parents = [org_tree.province_a, org_tree.grassroots_a1, org_tree.cell_a1]
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        got = {p.pk: query(p.pk) for p in parents}
        again = {p.pk: query(p.pk) for p in parents}
    assert sql.call_count == 1  # the stand-in's compile; every use binds its value
    assert query.compiled(parents[0].pk)
    for parent in parents:
        expected = list(children(parent.pk))
        assert got[parent.pk] == again[parent.pk] == expected
        assert [u.parent for u in got[parent.pk]] == [u.parent for u in expected]
    assert got[org_tree.province_a.pk]  # not all empty: the values are bound, not the stand-in


@pytest.mark.django_db
def test_known_parent_and_prefetch(org_tree, django_assert_num_queries):
    query = Precompiled(
        lambda parent_id: (
            Unit.objects.filter(parent_id=parent_id).prefetch_related("children").order_by("path")
        ),
    )
    parent = org_tree.province_a
    with django_assert_num_queries(2):  # the rows, their children; not the parent again
        rows = query(parent.pk, known={"parent": parent})
        assert rows and all(u.parent is parent for u in rows)
        children_of = [list(u.children.all()) for u in rows]
    assert rows == list(Unit.objects.filter(parent=parent).order_by("path"))
    assert children_of == [list(Unit.objects.filter(parent=u)) for u in rows]


@pytest.mark.django_db
def test_a_value_used_twice_is_bound_twice(org_tree):
    query = Precompiled(lambda pk: Unit.objects.filter(Q(pk=pk) | Q(parent_id=pk)))
    unit = org_tree.grassroots_a1
    assert query.compiled(unit.pk)
    rows = query(unit.pk)
    assert set(rows) == {unit, *Unit.objects.filter(parent=unit)}
    assert len(rows) > 1


def _compiles(query, *values):
    """The rows of query(*values) and how many times the ORM compiled SQL for them."""
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        rows = query(*values)
    return rows, sql.call_count


def in_subtrees(ids, prefixes, since, cells_only):
    """Units by id or under a prefix, valid from a day on: `__in`, startswith, a date, a flag."""
    qs = Unit.objects.filter(Q(pk__in=ids) | paths_q(prefixes, "path"))
    qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__gte=since))
    if cells_only:
        qs = qs.filter(kind=UnitKind.SUBORDINATE_CELL)
    return qs.order_by("path")


@pytest.mark.django_db
def test_lists_prefixes_and_dates_compiled_once_per_shape(org_tree):
    query = Precompiled(in_subtrees)
    Unit.objects.filter(pk=org_tree.district_b1.pk).update(valid_from=datetime.date(2024, 5, 1))
    a, b = org_tree.province_a, org_tree.province_b
    uses = [
        ((a.pk,), (b.path,), datetime.date(2020, 1, 1), False),
        ((b.pk, org_tree.cell_a1.pk), (a.path, org_tree.district_b1.path), DAY, False),
        ((b.pk, org_tree.cell_a1.pk), (a.path,), datetime.date(2025, 1, 1), False),
        ((), (org_tree.district_a1.path,), DAY, True),
        ((a.pk,), (b.path,), datetime.date(2024, 6, 1), False),  # the first shape again
    ]
    compiles = []
    for values in uses:
        rows, count = _compiles(query, *values)
        assert query.compiled(*values)
        expected = list(in_subtrees(*values))
        assert rows == expected, values
        assert rows  # the values were bound, not the stand-ins
        compiles.append(count)
    # once per shape: the stand-ins' compile; a use binds its values
    assert compiles == [1, 1, 1, 1, 0]
    again, count = _compiles(query, *uses[1])
    assert count == 0 and again == list(in_subtrees(*uses[1]))
    # the date is bound: district_b1 (valid from 2024-05-01) drops out after that day
    later = [u.pk for u in query(*uses[4])]
    assert org_tree.district_b1.pk not in later and b.pk in later


DAY = datetime.date(2000, 1, 1)


@pytest.mark.django_db
def test_frozensets_of_pairs_bound_pair_by_pair(org_tree):
    query = Precompiled(
        lambda pairs: Unit.objects.filter(
            functools.reduce(
                operator.or_,
                [Q(parent_id=parent, kind=kind) for parent, kind in sorted(pairs)],
                Q(pk__in=[]),
            )
        ).order_by("path")
    )
    pairs = frozenset(
        {
            (org_tree.province_a.pk, UnitKind.COMMUNE.value),
            (org_tree.district_b1.pk, UnitKind.GRASSROOTS_COMMITTEE.value),
            (org_tree.grassroots_a1.pk, UnitKind.SUBORDINATE_CELL.value),
        }
    )
    for value in (pairs, frozenset(list(pairs)[:2]), pairs):
        expected = list(
            Unit.objects.filter(
                functools.reduce(operator.or_, [Q(parent_id=p, kind=k) for p, k in value])
            ).order_by("path")
        )
        assert query(*[value]) == expected
    assert query.compiled(pairs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "build, value",
    [
        (lambda pk: Unit.objects.filter(Q(pk=pk) | Q(pk=pk + 1)), 1),  # computed with
        (lambda name: Unit.objects.filter(name__contains=name), "Đảng"),  # not a prefix
        (  # a date computed with (as SQLite's text, or a date on PostgreSQL)
            lambda day: Unit.objects.filter(
                Q(valid_from=day) | Q(valid_to=day + datetime.timedelta(days=30))
            ),
            DAY,
        ),
        (lambda n: Unit.objects.order_by("path")[:n], 3),  # in the SQL itself
        (lambda pk: Unit.objects.filter(pk=1), 1),  # a value not used: not this query's shape
        (lambda when: Unit.objects.filter(created_at__lte=when), None),  # None: a value as is
    ],
)
def test_what_is_not_recognised_is_compiled_every_time(org_tree, build, value):
    query = Precompiled(build)
    values = (value,) if value is not None else (timezone.now(),)  # a datetime: not a shape
    assert not query.compiled(*values)
    with CaptureQueriesContext(connection) as queries:
        rows = query(*values)
    assert len(queries) == 1
    assert rows == list(build(*values))


@pytest.mark.django_db
def test_a_prefix_needing_like_escaping_is_compiled(org_tree):
    query = Precompiled(lambda prefix: Unit.objects.filter(path__startswith=prefix))
    Unit.objects.filter(pk=org_tree.cell_a1.pk).update(path="a_b%c\\d.")
    Unit.objects.filter(pk=org_tree.cell_b1.pk).update(path="axbxcxd.")
    assert query(org_tree.province_a.path) == list(
        Unit.objects.filter(path__startswith=org_tree.province_a.path)
    )
    rows, count = _compiles(query, "a_b%c\\")
    assert count == 1  # compiled for this value: the ORM escapes it
    assert [u.pk for u in rows] == [org_tree.cell_a1.pk]


@pytest.mark.django_db
def test_an_empty_in_list_reads_nothing(org_tree):
    query = Precompiled(lambda ids: Unit.objects.filter(pk__in=ids))
    with CaptureQueriesContext(connection) as queries:
        assert query(()) == []
    assert not queries and query.compiled(())
    assert query((org_tree.root.pk,)) == [org_tree.root]


@pytest.mark.django_db
def test_a_key_no_column_holds_finds_nothing_as_the_orm_does(org_tree):
    """A key typed in a URL may be larger than any 64-bit column: the ORM matches nothing for
    it, where bound as it is the database would refuse the query."""
    query = Precompiled(lambda pk: Unit.objects.filter(pk=pk))
    too_large = 2**63
    assert not query.compiled(too_large)
    assert query(too_large) == list(Unit.objects.filter(pk=too_large)) == []
    assert query.compiled(2**63 - 1) and query(2**63 - 1) == []
    assert query(org_tree.cell_a1.pk) == [org_tree.cell_a1]


@pytest.mark.django_db
def test_integer_fields_values_are_bound_as_postgresql_types_them(org_tree):
    """PostgreSQL's backend passes an integer field's value typed (psycopg's Int8 for a big
    int): it is recognised and bound with that type. A small int's column cannot hold a
    stand-in (the ORM then matches nothing): such a query is compiled on each use, never
    answered empty."""
    by_depth = Precompiled(lambda depth: Unit.objects.filter(depth=depth).order_by("path"))
    for depth in range(4):
        assert by_depth(depth) == list(Unit.objects.filter(depth=depth).order_by("path"))
        assert by_depth(depth)
    assert by_depth(2**15) == list(Unit.objects.filter(depth=2**15)) == []
    by_ref = Precompiled(lambda ref: AuditEvent.objects.filter(unit_ref=ref).order_by("pk"))
    refs = set(AuditEvent.objects.exclude(unit_ref=None).values_list("unit_ref", flat=True))
    assert refs
    for ref in refs:
        assert by_ref(ref) == list(AuditEvent.objects.filter(unit_ref=ref).order_by("pk"))
    assert by_ref.compiled(min(refs))
