"""seed_demo: the small tree's shape, demo logins and their scopes, determinism, refusals."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from vietnam_provinces import Ward

from kiemdiem.core.audit import audit_record
from kiemdiem.core.bulk import Table
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.core.text import fold, name_sort_key
from kiemdiem.org import demo, services
from kiemdiem.org.demo.people import REF_DATE, Salts, all_name_combos, person_data
from kiemdiem.org.demo.writer import Writer
from kiemdiem.org.models import (
    CELL_KINDS,
    PATH_STEP,
    Membership,
    MembershipKind,
    Person,
    Position,
    PositionRole,
    Unit,
    UnitKind,
    UnitSuccession,
    path_segment,
)
from kiemdiem.org.scoping import compute_access, visible_units

OLD_END = datetime.date(2025, 6, 30)
NEW_START = datetime.date(2025, 7, 1)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small(db):
    return seed("--scale", "small", "--seed", "7")


def snapshot() -> tuple:
    return (
        list(Unit.objects.order_by("id").values_list("id", "code", "name", "kind", "path")),
        list(Unit.objects.order_by("id").values_list("parent", "valid_from", "valid_to")),
        list(
            Person.objects.order_by("id").values_list(
                "id", "full_name", "birth_date", "party_card_number", "admission_date"
            )
        ),
        list(Membership.objects.order_by("id").values_list("person", "unit", "valid_from")),
        list(Position.objects.order_by("id").values_list("person", "unit", "role")),
        list(UnitSuccession.objects.order_by("id").values_list("predecessor", "successor")),
    )


def test_small_scale_builds_provinces_communes_and_history(small):
    root = Unit.objects.get(parent=None)
    assert (root.code, root.kind) == ("TW", UnitKind.CENTRAL_COMMITTEE)
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE)
    assert dict(provinces.values_list("code", "name")) == {
        "TU38": "Đảng bộ tỉnh Thanh Hóa",
        "TU42": "Đảng bộ tỉnh Hà Tĩnh",
    }
    for province in provinces:
        communes = Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE, valid_to=None)
        assert communes.count() == 3
        official = {f"{int(w.code):05d}" for w in Ward.iter_by_province(int(province.admin_code))}
        for commune in communes:
            assert commune.admin_code in official
            assert commune.valid_from == NEW_START
            assert commune.name.startswith(("Đảng bộ xã ", "Đảng bộ phường ", "Đảng bộ đặc khu "))
        kinds = set(Unit.objects.subtree(province).values_list("kind", flat=True))
        assert {
            UnitKind.SECTORAL_COMMITTEE,
            UnitKind.ADVISORY_BOARD,
            UnitKind.MASS_ORG,
            UnitKind.STATE_AGENCY,
            UnitKind.GRASSROOTS_COMMITTEE,
            UnitKind.GRASSROOTS_CELL,
            UnitKind.SUBORDINATE_CELL,
            UnitKind.DISTRICT,
        } <= kinds
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT)
    assert districts.exists() and not districts.exclude(valid_to=OLD_END).exists()
    old_communes = Unit.objects.filter(kind=UnitKind.COMMUNE, valid_to=OLD_END)
    assert old_communes.exists()
    assert not old_communes.exclude(parent__kind=UnitKind.DISTRICT).exists()
    assert not old_communes.filter(merged_into=None).exists()
    successions = UnitSuccession.objects.select_related("predecessor", "successor")
    assert successions.count() >= old_communes.count()
    for succession in successions:
        assert succession.effective_on == NEW_START
        assert succession.predecessor.valid_to == OLD_END
        assert succession.successor.valid_from == NEW_START
    assert (
        not Unit.objects.filter(kind=UnitKind.SUBORDINATE_CELL)
        .exclude(parent__kind=UnitKind.GRASSROOTS_COMMITTEE)
        .exists()
    )


def test_small_scale_members_have_one_current_cell_and_sane_dates(small):
    people = list(Person.objects.all())
    assert 150 <= len(people) <= 300
    current = Membership.objects.current(REF_DATE).filter(kind=MembershipKind.OFFICIAL)
    cell_of = dict(current.values_list("person", "unit__kind"))
    assert current.count() == len(people) == len(cell_of)
    assert set(cell_of.values()) <= set(CELL_KINDS)
    probationary = 0
    for person in people:
        family, middle, *_ = person.full_name.split(" ")
        if middle == "Văn":
            assert person.gender == "male"
        if middle == "Thị":
            assert person.gender == "female"
        assert datetime.date(1950, 1, 1) <= person.birth_date <= datetime.date(2004, 12, 31)
        assert (person.admission_date - person.birth_date).days / 365.25 >= 18
        assert person.admission_date <= REF_DATE
        if person.official_date is None:
            probationary += 1
            assert person.admission_date.replace(year=person.admission_date.year + 1) > REF_DATE
        else:
            assert person.official_date.year == person.admission_date.year + 1
        assert len(person.party_card_number) == 8 and person.party_card_number.isdigit()
        assert person.search_text == f"{fold(person.full_name)} {person.party_card_number}"
        assert person.sort_key == name_sort_key(person.full_name)
    assert probationary > 0
    assert len({p.full_name.split(" ")[0] for p in people}) >= 8  # realistic family names
    assert len({p.party_card_number for p in people}) == len(people)


def test_small_scale_every_unit_has_its_leaders_and_leaders_are_members(small):
    roles: dict[int, set[str]] = {}
    for unit_id, role in Position.objects.values_list("unit", "role"):
        roles.setdefault(unit_id, set()).add(role)
    for unit in Unit.objects.filter(valid_to=None).exclude(kind=UnitKind.CENTRAL_COMMITTEE):
        held = roles.get(unit.pk, set())
        if unit.kind in (UnitKind.STATE_AGENCY, UnitKind.ADVISORY_BOARD, UnitKind.MASS_ORG):
            assert {PositionRole.HEAD, PositionRole.DEPUTY_HEAD} <= held, unit
        else:
            assert PositionRole.SECRETARY in held, unit
        if unit.kind in (UnitKind.PROVINCE, UnitKind.COMMUNE):
            assert {PositionRole.DEPUTY_SECRETARY, PositionRole.STANDING_MEMBER} <= held, unit
    members = set(Membership.objects.current(REF_DATE).values_list("person", flat=True))
    assert set(Position.objects.values_list("person", flat=True)) <= members
    # One secretary per unit.
    secretaries = Position.objects.filter(role=PositionRole.SECRETARY)
    assert secretaries.count() == secretaries.values("unit").distinct().count()


def test_small_scale_paths_match_parents(small):
    paths = dict(Unit.objects.values_list("pk", "path"))
    for pk, parent_id, path, depth in Unit.objects.values_list("pk", "parent", "path", "depth"):
        assert path == (paths[parent_id] if parent_id else "") + path_segment(pk)
        assert depth == len(path) // PATH_STEP - 1


def test_small_scale_demo_logins_have_their_scopes(small):
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) >= {
        "admin",
        "vanphong",
        "thuongvu",
        "bithuxa",
        "bithuchibo",
        "dangvien",
        "vanphong2",
    }
    for user in users.values():
        assert user.check_password(demo.DEMO_PASSWORD)
        # Only the administrator opens the Django admin (/quan-tri/).
        assert user.is_staff == (user.username == "admin")
    main = Unit.objects.get(code="TU38")
    second = Unit.objects.get(code="TU42")
    access = {name: compute_access(user) for name, user in users.items()}

    assert access["admin"].everything
    assert access["vanphong"].office_paths == (main.path,)
    assert access["vanphong2"].office_paths == (second.path,)
    assert "standing" in access["thuongvu"].roles
    assert main.path in access["thuongvu"].unit_paths
    (commune_path,) = access["bithuxa"].unit_paths
    assert Unit.objects.get(path=commune_path).kind == UnitKind.COMMUNE
    assert commune_path.startswith(main.path)
    (cell_path,) = access["bithuchibo"].unit_paths
    cell = Unit.objects.get(path=cell_path)
    assert cell.kind in CELL_KINDS and cell_path.startswith(commune_path)
    assert access["dangvien"].unit_paths == ()
    assert access["dangvien"].cell_paths == (cell_path,)
    assert users["dangvien"].person.positions.count() == 0
    # The other province's office sees nothing of the main province.
    assert not visible_units(users["vanphong2"]).filter(path__startswith=main.path).exists()


def test_demo_admin_opens_the_django_admin_and_the_others_do_not(small, client):
    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get("/quan-tri/org/accessgrant/").status_code == 200
    client.force_login(get_user_model().objects.get(username="vanphong"))
    assert client.get("/quan-tri/org/accessgrant/").status_code == 302  # to the admin login


def test_command_prints_the_login_table(db):
    output = seed("--scale", "small", "--seed", "3")
    assert "kiemdiem-demo-2026" in output and "bithuchibo" in output
    assert "Đảng bộ tỉnh Hà Tĩnh" in output
    event = AuditEvent.objects.get()
    assert event.reason == "Nạp dữ liệu mẫu quy mô small (seed 3)"
    assert (event.object_type, event.action) == ("org.unit", AuditAction.CREATE)


def test_same_seed_gives_identical_rows_and_another_seed_differs(small):
    first = snapshot()
    seed("--scale", "small", "--seed", "7", "--force")
    assert snapshot() == first
    seed("--scale", "small", "--seed", "8", "--force")
    assert snapshot()[2] != first[2]


def test_invalid_scale_is_refused_in_vietnamese(db):
    with pytest.raises(CommandError) as exc:
        seed("--scale", "huge")
    message = "Quy mô không hợp lệ: “huge”; chọn một trong small, province, national."
    assert str(exc.value) == message
    assert not Unit.objects.exists()


def test_second_load_without_force_is_refused(small):
    with pytest.raises(CommandError, match="--force"):
        seed("--scale", "small")


def test_if_empty_leaves_existing_data_alone(small):
    before = snapshot()
    output = seed("--scale", "province", "--if-empty")
    assert "không nạp dữ liệu mẫu" in output and "bithuchibo" in output
    assert snapshot() == before


def test_force_is_refused_once_the_audit_trail_has_real_changes(small):
    unit = Unit.objects.get(code="TU38")
    audit_record(obj=unit, action=AuditAction.UPDATE, by=SYSTEM, reason="Sửa tên")
    with pytest.raises(CommandError, match="nhật ký"):
        seed("--scale", "small", "--force")
    assert Unit.objects.filter(code="TU38").exists()


def test_services_can_add_units_after_the_bulk_load(small):
    commune = Unit.objects.filter(kind=UnitKind.COMMUNE, valid_to=None).first()
    unit = services.unit_create(
        code="X-THU",
        name="Chi bộ thôn Mới",
        kind=UnitKind.GRASSROOTS_CELL,
        parent=commune,
        by=SYSTEM,
    )
    assert unit.path == commune.path + path_segment(unit.pk)


@pytest.mark.django_db
def test_postgres_people_sql_equals_python():
    if connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL only")
    from kiemdiem.org.demo.people import person_select_sql

    salts = Salts.for_seed(11)
    cells = [(0, 1, 1, 300, 3), (1, 2, 5_000_000, 300, 12)]
    writer = Writer(connection)
    writer.execute(
        "CREATE TEMP TABLE kd_cells (seq int, cell_id bigint, first_id bigint, n int, lead_n int)"
    )
    writer.execute(
        "CREATE TEMP TABLE kd_names (combo int PRIMARY KEY, full_name text, folded text, "
        "sort_key text, gender text)"
    )
    writer.insert(
        Table.columns_only("kd_cells", ["seq", "cell_id", "first_id", "n", "lead_n"]), cells
    )
    writer.insert(
        Table.columns_only("kd_names", ["combo", "full_name", "folded", "sort_key", "gender"]),
        all_name_combos(),
    )
    sql, params = person_select_sql("kd_cells", "kd_names", salts)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY p.id", {**params, "lo": 0, "hi": 1})
        rows = cursor.fetchall()
    expected = []
    for _, cell_id, first, n, lead_n in cells:
        for k in range(n):
            d = person_data(salts, first + k, k < lead_n)
            expected.append(
                (d.id, cell_id, d.full_name, d.birth_date, d.gender, d.party_card_number)
                + (d.admission_date, d.official_date, d.search_text, d.sort_key)
            )
    assert [tuple(r) for r in rows] == expected


def test_province_plan_has_every_commune_of_thanh_hoa_and_its_history():
    """The province scale's plan (no database: building it takes a fraction of a second)."""
    from kiemdiem.org.demo.geo import gazetteer
    from kiemdiem.org.demo.layout import build_plan

    gaz = gazetteer()
    plan = build_plan("province", 1, gaz)
    thanh_hoa = plan.main_province.path
    communes = [u for u in plan.units if u.kind == UnitKind.COMMUNE and u.valid_to is None]
    in_main = {u.admin_code for u in communes if u.path.startswith(thanh_hoa)}
    assert in_main == {f"{c.code:05d}" for c in gaz.province(38).communes}
    assert 9_000 <= len(plan.units) <= 12_000
    assert 50_000 <= plan.person_count <= 70_000
    districts = [
        u for u in plan.units if u.kind == UnitKind.DISTRICT and u.path.startswith(thanh_hoa)
    ]
    assert len(districts) == 26  # Thanh Hóa's districts, towns and cities before 01/7/2025
    assert all(cell.n >= cell.lead_n + 1 for cell in plan.cells)
    assert build_plan("province", 1, gaz).person_count == plan.person_count


def test_login_table_is_printed_and_kept_for_make_run(db, tmp_path):
    kept = tmp_path / "var" / "demo-logins.txt"
    printed = seed("--scale", "small", "--seed", "7", "--logins-file", str(kept))
    table = kept.read_text(encoding="utf-8").splitlines()
    assert table[0].split()[:3] == ["Tài", "khoản", "Mật"]
    rows = {line.split()[0]: line for line in table[2:]}
    assert list(rows) == demo.DEMO_USERNAMES
    assert all(demo.DEMO_PASSWORD in line for line in rows.values())
    assert "Văn phòng Tỉnh ủy" in rows["vanphong"]
    assert all(line in printed for line in table)
    # A second make run finds the database loaded: nothing is reloaded, the kept table stays.
    again = seed("--scale", "small", "--if-empty", "--logins-file", str(kept))
    assert "không nạp dữ liệu mẫu" in again
    assert kept.read_text(encoding="utf-8").splitlines() == table


def test_national_scale_can_keep_fewer_provinces_the_demo_ones(db):
    from kiemdiem.org.demo.geo import gazetteer
    from kiemdiem.org.demo.layout import MAIN_PROVINCE, SECOND_PROVINCE, build_plan

    plan = build_plan("national", 1, gazetteer(), provinces_limit=1)  # the two demo ones
    codes = {u.code for u in plan.units if u.kind == UnitKind.PROVINCE}
    assert codes == {f"TU{MAIN_PROVINCE:02d}", f"TU{SECOND_PROVINCE:02d}"}
    with pytest.raises(CommandError, match="--provinces"):
        seed("--scale", "small", "--provinces", "2")
