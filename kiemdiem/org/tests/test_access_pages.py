"""Linking logins to people and granting/revoking roles on a unit, from the pages."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_user
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import AccessGrant, AccessRole, PositionRole
from kiemdiem.org.permissions import can_edit_person
from kiemdiem.org.scoping import compute_access


@pytest.fixture
def newcomer(db):
    return make_user("canbo_moi")


def _grant_url(org_tree):
    return reverse("org:unit-access", args=[org_tree.district_a1.pk])


def test_office_grants_a_role_and_the_login_gets_that_scope(client, org_tree, office, newcomer):
    client.force_login(office)
    assert "Chưa giao quyền nào" in client.get(_grant_url(org_tree)).content.decode()
    response = client.post(
        _grant_url(org_tree), {"account": " canbo_moi ", "role": "standing", "reason": "QĐ 3"}
    )
    assert response.status_code == 302
    assert compute_access(newcomer).unit_paths == (org_tree.district_a1.path,)
    event = AuditEvent.objects.get(object_type="org.accessgrant", actor=office)
    assert event.reason == "QĐ 3" and event.unit_ref == org_tree.district_a1.pk
    page = client.get(_grant_url(org_tree)).content.decode()
    assert "canbo_moi" in page and "Ủy viên Ban Thường vụ" in page


def test_office_revokes_a_role_and_can_give_it_again(client, org_tree, office, newcomer):
    grant = services.access_grant(
        user=newcomer,
        unit=org_tree.district_a1,
        role=AccessRole.OFFICE,
        by=SYSTEM,
        valid_from=datetime.date(2025, 7, 1),
    )
    client.force_login(office)
    url = reverse("org:access-revoke", args=[org_tree.district_a1.pk, grant.pk])
    response = client.post(url, {"version": grant.version, "reason": "nghỉ hưu"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.valid_to == datetime.date.today() - datetime.timedelta(days=1)
    assert compute_access(newcomer).unit_paths == ()
    assert AuditEvent.objects.filter(
        object_type="org.accessgrant", action="update", reason="nghỉ hưu"
    ).exists()
    # A second revoke of the same (now stale) grant changes nothing.
    client.post(url, {"version": 1})
    grant.refresh_from_db()
    assert grant.version == 2
    client.post(_grant_url(org_tree), {"account": "canbo_moi", "role": "office"})
    grant.refresh_from_db()
    assert grant.valid_to is None and compute_access(newcomer).office_paths == (
        org_tree.district_a1.path,
    )
    assert AccessGrant.objects.filter(user=newcomer).count() == 1


def test_revoke_page_refuses_get(client, org_tree, office, newcomer):
    grant = services.access_grant(
        user=newcomer, unit=org_tree.district_a1, role=AccessRole.OFFICE, by=SYSTEM
    )
    client.force_login(office)
    url = reverse("org:access-revoke", args=[org_tree.district_a1.pk, grant.pk])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"account": "khong_ton_tai", "role": "office"}, "Không có tài khoản đang hoạt động"),
        ({"account": "quantri", "role": "office"}, "Không có tài khoản đang hoạt động"),
        ({"account": "canbo_moi", "role": "vua"}, "vua"),
    ],
)
def test_grant_with_bad_input_shows_the_error_and_grants_nothing(
    client, org_tree, office, newcomer, admin, data, message
):
    client.force_login(office)
    response = client.post(_grant_url(org_tree), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not AccessGrant.objects.filter(user__in=[newcomer, admin]).exists()


def test_outsider_gets_404_on_access_and_account_pages(client, org_tree, outsider, office):
    grant = AccessGrant.objects.get(user=office)
    person = org_tree.members_a1[0]
    client.force_login(outsider)
    for url in [
        reverse("org:unit-access", args=[org_tree.province_a.pk]),
        reverse("org:person-account", args=[person.pk]),
    ]:
        assert client.get(url).status_code == 404
        assert client.post(url, {"account": "vanphong_b", "role": "office"}).status_code == 404
    revoke = reverse("org:access-revoke", args=[org_tree.province_a.pk, grant.pk])
    assert client.post(revoke, {"version": grant.version}).status_code == 404
    grant.refresh_from_db()
    assert grant.valid_to is None
    # A grant of another unit, reached through a unit the outsider does manage: 404 too.
    own = reverse("org:access-revoke", args=[org_tree.province_b.pk, grant.pk])
    assert client.post(own, {"version": grant.version}).status_code == 404
    grant.refresh_from_db()
    assert grant.valid_to is None


def test_unit_head_without_office_role_cannot_grant_or_link(client, org_tree, unit_head):
    client.force_login(unit_head)
    assert client.get(reverse("org:unit-access", args=[org_tree.district_a1.pk])).status_code == 403
    person = org_tree.members_a1[0]
    assert client.get(reverse("org:person-account", args=[person.pk])).status_code == 403


def test_office_links_a_login_to_a_person_and_removes_it(client, org_tree, office, newcomer):
    person = org_tree.members_a1[1]
    url = reverse("org:person-account", args=[person.pk])
    client.force_login(office)
    response = client.post(url, {"account": "canbo_moi", "version": person.version})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user == newcomer
    assert compute_access(newcomer).cell_paths == (org_tree.cell_a1.path,)
    event = AuditEvent.objects.get(object_type="org.person", action="update", actor=office)
    assert event.changes == {"user": [None, "canbo_moi"]} and event.person_id_ref == person.pk
    response = client.post(url, {"account": "", "version": person.version})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user is None and compute_access(newcomer).cell_paths == ()


def test_a_login_belongs_to_one_person(org_tree, member, newcomer, admin):
    other = org_tree.members_a1[1]
    with pytest.raises(DomainError, match="đã gắn với Nguyễn Văn Đức"):
        services.person_link_user(person=other, user=member, by=SYSTEM)
    with pytest.raises(DomainError, match="đã có tài khoản “dangvien_a1”"):
        services.person_link_user(person=org_tree.members_a1[0], user=newcomer, by=SYSTEM)
    with pytest.raises(DomainError, match="quản trị"):
        services.person_link_user(person=other, user=admin, by=SYSTEM)
    other.refresh_from_db()
    assert other.user is None and other.version == 1


@pytest.mark.parametrize(
    ("login", "person_index", "message"),
    [
        ("dangvien_a1", 1, "đã gắn với Nguyễn Văn Đức"),  # the login is someone else's
        ("canbo_moi", 0, "đã có tài khoản “dangvien_a1”"),  # the person has another login
        ("quantri", 1, "quản trị"),  # only an administrator may even type an admin login
    ],
)
def test_link_refusal_is_shown_next_to_the_account_field(
    client, org_tree, member, newcomer, admin, login, person_index, message
):
    person = org_tree.members_a1[person_index]
    client.force_login(admin)
    url = reverse("org:person-account", args=[person.pk])
    response = client.post(url, {"account": login, "version": person.version})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors["account"]) and not form.non_field_errors()
    person.refresh_from_db()
    assert person.version == 1


LEFT_A1 = datetime.date(2025, 12, 31)
JOINED_B = datetime.date(2026, 1, 1)


def _now_leads_province_b(org_tree, *, cell_in_b: bool):
    """A former member of cell A1 who now is the secretary of province B (the review's probe)."""
    person = org_tree.members_a1[1]
    services.membership_end(membership=person.memberships.get(), valid_to=LEFT_A1, by=SYSTEM)
    if cell_in_b:
        services.membership_add(
            person=person, unit=org_tree.cell_b1, valid_from=JOINED_B, by=SYSTEM
        )
    services.position_add(
        person=person,
        unit=org_tree.province_b,
        role=PositionRole.SECRETARY,
        valid_from=JOINED_B,
        by=SYSTEM,
    )
    return person


@pytest.mark.parametrize("cell_in_b", [True, False])
def test_office_cannot_link_a_login_to_someone_who_now_leads_elsewhere(
    client, org_tree, office, newcomer, cell_in_b
):
    """Province A's office saw a former A1 member and linked a free login to them: the login
    then led province B. Refused now, whether or not the person also sits in a B cell."""
    person = _now_leads_province_b(org_tree, cell_in_b=cell_in_b)
    url = reverse("org:person-account", args=[person.pk])
    client.force_login(office)
    page = client.get(person.get_absolute_url()).content.decode()
    assert url not in page
    if cell_in_b:
        # Sitting in a B cell, the person is B's: the cell A1 they left gives A no say at all
        # (no editing buttons on the page either).
        assert not can_edit_person(office, person)
        assert reverse("org:person-edit", args=[person.pk]) not in page
    else:
        # In no cell now: A1, the cell they left last, still answers for the record, but not
        # for the province-B post a login would inherit (a disabled button says so).
        assert can_edit_person(office, person)
        assert "Bạn không quản lý: Đảng bộ tỉnh Hà Tĩnh." in page
    for response in [client.get(url), client.post(url, {"account": "canbo_moi", "version": 2})]:
        assert response.status_code == 403
    person.refresh_from_db()
    assert person.user is None
    assert compute_access(newcomer).unit_paths == ()
    assert not AuditEvent.objects.filter(object_type="org.person", actor=office).exists()


def test_office_cannot_unlink_the_login_of_someone_who_now_leads_elsewhere(
    client, org_tree, office, newcomer
):
    person = _now_leads_province_b(org_tree, cell_in_b=False)
    services.person_link_user(person=person, user=newcomer, by=SYSTEM)
    client.force_login(office)
    url = reverse("org:person-account", args=[person.pk])
    assert client.post(url, {"account": "", "version": person.version}).status_code == 403
    person.refresh_from_db()
    assert person.user == newcomer


def test_office_over_every_post_and_cell_links_the_login(client, org_tree, outsider, newcomer):
    person = _now_leads_province_b(org_tree, cell_in_b=True)
    url = reverse("org:person-account", args=[person.pk])
    client.force_login(outsider)  # province B's office
    assert url in client.get(person.get_absolute_url()).content.decode()
    response = client.post(url, {"account": "canbo_moi", "version": person.version})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user == newcomer
    assert compute_access(newcomer).unit_paths == (org_tree.province_b.path,)


def test_office_cannot_link_a_member_with_a_post_outside_its_units(
    client, org_tree, office, newcomer
):
    """Still in cell A1, but also on province B's committee: the login would get that post."""
    person = org_tree.members_a1[1]
    services.position_add(
        person=person,
        unit=org_tree.province_b,
        role=PositionRole.DEPUTY_SECRETARY,
        valid_from=JOINED_B,
        by=SYSTEM,
    )
    client.force_login(office)
    url = reverse("org:person-account", args=[person.pk])
    assert client.post(url, {"account": "canbo_moi", "version": 1}).status_code == 403
    person.refresh_from_db()
    assert person.user is None and compute_access(newcomer).unit_paths == ()
