import datetime

import pytest

from kiemdiem.core.audit import history_for
from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Membership, Person, Unit, UnitKind, path_segment

D = datetime.date


def test_unit_path_is_parent_path_plus_own_segment(org_tree):
    cell = org_tree.cell_a1
    assert cell.path == org_tree.grassroots_a1.path + path_segment(cell.pk)
    assert cell.depth == 4
    assert set(Unit.objects.subtree(org_tree.province_a).values_list("code", flat=True)) == {
        "TU38",
        "X38A1",
        "X38A2",
        "CS38A1",
        "CB38A1",
        "CB38A1B",
    }


def test_duplicate_code_is_refused_and_nothing_changes(org_tree):
    before = Unit.objects.count()
    with pytest.raises(DomainError, match="đã được dùng"):
        services.unit_create(
            code="tu38", name="Trùng", kind=UnitKind.PROVINCE, parent=org_tree.root, by=SYSTEM
        )
    assert Unit.objects.count() == before


def test_move_into_own_subtree_is_a_cycle_and_refused(org_tree):
    with pytest.raises(DomainError, match="vòng lặp"):
        services.unit_move(
            unit=org_tree.district_a1, new_parent=org_tree.cell_a1, by=SYSTEM, reason="thử"
        )
    org_tree.district_a1.refresh_from_db()
    assert org_tree.district_a1.parent_id == org_tree.province_a.pk


def test_move_onto_itself_is_refused(org_tree):
    with pytest.raises(DomainError, match="vòng lặp"):
        services.unit_move(
            unit=org_tree.district_a1, new_parent=org_tree.district_a1, by=SYSTEM, reason="thử"
        )


def test_move_rewrites_the_whole_subtree_and_is_audited(org_tree):
    services.unit_move(
        unit=org_tree.grassroots_a1,
        new_parent=org_tree.district_a2,
        by=SYSTEM,
        reason="Quyết định 12-QĐ/TU",
    )
    cell = Unit.objects.get(pk=org_tree.cell_a1.pk)
    grassroots = Unit.objects.get(pk=org_tree.grassroots_a1.pk)
    assert grassroots.parent_id == org_tree.district_a2.pk
    assert grassroots.path == org_tree.district_a2.path + path_segment(grassroots.pk)
    assert cell.path == grassroots.path + path_segment(cell.pk)
    assert cell.depth == 4
    move = history_for(grassroots).first()
    assert move.action == "move" and move.reason == "Quyết định 12-QĐ/TU"
    assert move.changes["parent"] == ["Đảng bộ xã Quảng Phú", "Đảng bộ phường Hạc Thành"]


def test_move_needs_a_reason(org_tree):
    with pytest.raises(DomainError, match="lý do"):
        services.unit_move(
            unit=org_tree.grassroots_a1, new_parent=org_tree.district_a2, by=SYSTEM, reason=" "
        )


def test_stale_update_is_refused_without_overwriting(org_tree):
    first = Unit.objects.get(pk=org_tree.district_a1.pk)
    second = Unit.objects.get(pk=org_tree.district_a1.pk)
    services.unit_update(unit=first, by=SYSTEM, name="Đảng bộ xã Quảng Phú mới")
    with pytest.raises(StaleObject):
        services.unit_update(unit=second, by=SYSTEM, name="Tên của người thứ hai")
    assert Unit.objects.get(pk=first.pk).name == "Đảng bộ xã Quảng Phú mới"


def test_update_records_before_and_after(org_tree):
    services.unit_update(
        unit=org_tree.district_a1, by=SYSTEM, name="Đảng bộ xã Quảng Phú (mới)", reason="đổi tên"
    )
    event = history_for(org_tree.district_a1).first()
    assert event.changes == {"name": ["Đảng bộ xã Quảng Phú", "Đảng bộ xã Quảng Phú (mới)"]}
    assert event.reason == "đổi tên"


def test_membership_before_admission_is_refused(org_tree):
    person = services.person_create(
        by=SYSTEM, full_name="Bùi Văn Tâm", admission_date=D(2020, 1, 1)
    )
    with pytest.raises(DomainError, match="trước ngày vào Đảng"):
        services.membership_add(
            person=person, unit=org_tree.cell_a1, valid_from=D(2019, 12, 31), by=SYSTEM
        )
    assert not Membership.objects.filter(person=person).exists()


def test_membership_outside_unit_validity_is_refused(org_tree):
    person = services.person_create(
        by=SYSTEM, full_name="Bùi Văn Tâm", admission_date=D(2020, 1, 1)
    )
    with pytest.raises(DomainError, match="chỉ có hiệu lực từ"):
        services.membership_add(
            person=person, unit=org_tree.cell_a1, valid_from=D(2024, 1, 1), by=SYSTEM
        )


def test_overlapping_official_memberships_are_refused(org_tree):
    person = org_tree.members_a1[0]
    with pytest.raises(DomainError, match="đang sinh hoạt chính thức"):
        services.membership_add(
            person=person, unit=org_tree.cell_a1b, valid_from=D(2026, 1, 1), by=SYSTEM
        )


def test_membership_only_in_a_cell(org_tree):
    person = services.person_create(
        by=SYSTEM, full_name="Bùi Văn Tâm", admission_date=D(2020, 1, 1)
    )
    with pytest.raises(DomainError, match="chỉ sinh hoạt tại chi bộ"):
        services.membership_add(
            person=person, unit=org_tree.district_a1, valid_from=D(2025, 8, 1), by=SYSTEM
        )


def test_membership_end_before_start_is_refused(org_tree):
    person = services.person_create(
        by=SYSTEM, full_name="Bùi Văn Tâm", admission_date=D(2020, 1, 1)
    )
    with pytest.raises(DomainError, match="sau ngày bắt đầu"):
        services.membership_add(
            person=person,
            unit=org_tree.cell_a1,
            valid_from=D(2025, 9, 1),
            valid_to=D(2025, 8, 1),
            by=SYSTEM,
        )


def test_duplicate_party_card_is_refused(org_tree):
    card = org_tree.members_a1[0].party_card_number
    before = Person.objects.count()
    with pytest.raises(DomainError, match="đã thuộc về người khác"):
        services.person_create(
            by=SYSTEM, full_name="Người Trùng Thẻ", party_card_number=f" {card} "
        )
    assert Person.objects.count() == before


def test_person_name_is_normalized_and_searchable(db):
    person = services.person_create(by=SYSTEM, full_name="  Nguye\u0302\u0303n   Văn Đức ")
    assert person.full_name == "Nguyễn Văn Đức"
    assert person.search_text == "nguyen van duc"


def test_admission_before_18_is_refused(db):
    with pytest.raises(DomainError, match="18 tuổi"):
        services.person_create(
            by=SYSTEM, full_name="Trẻ Quá", birth_date=D(2010, 1, 1), admission_date=D(2026, 1, 1)
        )


def test_second_secretary_in_same_period_is_refused(org_tree):
    a, b = org_tree.members_a1[:2]
    services.position_add(
        person=a, unit=org_tree.cell_a1, role="secretary", valid_from=D(2025, 7, 1), by=SYSTEM
    )
    with pytest.raises(DomainError, match="đã có Bí thư"):
        services.position_add(
            person=b, unit=org_tree.cell_a1, role="secretary", valid_from=D(2025, 8, 1), by=SYSTEM
        )


def _position(org_tree, **extra):
    return services.position_add(
        person=org_tree.members_a1[0],
        unit=org_tree.cell_a1,
        role="secretary",
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
        **extra,
    )


def test_position_end_closes_the_post_and_is_audited(org_tree):
    position = _position(org_tree)
    services.position_end(
        position=position, valid_to=D(2025, 12, 31), by=SYSTEM, reason="Hết nhiệm kỳ"
    )
    position.refresh_from_db()
    assert position.valid_to == D(2025, 12, 31) and position.version == 2
    event = history_for(position).first()
    assert event.changes == {"valid_to": [None, "31/12/2025"]} and event.reason == "Hết nhiệm kỳ"
    assert event.unit_ref == org_tree.cell_a1.pk
    assert event.person_id_ref == org_tree.members_a1[0].pk
    # Once ended, the post no longer gives its holder a scope.
    from kiemdiem.org.models import Position

    assert not Position.objects.current().filter(pk=position.pk).exists()


@pytest.mark.parametrize(
    ("end", "message"),
    [
        (D(2025, 6, 30), "từ ngày bắt đầu"),
        (datetime.date.today() + datetime.timedelta(days=1), "tương lai"),
    ],
)
@pytest.mark.parametrize("kind", ["membership", "position"])
def test_period_end_refuses_bad_dates_and_changes_nothing(org_tree, kind, end, message):
    if kind == "membership":
        item, end_service = org_tree.members_a1[0].memberships.get(), services.membership_end
    else:
        item, end_service = _position(org_tree), services.position_end
    rows = history_for(item).count()
    with pytest.raises(DomainError, match=message):
        end_service(**{kind: item}, valid_to=end, by=SYSTEM)
    item.refresh_from_db()
    assert item.valid_to is None and item.version == 1
    assert history_for(item).count() == rows


def test_period_end_refuses_an_ended_period_and_a_stale_version(org_tree):
    position = _position(org_tree)
    stale = type(position).objects.get(pk=position.pk)
    services.position_end(position=position, valid_to=D(2025, 9, 1), by=SYSTEM)
    with pytest.raises(DomainError, match="Đã kết thúc ngày 01/09/2025"):
        services.position_end(position=position, valid_to=D(2025, 10, 1), by=SYSTEM)
    with pytest.raises(StaleObject):
        services.position_end(position=stale, valid_to=D(2025, 10, 1), by=SYSTEM)
    assert type(position).objects.get(pk=position.pk).valid_to == D(2025, 9, 1)


def test_transfer_between_cells_ends_one_membership_and_starts_another(org_tree):
    person = org_tree.members_a1[0]
    services.membership_end(
        membership=person.memberships.get(), valid_to=D(2025, 12, 31), by=SYSTEM
    )
    services.membership_add(
        person=person, unit=org_tree.cell_a1b, valid_from=D(2026, 1, 1), by=SYSTEM
    )
    current = Membership.objects.current(D(2026, 2, 1)).get(person=person)
    assert current.unit == org_tree.cell_a1b


def _refused(unit, match, **values):
    before = Unit.objects.get(pk=unit.pk)
    with pytest.raises(DomainError, match=match):
        services.unit_update(unit=Unit.objects.get(pk=unit.pk), by=SYSTEM, **values)
    after = Unit.objects.get(pk=unit.pk)
    assert (after.kind, after.valid_from, after.valid_to, after.version) == (
        before.kind,
        before.valid_from,
        before.valid_to,
        before.version,
    )


def test_unit_update_refuses_a_kind_that_does_not_fit(org_tree):
    # A cell with members cannot become a committee.
    _refused(org_tree.cell_a1, "có đảng viên sinh hoạt", kind=UnitKind.GRASSROOTS_COMMITTEE)
    # A commune holding a grassroots committee cannot become a cell.
    _refused(org_tree.district_a1, "không thể nằm dưới một chi bộ", kind=UnitKind.GRASSROOTS_CELL)
    # A party group under a cell cannot become a committee under that cell.
    group = services.unit_create(
        code="TD1", name="Tổ đảng 1", kind=UnitKind.PARTY_GROUP, parent=org_tree.cell_a1b, by=SYSTEM
    )
    _refused(group, "dưới một chi bộ", kind=UnitKind.PARTIAL_COMMITTEE)
    # An empty committee may become a cell.
    empty = services.unit_create(
        code="CS9",
        name="Đảng bộ 9",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=org_tree.root,
        by=SYSTEM,
    )
    assert services.unit_update(unit=empty, by=SYSTEM, kind=UnitKind.GRASSROOTS_CELL).is_cell


def test_unit_update_refuses_validity_that_leaves_out_children_or_members(org_tree):
    _refused(org_tree.cell_a1, "Nguyễn Văn Đức sinh hoạt", valid_from=D(2025, 8, 1))
    _refused(org_tree.cell_a1, "sinh hoạt tại đơn vị ngoài", valid_to=D(2025, 12, 31))
    _refused(org_tree.district_a1, "Đảng bộ Trường THPT Quảng Xương", valid_to=D(2025, 12, 31))
    position = _position(org_tree)
    services.membership_end(
        membership=org_tree.members_a1[0].memberships.get(), valid_to=D(2025, 9, 1), by=SYSTEM
    )
    for person in org_tree.members_a1[1:]:
        services.membership_end(
            membership=person.memberships.get(), valid_to=D(2025, 9, 1), by=SYSTEM
        )
    _refused(org_tree.cell_a1, "giữ chức vụ Bí thư", valid_to=D(2025, 12, 31))
    services.position_end(position=position, valid_to=D(2025, 9, 1), by=SYSTEM)
    # Everything inside now: the cell may close.
    unit = services.unit_update(unit=org_tree.cell_a1, by=SYSTEM, valid_to=D(2025, 12, 31))
    assert unit.valid_to == D(2025, 12, 31)
    # Widening is always fine.
    widened = services.unit_update(unit=org_tree.district_a1, by=SYSTEM, valid_from=D(2020, 1, 1))
    assert widened.valid_from == D(2020, 1, 1)


def test_person_rows_carry_the_current_cell(org_tree):
    person = org_tree.members_a1[1]
    services.person_update(person=person, by=SYSTEM, full_name="Trần Thị Hương Giang")
    event = history_for(person).first()
    assert event.unit_path == org_tree.cell_a1.path and event.unit_ref == org_tree.cell_a1.pk


ORG_WRITES = {
    name: call
    for name, call in zip(
        [
            "unit_create",
            "unit_update",
            "unit_move",
            "person_create",
            "person_update",
            "membership_add",
            "position_add",
            "membership_end",
        ],
        [
            lambda t, by: services.unit_create(
                code="X-NEW", name="Chi bộ mới", kind="grassroots_cell", parent=t.district_a1, by=by
            ),
            lambda t, by: services.unit_update(unit=t.cell_a1, by=by, name="Tên khác"),
            lambda t, by: services.unit_move(unit=t.cell_a1b, new_parent=t.grassroots_a1, by=by),
            lambda t, by: services.person_create(by=by, full_name="Người Mới"),
            lambda t, by: services.person_update(
                person=t.members_a1[0], by=by, full_name="Tên Khác"
            ),
            lambda t, by: services.membership_add(
                person=t.members_a1[0], unit=t.cell_a1b, valid_from=D(2026, 1, 1), by=by
            ),
            lambda t, by: services.position_add(
                person=t.members_a1[0],
                unit=t.cell_a1,
                role="secretary",
                valid_from=D(2026, 1, 1),
                by=by,
            ),
            lambda t, by: services.membership_end(
                membership=t.members_a1[0].memberships.get(), valid_to=D(2026, 1, 1), by=by
            ),
        ],
        strict=True,
    )
}


@pytest.mark.parametrize("name", ORG_WRITES)
@pytest.mark.parametrize("who", ["member", "outsider", "nobody"])
def test_org_services_refuse_whoever_may_not_act(org_tree, member, outsider, name, who):
    from django.core.exceptions import PermissionDenied

    from kiemdiem.core.models import AuditEvent

    by = {"member": member, "outsider": outsider, "nobody": None}[who]
    if (who, name) == ("outsider", "person_create"):
        pytest.skip("any committee office may open a person's record")
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied) as refused:
        ORG_WRITES[name](org_tree, by)
    assert str(refused.value)  # a Vietnamese reason for the page or the API
    assert AuditEvent.objects.count() == before
