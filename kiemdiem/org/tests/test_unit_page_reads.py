"""The unit page's small reads (org.selectors), compiled once, give what the ORM gives."""

import datetime
from unittest import mock

from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from kiemdiem.org import selectors
from kiemdiem.org.models import LEADER_ROLES, Position, Unit, UnitSuccession

D = datetime.date


def test_leaders_past_children_successions_and_ancestors_as_the_orm_reads_them(
    org_tree, unit_head, cell_secretary
):
    today = timezone.localdate()
    old, new = org_tree.cell_a1, org_tree.grassroots_a1
    Unit.objects.filter(pk=old.pk).update(valid_to=today - datetime.timedelta(days=1))
    UnitSuccession.objects.create(predecessor=old, successor=new, effective_on=D(2025, 7, 1))
    units = list(Unit.objects.all())
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        read = {
            u: (
                selectors.unit_leaders(u),
                selectors.past_children(u),
                selectors.successions(u),
                selectors.unit_ancestors(u),
            )
            for u in units
        }
    assert sql.call_count <= 5 + 6  # the five reads; the ancestors once per depth (0–5)
    order = {role: i for i, role in enumerate(LEADER_ROLES)}
    for unit, (leaders, past, (into, out_of), ancestors) in read.items():
        positions = Position.objects.current().filter(unit=unit).select_related("person")
        assert leaders == sorted(
            positions, key=lambda p: (order.get(p.role, 99), p.person.sort_key)
        )
        assert past == list(unit.children.filter(valid_to__lt=today).order_by("name"))
        assert into == list(unit.successions.all()) and out_of == list(unit.predecessions.all())
        assert [a.path for a in ancestors] == unit.ancestor_paths()[:-1]
    assert read[new][2][1][0].predecessor == old and read[old][2][0][0].successor == new
    assert read[new][1] == [old] and any(leaders for leaders, *_ in read.values())
