from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import (
    GROUP_FIELDS,
    Access,
    ReadByAccess,
    VisibleByKey,
    access_for,
    collapse,
    visible_groups,
    visible_groups_by,
    visible_people,
    visible_subtrees,
    visible_units,
)


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_collapse_drops_nested_paths():
    assert collapse(["a.b.", "a.", "c."]) == ("a.", "c.")


def test_unit_head_sees_own_province_subtree_only(org_tree, unit_head):
    visible = codes(visible_units(unit_head))
    assert "TU38" in visible and "CB38A1" in visible
    assert "TU42" not in visible and "CB42B1" not in visible and "TW" not in visible


def test_overseer_sees_the_commune_subtree(org_tree, overseer):
    assert codes(visible_units(overseer)) == {"X38A1", "CS38A1", "CB38A1", "CB38A1B"}


def test_outsider_sees_nothing_of_province_a(org_tree, outsider):
    assert codes(visible_units(outsider)) == {"TU42", "X42B1", "X42B2", "CB42B1"}
    assert set(visible_people(outsider)) == {org_tree.member_b1}


def test_member_sees_self_and_own_cell(org_tree, member):
    assert codes(visible_units(member)) == {"CB38A1"}
    assert set(visible_people(member)) == set(org_tree.members_a1)
    assert access_for(member).can_read_audit is False


def test_admin_sees_everything(org_tree, admin):
    assert visible_units(admin).count() == Unit.objects.count()


def test_user_without_role_sees_nothing(org_tree, django_user_model):
    nobody = django_user_model.objects.create_user("khongai", password="x-y-z-12345")
    assert not visible_units(nobody).exists()
    assert not visible_people(nobody).exists()


def test_visible_by_key_finds_what_scope_lets_each_user_see(
    org_tree, unit_head, overseer, outsider, member, admin, django_user_model
):
    """The precompiled lookup and `visible_units` agree for every user and unit: the unit when
    it is in the user's scope (with what it joins), a 404 otherwise; compiled once for each
    number of subtrees a user has, not once per user or unit."""
    nobody = django_user_model.objects.create_user("khongai", password="x-y-z-12345")
    lookup = VisibleByKey(lambda: Unit.objects.select_related("parent"), via="")
    units = list(Unit.objects.select_related("parent"))
    users = [unit_head, overseer, outsider, member, admin, nobody]
    visible = {user: set(visible_units(user)) for user in users}
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        for user in users:
            for unit in units:
                if unit in visible[user]:
                    found = lookup(user, unit.pk)
                    assert found == unit and found.parent == unit.parent
                else:
                    with pytest.raises(Http404):
                        lookup(user, unit.pk)
    subtrees = [visible_subtrees(access_for(user)) for user in users]
    shapes = {None if paths is None else len(paths) for paths in subtrees}
    # once a shape; the empty one's twice (core.precompiled checks it matches nothing anyway)
    assert 0 < sql.call_count <= len(shapes) + 1 <= len(users)
    for user in users:
        with pytest.raises(Http404):
            lookup(user, 2**63)  # a key no column holds: no row, and no database error


def test_read_by_access_reads_the_named_fields_only(oversight, unit_head, outsider, admin):
    """A rule over an Access, precompiled: for each user the rows the rule gives with their
    whole Access; a field the rule reads but the read does not name stays at its default,
    which narrows the read (the administrator's `everything` left out: nothing of theirs)."""
    groups = ReadByAccess(
        lambda access, name: visible_groups_by(access).exclude(name=name).order_by("pk"),
        fields=GROUP_FIELDS,
    )
    seen = 0
    for user in [oversight.leader_user, oversight.member_user, unit_head, outsider, admin]:
        access = access_for(user)
        assert groups.compiled(access, "")
        rows = groups(access, "")
        assert rows == list(visible_groups(user).order_by("pk")), user.username
        assert groups(access, oversight.group.name) == [g for g in rows if g != oversight.group]
        seen += len(rows)
    assert seen
    narrow = ReadByAccess(visible_groups_by, fields=("unit_paths", "group_ids"))
    everything = access_for(admin)
    assert everything.everything and list(visible_groups(admin))
    assert narrow(everything) == [] and narrow(Access(everything=True)) == []


def test_first_top_unit_and_unit_in_scope_follow_the_scope(
    org_tree, unit_head, overseer, outsider, member, admin, django_user_model
):
    """Where a page given no unit starts, and the unit a page's ?don_vi= names, read through
    queries compiled once: as `top_units` and `visible_units` give them, for every user."""
    from kiemdiem.org.scoping import first_top_unit, top_units
    from kiemdiem.org.selectors import unit_in_scope

    nobody = django_user_model.objects.create_user("khongai", password="x-y-z-12345")
    units = list(Unit.objects.all())
    for user in [unit_head, overseer, outsider, member, admin, nobody]:
        assert first_top_unit(user) == top_units(user).order_by("path").first(), user.username
        visible = set(visible_units(user))
        for unit in units:
            assert unit_in_scope(user, str(unit.pk)) == (unit if unit in visible else None)
        assert unit_in_scope(user, "9" * 18) is None and unit_in_scope(user, "x") is None
    assert first_top_unit(admin).parent_id is None and first_top_unit(nobody) is None


def test_the_tree_page_roots_are_the_top_units(
    client, org_tree, unit_head, overseer, outsider, member, admin
):
    """The tree page starts at `top_units` (read through a query compiled once), by name."""
    from django.urls import reverse

    from kiemdiem.core.sorting import natural_key
    from kiemdiem.org import scoping
    from kiemdiem.org.scoping import top_units

    for user in [unit_head, overseer, outsider, member, admin]:
        client.force_login(user)
        roots = client.get(reverse("org:unit-tree")).context["roots"]
        expected = sorted(top_units(user), key=lambda u: natural_key(u.name))
        assert roots == expected and roots, user.username
        assert scoping._TOP_UNITS.compiled(visible_subtrees(access_for(user)))
