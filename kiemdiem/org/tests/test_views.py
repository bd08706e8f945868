import datetime

import pytest
from django.urls import reverse

from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Person, Unit

# Every detail or action URL of the org app, built from the object it is about.
UNIT_URLS = [
    "org:unit-detail",
    "org:unit-children",
    "org:unit-create",
    "org:unit-edit",
    "org:unit-move",
    "org:person-create",
]
PERSON_URLS = ["org:person-detail", "org:person-edit", "org:membership-add", "org:position-add"]
# Actions on one membership or post of a person.
END_URLS = ["org:membership-end", "org:position-end"]


@pytest.mark.parametrize("name", UNIT_URLS)
def test_outsider_gets_404_on_other_province_unit(client, org_tree, outsider, name):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[org_tree.cell_a1.pk])).status_code == 404
    assert client.post(reverse(name, args=[org_tree.cell_a1.pk]), {}).status_code in (404, 405)


@pytest.mark.parametrize("name", PERSON_URLS)
def test_outsider_gets_404_on_other_province_person(client, org_tree, outsider, name):
    client.force_login(outsider)
    person = org_tree.members_a1[0]
    assert client.get(reverse(name, args=[person.pk])).status_code == 404
    data = {"full_name": "Kẻ Lạ", "unit": "CB42B1", "kind": "official", "valid_from": "01/08/2025"}
    assert client.post(reverse(name, args=[person.pk]), data).status_code in (404, 405)
    person.refresh_from_db()
    assert person.full_name == "Nguyễn Văn Đức" and person.memberships.count() == 1


def _secretary(org_tree):
    return services.position_add(
        person=org_tree.members_a1[0],
        unit=org_tree.cell_a1,
        role="secretary",
        valid_from=datetime.date(2025, 7, 1),
        by=SYSTEM,
    )


def _end_url(org_tree, name: str) -> str:
    person = org_tree.members_a1[0]
    if name == "org:membership-end":
        return reverse(name, args=[person.pk, person.memberships.get().pk])
    return reverse(name, args=[person.pk, _secretary(org_tree).pk])


@pytest.mark.parametrize("name", END_URLS)
def test_outsider_gets_404_on_ending_a_period(client, org_tree, outsider, name):
    url = _end_url(org_tree, name)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"valid_to": "01/09/2025"}).status_code == 404
    assert not AuditEvent.objects.filter(actor=outsider).exclude(action="login").exists()


@pytest.mark.parametrize("name", END_URLS)
def test_period_of_another_person_is_404(client, org_tree, office, name):
    url = _end_url(org_tree, name)
    other = org_tree.members_a1[1]
    client.force_login(office)
    item = url.rstrip("/").split("/")[-2]
    assert client.get(reverse(name, args=[other.pk, item])).status_code == 404


@pytest.mark.parametrize("name", END_URLS)
def test_unit_head_without_office_role_cannot_end_a_period(client, org_tree, unit_head, name):
    client.force_login(unit_head)
    assert client.post(_end_url(org_tree, name), {"valid_to": "01/09/2025"}).status_code == 403


def test_office_transfers_a_member_between_cells_from_the_person_page(client, org_tree, office):
    person = org_tree.members_a1[0]
    membership = person.memberships.get()
    client.force_login(office)
    page = client.get(person.get_absolute_url()).content.decode()
    end_url = reverse("org:membership-end", args=[person.pk, membership.pk])
    assert end_url in page  # the "Kết thúc" button of the open membership
    assert "Kết thúc sinh hoạt tại" in client.get(end_url).content.decode()
    response = client.post(
        end_url,
        {"valid_to": "31/12/2025", "reason": "QĐ chuyển sinh hoạt 7", "version": 1},
    )
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    membership.refresh_from_db()
    assert membership.valid_to == datetime.date(2025, 12, 31)
    response = client.post(
        reverse("org:membership-add", args=[person.pk]),
        {"unit": org_tree.cell_a1b.pk, "kind": "official", "valid_from": "01/01/2026"},
    )
    assert response.status_code == 302
    assert person.memberships.get(valid_to__isnull=True).unit == org_tree.cell_a1b
    event = AuditEvent.objects.get(
        object_type="org.membership", object_id=str(membership.pk), action="update"
    )
    assert event.actor == office and event.reason == "QĐ chuyển sinh hoạt 7"
    assert event.changes == {"valid_to": [None, "31/12/2025"]}
    page = client.get(person.get_absolute_url()).content.decode()
    assert end_url not in page  # ended: no button any more
    assert "QĐ chuyển sinh hoạt 7" in page  # and the history panel shows it


def test_office_ends_a_post_from_the_person_page(client, org_tree, office):
    position = _secretary(org_tree)
    url = reverse("org:position-end", args=[position.person_id, position.pk])
    client.force_login(office)
    assert url in client.get(position.person.get_absolute_url()).content.decode()
    response = client.post(url, {"valid_to": "01/10/2025", "reason": "Hết nhiệm kỳ", "version": 1})
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.valid_to == datetime.date(2025, 10, 1)
    event = AuditEvent.objects.get(object_type="org.position", action="update")
    assert event.actor == office and event.unit_ref == org_tree.cell_a1.pk


def _page_queries(client, person) -> tuple[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = client.get(person.get_absolute_url()).content.decode()
    return page, len(queries)


@pytest.mark.usefixtures("built_pages")
def test_end_button_is_disabled_where_the_office_does_not_manage_the_unit(client, org_tree, office):
    """A cell-A1 member also on province B's committee: province A's office may end the
    membership and the A1 post, not the B post (that page answers 403), and the page says why."""
    person = org_tree.members_a1[0]
    membership = person.memberships.get()
    own_post = _secretary(org_tree)
    b_post = services.position_add(
        person=person,
        unit=org_tree.province_b,
        role="committee_member",
        valid_from=datetime.date(2025, 7, 1),
        is_concurrent=True,
        by=SYSTEM,
    )
    client.force_login(office)
    page, queries = _page_queries(client, person)
    assert reverse("org:membership-end", args=[person.pk, membership.pk]) in page
    assert reverse("org:position-end", args=[person.pk, own_post.pk]) in page
    b_url = reverse("org:position-end", args=[person.pk, b_post.pk])
    assert b_url not in page and client.get(b_url).status_code == 403
    reason = "Chỉ văn phòng/ban tổ chức cấp ủy quản lý đơn vị này mới được thay đổi."
    assert page.count(f'disabled title="{reason}"') == 1
    # Decided from the rows already loaded: more posts elsewhere, not one query more.
    for unit in [org_tree.district_b1, org_tree.district_b2, org_tree.cell_b1]:
        services.position_add(
            person=person,
            unit=unit,
            role="committee_member",
            valid_from=datetime.date(2025, 7, 1),
            is_concurrent=True,
            by=SYSTEM,
        )
    page, more_queries = _page_queries(client, person)
    assert page.count(f'disabled title="{reason}"') == 4
    assert more_queries == queries


@pytest.mark.parametrize("name", END_URLS)
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("30/06/2025", "từ ngày bắt đầu"),
        ("01/01/2999", "tương lai"),
        ("32/01/2025", "dd/mm/yyyy"),
        ("", "This field is required|bắt buộc"),
    ],
)
def test_ending_with_a_bad_date_shows_the_error_and_changes_nothing(
    client, org_tree, office, name, typed, message
):
    import re

    url = _end_url(org_tree, name)
    client.force_login(office)  # a login is audited: count after it
    rows = AuditEvent.objects.count()
    response = client.post(url, {"valid_to": typed, "version": 1})
    assert response.status_code == 200
    assert re.search(message, response.content.decode())
    assert AuditEvent.objects.count() == rows
    person = org_tree.members_a1[0]
    assert not person.memberships.filter(valid_to__isnull=False).exists()
    assert not person.positions.filter(valid_to__isnull=False).exists()


def test_unit_and_person_history_panels_show_their_rows(client, org_tree, office):
    person = org_tree.members_a1[2]
    services.person_update(
        person=person, by=office, full_name="Lê Minh Anh Thư", reason="đổi tên R"
    )
    services.position_add(
        person=person,
        unit=org_tree.cell_a1,
        role="deputy_secretary",
        valid_from=datetime.date(2025, 8, 1),
        by=office,
        reason="bầu phó bí thư S",
    )
    client.force_login(office)
    unit_page = client.get(org_tree.cell_a1.get_absolute_url()).content.decode()
    person_page = client.get(person.get_absolute_url()).content.decode()
    for page in (unit_page, person_page):
        assert "bầu phó bí thư S" in page and "đổi tên R" in page
    assert "Lịch sử thay đổi" in unit_page
    other_cell = client.get(org_tree.cell_a1b.get_absolute_url()).content.decode()
    assert "bầu phó bí thư S" not in other_cell


def test_unit_edit_refuses_a_kind_that_does_not_fit(client, org_tree, office):
    client.force_login(office)
    unit = org_tree.cell_a1
    response = client.post(
        reverse("org:unit-edit", args=[unit.pk]),
        {
            "code": unit.code,
            "name": unit.name,
            "kind": "grassroots_committee",
            "version": 1,
            "valid_from": "01/07/2025",
        },
    )
    assert response.status_code == 200 and "có đảng viên sinh hoạt" in response.content.decode()
    assert Unit.objects.get(pk=unit.pk).kind == "subordinate_cell"


@pytest.mark.parametrize("name", ["org:unit-detail", "org:unit-children"])
def test_unit_head_can_open_units_in_scope(client, org_tree, unit_head, name):
    client.force_login(unit_head)
    assert client.get(reverse(name, args=[org_tree.cell_a1.pk])).status_code == 200


@pytest.mark.parametrize("name", ["org:unit-create", "org:unit-edit", "org:unit-move"])
def test_office_can_open_management_forms(client, org_tree, office, name):
    client.force_login(office)
    assert client.get(reverse(name, args=[org_tree.district_a1.pk])).status_code == 200


def test_unit_head_without_office_role_cannot_edit(client, org_tree, unit_head):
    client.force_login(unit_head)
    assert client.get(reverse("org:unit-edit", args=[org_tree.district_a1.pk])).status_code == 403


@pytest.mark.parametrize("name", PERSON_URLS)
def test_office_can_open_person_pages(client, org_tree, office, name):
    client.force_login(office)
    assert client.get(reverse(name, args=[org_tree.members_a1[0].pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, org_tree):
    response = client.get(reverse("org:unit-detail", args=[org_tree.cell_a1.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_member_sees_own_cell_but_not_the_grassroots_above(client, org_tree, member):
    client.force_login(member)
    assert client.get(reverse("org:unit-detail", args=[org_tree.cell_a1.pk])).status_code == 200
    assert (
        client.get(reverse("org:unit-detail", args=[org_tree.grassroots_a1.pk])).status_code == 404
    )


def test_tree_children_show_member_counts(client, org_tree, unit_head):
    client.force_login(unit_head)
    response = client.get(reverse("org:unit-children", args=[org_tree.grassroots_a1.pk]))
    html = response.content.decode()
    assert "Chi bộ Tổ Toán" in html and "3 đảng viên" in html
    assert "Chi bộ Tổ Văn" in html and "0 đảng viên" in html


def test_unit_page_lists_members_in_vietnamese_order(client, org_tree, unit_head):
    client.force_login(unit_head)
    html = client.get(reverse("org:unit-detail", args=[org_tree.cell_a1.pk])).content.decode()
    # Anh < Đức < Hương: by given name, not by family name.
    assert html.index("Lê Minh Anh") < html.index("Nguyễn Văn Đức") < html.index("Trần Thị Hương")


def test_search_without_accents_finds_accented_name(client, org_tree, unit_head):
    client.force_login(unit_head)
    for typed in ["nguyen van duc", "Nguyen Van Đuc"]:
        html = client.get(reverse("org:search"), {"q": typed}).content.decode()
        assert "Nguyễn Văn Đức" in html, typed


def test_search_never_leaks_outside_scope(client, org_tree, outsider):
    client.force_login(outsider)
    html = client.get(
        reverse("org:search"), {"q": "nguyen"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Nguyễn Văn Đức" not in html and "Không có đảng viên phù hợp" in html


def test_search_finds_units_by_folded_name(client, org_tree, unit_head):
    client.force_login(unit_head)
    html = client.get(reverse("org:search"), {"q": "quang phu"}).content.decode()
    assert "Đảng bộ xã Quảng Phú" in html


def test_create_unit_with_duplicate_code_shows_error_and_changes_nothing(client, org_tree, office):
    client.force_login(office)
    before = Unit.objects.count()
    response = client.post(
        reverse("org:unit-create", args=[org_tree.district_a1.pk]),
        {"code": "CB38A1", "name": "Chi bộ trùng mã", "kind": "subordinate_cell"},
    )
    assert response.status_code == 200
    assert "đã được dùng" in response.content.decode()
    assert Unit.objects.count() == before


def test_create_unit_then_it_is_audited(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("org:unit-create", args=[org_tree.grassroots_a1.pk]),
        {
            "code": "cb38a1c",
            "name": "Chi bộ Tổ Anh",
            "kind": "subordinate_cell",
            "valid_from": "01/08/2025",
        },
    )
    unit = Unit.objects.get(code="CB38A1C")
    assert response.status_code == 302 and response["Location"] == unit.get_absolute_url()
    event = AuditEvent.objects.get(object_type="org.unit", object_id=str(unit.pk))
    assert event.actor == office and event.action == "create"


def test_bad_date_gets_vietnamese_message(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("org:unit-create", args=[org_tree.grassroots_a1.pk]),
        {"code": "X1", "name": "Chi bộ X", "kind": "subordinate_cell", "valid_from": "31/02/2025"},
    )
    assert "dd/mm/yyyy" in response.content.decode()
    assert not Unit.objects.filter(code="X1").exists()


def test_move_into_descendant_shows_cycle_error(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("org:unit-move", args=[org_tree.district_a1.pk]),
        {
            "new_parent": org_tree.cell_a1.pk,
            "reason": "thử",
            "version": org_tree.district_a1.version,
        },
    )
    assert "vòng lặp" in response.content.decode()
    assert Unit.objects.get(pk=org_tree.district_a1.pk).parent_id == org_tree.province_a.pk


def test_move_to_parent_outside_scope_is_refused(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("org:unit-move", args=[org_tree.grassroots_a1.pk]),
        {
            "new_parent": org_tree.district_b1.pk,  # a forged id: another province
            "reason": "thử",
            "version": org_tree.grassroots_a1.version,
        },
    )
    assert "không thuộc phạm vi được chọn" in response.content.decode()
    assert Unit.objects.get(pk=org_tree.grassroots_a1.pk).parent_id == org_tree.district_a1.pk


def test_membership_picker_offers_cells_only(client, org_tree, office):
    client.force_login(office)
    person = org_tree.members_a1[0]
    page = client.get(reverse("org:membership-add", args=[person.pk])).content.decode()
    assert "Gõ tên đơn vị để tìm" in page and "kinds=" in page
    response = client.post(
        reverse("org:membership-add", args=[person.pk]),
        {"unit": org_tree.district_a1.pk, "kind": "official", "valid_from": "01/01/2026"},
    )
    assert "không thuộc phạm vi được chọn" in response.content.decode()
    found = client.get(
        reverse("org:unit-picker"),
        {
            "within": org_tree.province_a.pk,
            "kinds": "subordinate_cell",
            "name": "unit",
            "id": "id_unit",
            "unit_q": "to",
        },
    ).content.decode()
    assert "Chi bộ Tổ Toán" in found and "Đảng bộ xã Quảng Phú" not in found


def test_concurrent_edit_is_refused_with_message(client, org_tree, office):
    client.force_login(office)
    url = reverse("org:unit-edit", args=[org_tree.district_a1.pk])
    stale = org_tree.district_a1.version
    data = {"code": "X38A1", "name": "Tên A", "kind": "commune", "version": stale}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "name": "Tên B"})
    html = response.content.decode()
    assert "vừa được người khác thay đổi" in html
    assert "vanphong_a" in html and "Tên A" in html  # whose change, and what it was
    assert Unit.objects.get(pk=org_tree.district_a1.pk).name == "Tên A"


def test_membership_form_refuses_date_before_admission(client, org_tree, office):
    client.force_login(office)
    person = org_tree.members_a1[0]
    response = client.post(
        reverse("org:membership-add", args=[person.pk]),
        {"unit": org_tree.cell_a1b.pk, "kind": "temporary", "valid_from": "01/01/2000"},
    )
    assert "trước ngày vào Đảng" in response.content.decode()


def test_person_create_in_cell(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("org:person-create", args=[org_tree.cell_a1b.pk]),
        {
            "full_name": "Đặng Thị Ước",
            "gender": "female",
            "birth_date": "02/09/1990",
            "admission_date": "03/02/2026",
        },
    )
    person = Person.objects.get(full_name="Đặng Thị Ước")
    assert response.status_code == 302
    assert person.memberships.get().unit == org_tree.cell_a1b


def test_unit_list_pages_have_a_query_ceiling(
    client, org_tree, unit_head, django_assert_max_num_queries
):
    from kiemdiem.org import services

    for i in range(50):
        p = services.person_create(by=SYSTEM, full_name=f"Nguyễn Văn Thử {i}")
        services.membership_add(
            person=p, unit=org_tree.cell_a1b, valid_from=org_tree.cell_a1b.valid_from, by=SYSTEM
        )
    client.force_login(unit_head)
    with django_assert_max_num_queries(15):  # PostgreSQL (14 on SQLite); 18 before part 16c
        assert (
            client.get(reverse("org:unit-detail", args=[org_tree.cell_a1b.pk])).status_code == 200
        )


def test_abolished_units_are_hidden_unless_history_is_asked(client, org_tree, unit_head):
    import datetime

    from kiemdiem.org import services

    old = services.unit_create(
        code="H38OLD",
        name="Huyện ủy Quảng Xương",
        kind="district",
        parent=org_tree.province_a,
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2025, 6, 30),
        by=SYSTEM,
    )
    client.force_login(unit_head)
    url = reverse("org:unit-children", args=[org_tree.province_a.pk])
    assert "Huyện ủy Quảng Xương" not in client.get(url).content.decode()
    html = client.get(url, {"lich-su": "1"}).content.decode()
    assert "Huyện ủy Quảng Xương" in html and "hết hiệu lực 30/06/2025" in html
    detail = client.get(reverse("org:unit-detail", args=[org_tree.province_a.pk])).content.decode()
    assert "trước sắp xếp" in detail and old.name in detail
