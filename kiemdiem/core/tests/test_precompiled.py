"""core.precompiled: a fixed-shape query compiled once gives the rows the QuerySet gives."""

from unittest import mock

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.models import Unit


def children(parent_id):
    return Unit.objects.filter(parent_id=parent_id).select_related("parent").order_by("path")


@pytest.mark.django_db
def test_rows_as_the_queryset_gives_them_compiled_once(org_tree):
    query = Precompiled(children, int)
    parents = [org_tree.province_a, org_tree.grassroots_a1, org_tree.cell_a1]
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        got = {p.pk: query(p.pk) for p in parents}
        again = {p.pk: query(p.pk) for p in parents}
    assert sql.call_count == 1  # the stand-in's compile; every use binds its value
    assert query.compiled()
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
        int,
    )
    parent = org_tree.province_a
    with django_assert_num_queries(2):  # the rows, their children; not the parent again
        rows = query(parent.pk, known={"parent": parent})
        assert rows and all(u.parent is parent for u in rows)
        children_of = [list(u.children.all()) for u in rows]
    assert rows == list(Unit.objects.filter(parent=parent).order_by("path"))
    assert children_of == [list(Unit.objects.filter(parent=u)) for u in rows]


@pytest.mark.django_db
def test_a_value_not_found_once_is_compiled_every_time(org_tree):
    query = Precompiled(lambda pk: Unit.objects.filter(Q(pk=pk) | Q(parent_id=pk)), int)
    unit = org_tree.grassroots_a1
    assert not query.compiled()
    with CaptureQueriesContext(connection) as queries:
        rows = query(unit.pk)
    assert len(queries) == 1
    assert set(rows) == {unit, *Unit.objects.filter(parent=unit)}
