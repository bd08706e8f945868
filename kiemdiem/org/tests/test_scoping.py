from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, collapse, visible_people, visible_units


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
