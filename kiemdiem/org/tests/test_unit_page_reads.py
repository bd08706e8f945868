"""The unit page's small reads (org.selectors), compiled once, give what the ORM gives."""

import datetime
from unittest import mock

from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import selectors, services
from kiemdiem.org.models import LEADER_ROLES, Membership, Position, Unit, UnitSuccession
from kiemdiem.org.tests.factories import PersonFactory, UnitFactory

D = datetime.date
START = D(2025, 7, 1)


def test_leaders_successions_and_ancestors_as_the_orm_reads_them(
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
                selectors.successions(u),
                selectors.unit_ancestors(u),
            )
            for u in units
        }
    assert sql.call_count <= 2 + 6  # the two reads; the ancestors once per depth (0–5)
    order = {role: i for i, role in enumerate(LEADER_ROLES)}
    for unit, (leaders, (into, out_of), ancestors) in read.items():
        positions = Position.objects.current().filter(unit=unit).select_related("person")
        assert leaders == sorted(
            positions, key=lambda p: (order.get(p.role, 99), p.person.sort_key)
        )
        assert into == list(unit.successions.all()) and out_of == list(unit.predecessions.all())
        assert [a.path for a in ancestors] == unit.ancestor_paths()[:-1]
    assert read[new][1][1][0].predecessor == old and read[old][1][0][0].successor == new
    assert any(leaders for leaders, *_ in read.values())


def _compiles():
    compile_sql = SQLCompiler.as_sql
    return mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql)


def test_surroundings_are_the_ancestors_children_and_abolished_children(org_tree):
    """One read gives what unit_ancestors, children_with_member_counts and the abolished
    children by name gave: for every unit, with a child abolished, one not yet valid, and
    namesakes (their order by name, then path)."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    grassroots = org_tree.grassroots_a1
    Unit.objects.filter(pk=org_tree.cell_a1.pk).update(valid_to=today - day)
    for code, end in (("ZA", today - 2 * day), ("ZB", today - day)):
        UnitFactory(code=code, name="Chi bộ Xưa", parent=grassroots)
        Unit.objects.filter(code=code).update(valid_to=end)
    UnitFactory(code="ZC", name="Chi bộ sắp lập", parent=grassroots)
    Unit.objects.filter(code="ZC").update(valid_from=today + day)
    units = list(Unit.objects.all())
    with _compiles() as sql:
        read = {u: selectors.unit_surroundings(u) for u in units}
    assert sql.call_count <= 6  # once per depth (0–5), whatever the unit
    for unit, around in read.items():
        current = selectors.children_with_member_counts(Unit.objects.get(pk=unit.pk))
        assert [(c.pk, c.member_count) for c in around.children] == [
            (c.pk, c.member_count) for c in current
        ]
        assert unit.member_count == sum(selectors.subtree_member_counts([unit])[unit.pk])
        past = unit.children.filter(valid_to__lt=today).order_by("name", "path")
        assert around.past_children == list(past)
        assert around.ancestors == selectors.unit_ancestors(unit)
        shown = [*around.ancestors, *around.children, *around.past_children]
        assert all(u.name and u.path and u.kind for u in shown)
    assert [u.code for u in read[grassroots].past_children] == ["CB38A1", "ZA", "ZB"]
    assert [u.code for u in read[grassroots].children] == ["CB38A1B"]
    assert [u.path for u in read[org_tree.cell_a1].ancestors] == org_tree.cell_a1.ancestor_paths()[
        :-1
    ]


def test_members_page_is_the_orm_page(org_tree, django_assert_num_queries):
    """Each page of a unit's members (keys, then rows by key) shows what Django's paginator
    over unit_members shows, and reads nothing more for an empty unit than its keys."""
    from django.core.paginator import Paginator

    cell = org_tree.cell_a1
    for person in PersonFactory.create_batch(4):
        services.membership_add(person=person, unit=cell, valid_from=START, by=SYSTEM)
    old = PersonFactory()
    services.membership_add(person=old, unit=cell, valid_from=START, by=SYSTEM)
    Membership.objects.filter(person=old).update(valid_to=START)  # not a member today
    numbers = (None, "1", "2", "3", "4", "x")
    selectors.unit_members_page(cell, None, 3)  # compiled here, once
    with _compiles() as sql:
        pages = [selectors.unit_members_page(cell, number, 3) for number in numbers]
    assert sql.call_count == 0
    for number, page in zip(numbers, pages, strict=True):
        orm = Paginator(selectors.unit_members(cell), 3).get_page(number)
        assert list(page) == list(orm) and page.number == orm.number
        assert page.paginator.count == orm.paginator.count == 7
        assert page.start_index() == orm.start_index()
    with django_assert_num_queries(1):
        assert list(selectors.unit_members_page(org_tree.province_a, None, 3)) == []
