"""Dry run and real run of imports: creation, updates, idempotency, and every kind of bad input."""

import datetime
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Membership, Person, Position, Unit
from kiemdiem.org.permissions import can_edit_person
from kiemdiem.org.tests.factories import PersonFactory
from kiemdiem.transfer.states import ImportStatus
from kiemdiem.transfer.tests.helpers import (
    MEMBERSHIP_HEADERS,
    PEOPLE_HEADERS,
    POSITION_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    dry_run,
    import_now,
    rows_of,
    xlsx_bytes,
)

D = datetime.date
START = D(2025, 7, 1)


def import_workbook(units=(), people=(), memberships=(), positions=()) -> bytes:
    return xlsx_bytes(
        {
            "Đơn vị": [UNIT_HEADERS, *units],
            "Đảng viên": [PEOPLE_HEADERS, *people],
            "Sinh hoạt đảng": [MEMBERSHIP_HEADERS, *memberships],
            "Chức vụ": [POSITION_HEADERS, *positions],
        }
    )


NEW_CELL = ["CB38A1C", "Chi bộ Tổ Sử", "Chi bộ trực thuộc", "CS38A1", "", "01/07/2025", ""]
NEW_PEOPLE = [
    ["012345678", "Phạm Thị Mai", "12/03/1985", "Nữ", "15/05/2010", "15/05/2011"],
    ["012345679", "Đặng Văn Nam", "01/01/1990", "Nam", "03/02/2015", ""],
]
NEW_MEMBERSHIPS = [
    ["012345678", "CB38A1C", "Sinh hoạt chính thức", "01/07/2025", ""],
    ["012345679", "CB38A1C", "", "01/07/2025", ""],
]
NEW_POSITIONS = [["012345678", "CB38A1C", "Bí thư", "01/07/2025", "", "Không"]]


def org_audit_count() -> int:
    return AuditEvent.objects.filter(object_type__startswith="org.").count()


def test_real_run_creates_everything_with_paths_and_audit(org_tree, office):
    data = import_workbook([NEW_CELL], NEW_PEOPLE, NEW_MEMBERSHIPS, NEW_POSITIONS)
    before = org_audit_count()
    job = import_now({"du-lieu.xlsx": data}, user=office)
    assert job.status == ImportStatus.DONE, job.error
    assert job.counts["units"]["create"] == 1
    assert job.counts["people"]["create"] == 2
    cell = Unit.objects.get(code="CB38A1C")
    assert cell.parent == org_tree.grassroots_a1
    assert cell.path.startswith(org_tree.grassroots_a1.path) and cell.depth == 4
    assert cell.search_text == "chi bo to su cb38a1c"
    mai = Person.objects.get(party_card_number="012345678")
    assert mai.search_text == "pham thi mai 012345678" and mai.sort_key
    assert mai.gender == "female" and mai.birth_date == D(1985, 3, 12)
    assert Membership.objects.filter(person=mai, unit=cell, valid_from=D(2025, 7, 1)).exists()
    assert Position.objects.get(person=mai).role == "secretary"
    # One audit row per created object, attributed to the office, with the import as reason.
    events = AuditEvent.objects.filter(object_type__startswith="org.")
    assert org_audit_count() - before == 1 + 2 + 2 + 1
    created = events.get(object_type="org.person", object_id=str(mai.pk))
    assert created.actor == office and created.action == "create"
    assert "du-lieu.xlsx" in created.reason
    assert created.changes["full_name"] == [None, "Phạm Thị Mai"]
    unit_event = events.get(object_type="org.unit", object_id=str(cell.pk))
    assert unit_event.unit_path == cell.path
    # unit_ref lets the rows follow the unit if it is moved later (audit scoping uses the live tree)
    assert unit_event.unit_ref == cell.pk
    summary = AuditEvent.objects.filter(object_type="transfer.importjob", action="transition")
    assert summary.filter(changes__status=["Đang ghi dữ liệu", "Hoàn tất"]).count() == 1


def test_same_file_twice_changes_nothing(org_tree, office):
    data = import_workbook([NEW_CELL], NEW_PEOPLE, NEW_MEMBERSHIPS, NEW_POSITIONS)
    import_now({"a.xlsx": data}, user=office)
    before = org_audit_count()
    versions = list(Person.objects.order_by("pk").values_list("version", flat=True))
    job = dry_run({"a.xlsx": data}, user=office)
    assert job.status == ImportStatus.CHECKED
    assert job.changes == 0 and job.rejected == 0
    assert {e: c["unchanged"] for e, c in job.counts.items()} == {
        "units": 1,
        "people": 2,
        "memberships": 2,
        "positions": 1,
    }
    assert org_audit_count() == before
    assert list(Person.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_nfd_text_and_stray_spaces_are_normalized(org_tree, office):
    nfd = unicodedata.normalize("NFD", "  Phạm   Thị  Mai ")
    assert nfd != unicodedata.normalize("NFC", nfd)
    people = [[" 0123 45678 ", nfd, "12/03/1985", " nữ ", "15/05/2010", ""]]
    memberships = [["012345678", " cb38a1 ", "", "1/7/2025", ""]]
    job = import_now({"a.xlsx": import_workbook([], people, memberships)}, user=office)
    assert job.status == ImportStatus.DONE
    person = Person.objects.get(party_card_number="012345678")
    assert person.full_name == "Phạm Thị Mai"
    assert unicodedata.is_normalized("NFC", person.full_name)
    assert person.memberships.get().unit == org_tree.cell_a1
    # The same person written in NFC with single spaces is the same row: nothing to change.
    people = [["012345678", "Phạm Thị Mai", "12/03/1985", "Nữ", "15/05/2010", ""]]
    again = dry_run({"b.csv": csv_bytes([PEOPLE_HEADERS, *people])}, user=office)
    assert again.counts["people"] == {"create": 0, "update": 0, "unchanged": 1, "reject": 0}


def test_update_bumps_version_and_is_audited(org_tree, office):
    person = org_tree.members_a1[0]
    people = [
        [
            person.party_card_number,
            "Nguyễn Văn Đức Anh",
            "17/05/1980",
            "Nam",
            "02/03/2005",
            "02/03/2006",
        ]
    ]
    job = import_now({"p.csv": csv_bytes([PEOPLE_HEADERS, *people])}, user=office)
    assert job.counts["people"]["update"] == 1
    person.refresh_from_db()
    assert person.full_name == "Nguyễn Văn Đức Anh" and person.version == 2
    assert person.search_text.startswith("nguyen van duc anh")
    event = AuditEvent.objects.get(
        object_type="org.person", object_id=str(person.pk), action="update"
    )
    assert event.changes == {"full_name": ["Nguyễn Văn Đức", "Nguyễn Văn Đức Anh"]}


# --- bad input: the dry run names the row and the reason, and nothing is written -------------


def _counts() -> tuple[int, int, int, int]:
    return (
        Unit.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        Position.objects.count(),
    )


def _reasons(job, entity: str, row: int) -> str:
    found = [r for r in rows_of(job, "reject") if r[0] == entity and r[1] == row]
    assert found, job.report
    return " ".join(found[0][4])


@pytest.fixture
def untouched(org_tree):
    before = _counts()
    audit = AuditEvent.objects.filter(object_type__startswith="org.").count()
    yield
    assert _counts() == before
    assert AuditEvent.objects.filter(object_type__startswith="org.").count() == audit


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bao-cao.pdf", b"%PDF-1.7\n\x00\x01binary", "không phải bảng tính"),
        ("anh.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "không phải bảng tính"),
        ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Excel 97-2003"),
        ("hong.xlsx", b"PK\x03\x04 not really a zip file", "không đọc được như bảng tính"),
        ("cp1258.csv", "Tên đơn\n".encode("cp1258"), "không phải bảng tính"),
        ("rong.csv", b"", "tệp rỗng"),
    ],
)
def test_file_that_is_not_a_spreadsheet_is_refused(office, untouched, name, data, message):
    job = dry_run({name: data}, user=office)
    assert job.status == ImportStatus.CHECKED
    assert any(message in p and name in p for p in job.report["problems"]), job.report
    assert job.rejected and not job.changes


def test_missing_columns_are_named(office, untouched):
    data = csv_bytes([["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"], ["X1", "Xã 1", "TU38"]])
    job = dry_run({"don-vi.csv": data}, user=office)
    [problem] = job.report["problems"]
    assert "don-vi.csv" in problem and "thiếu cột “Loại đơn vị”" in problem
    workbook = xlsx_bytes({"Đảng viên": [["Họ và tên", "Ngày sinh"], ["A", "01/01/1990"]]})
    job = dry_run({"a.xlsx": workbook}, user=office)
    [problem] = job.report["problems"]
    assert "a.xlsx › Đảng viên" in problem and "“Số thẻ đảng viên”" in problem


def test_unknown_parent_code_is_rejected_on_its_row(office, untouched):
    units = [
        ["CB38X", "Chi bộ X", "Chi bộ trực thuộc", "KHONGCO", "", "", ""],
        ["CB38Y", "Chi bộ Y", "Chi bộ trực thuộc", "CB38X", "", "", ""],
    ]
    job = dry_run({"a.xlsx": import_workbook(units)}, user=office)
    assert "Không tìm thấy đơn vị cấp trên có mã KHONGCO" in _reasons(job, "units", 2)
    assert "Đơn vị cấp trên CB38X bị từ chối (dòng 2)" in _reasons(job, "units", 3)


def test_parent_defined_later_in_the_file_is_fine(org_tree, office):
    units = [
        ["CB38Y", "Chi bộ Y", "Chi bộ trực thuộc", "CS38NEW", "", "", ""],
        ["CS38NEW", "Đảng bộ mới", "Đảng bộ cơ sở", "X38A2", "", "", ""],
    ]
    job = import_now({"a.xlsx": import_workbook(units)}, user=office)
    assert job.status == ImportStatus.DONE
    child = Unit.objects.get(code="CB38Y")
    assert child.parent.code == "CS38NEW"
    assert child.path.startswith(org_tree.district_a2.path) and child.depth == 4


def test_cycle_in_the_file_is_rejected(office, untouched):
    units = [
        ["CS1", "Đảng bộ 1", "Đảng bộ cơ sở", "CS2", "", "", ""],
        ["CS2", "Đảng bộ 2", "Đảng bộ cơ sở", "CS1", "", "", ""],
    ]
    job = dry_run({"a.xlsx": import_workbook(units)}, user=office)
    assert "vòng lặp" in _reasons(job, "units", 2)
    assert "CS1 → CS2 → CS1" in _reasons(job, "units", 2)
    assert "vòng lặp" in _reasons(job, "units", 3)


def test_moving_a_unit_under_its_own_descendant_is_a_cycle(org_tree, admin, untouched):
    units = [["X38A1", "Đảng bộ xã Quảng Phú", "Đảng bộ xã, phường, đặc khu", "CS38A1", "", "", ""]]
    job = dry_run({"a.xlsx": import_workbook(units)}, user=admin)
    assert "X38A1 → CS38A1 → X38A1" in _reasons(job, "units", 2)


def test_duplicate_party_card_number_rejects_every_copy(office, untouched):
    people = [
        ["090000001", "Lê Văn A", "", "", "", ""],
        ["090000002", "Lê Văn B", "", "", "", ""],
        ["09000 0001", "Lê Văn C", "", "", "", ""],
    ]
    memberships = [["090000001", "CB38A1", "", "01/07/2025", ""]]
    job = dry_run({"a.xlsx": import_workbook([], people, memberships)}, user=office)
    assert "090000001 xuất hiện nhiều lần trong tệp (dòng 2, 4)" in _reasons(job, "people", 2)
    assert "xuất hiện nhiều lần" in _reasons(job, "people", 4)
    assert "bị từ chối ở bảng Đảng viên (dòng 2)" in _reasons(job, "memberships", 2)


def test_dates_that_do_not_parse_are_rejected(office, untouched):
    people = [["090000001", "Lê Văn A", "31/02/1990", "", "2010-13-01", ""]]
    job = dry_run({"a.xlsx": import_workbook([], people)}, user=office)
    reasons = _reasons(job, "people", 2)
    assert "Ngày “31/02/1990” ở cột Ngày sinh không hợp lệ" in reasons
    assert "Ngày “2010-13-01” ở cột Ngày vào Đảng không hợp lệ" in reasons


def test_bad_kinds_and_roles_are_rejected(office, untouched):
    units = [["CB1", "Chi bộ 1", "Chi đoàn", "CS38A1", "", "", ""]]
    positions = [["90000000", "CB38A1", "Tổng thư ký", "01/07/2025", "", "hơi hơi"]]
    job = dry_run({"a.xlsx": import_workbook(units, positions=positions)}, user=office)
    assert "“Chi đoàn” không phải là Loại đơn vị hợp lệ" in _reasons(job, "units", 2)
    reasons = _reasons(job, "positions", 2)
    assert "“Tổng thư ký” không phải là Chức vụ hợp lệ" in reasons
    assert "Kiêm nhiệm chỉ nhận “Có” hoặc “Không”" in reasons


def test_parent_kind_rule_comes_from_the_org_services(office, untouched):
    units = [["XNEW", "Đảng bộ xã mới", "commune", "CB38A1", "", "", ""]]
    job = dry_run({"a.xlsx": import_workbook(units)}, user=office)
    assert "dưới một chi bộ" in _reasons(job, "units", 2)


def test_membership_rules_are_the_services_rules(org_tree, office, untouched):
    card = org_tree.members_a1[0].party_card_number
    memberships = [
        [card, "CB38A1B", "", "01/08/2025", ""],  # already official in cell A1 since 01/07/2025
        [card, "CS38A1", "", "01/08/2025", ""],  # not a cell
        [card, "CB38A1B", "Sinh hoạt tạm thời", "01/01/2004", ""],  # before admission (2005)
    ]
    job = dry_run({"a.xlsx": import_workbook(memberships=memberships)}, user=office)
    assert "đang sinh hoạt chính thức tại “Chi bộ Tổ Toán”" in _reasons(job, "memberships", 2)
    assert "chỉ sinh hoạt tại chi bộ hoặc tổ đảng" in _reasons(job, "memberships", 3)
    assert "trước ngày vào Đảng" in _reasons(job, "memberships", 4)


def test_second_secretary_is_rejected(org_tree, cell_secretary, office, untouched):
    card = org_tree.members_a1[0].party_card_number
    positions = [[card, "CB38A1", "secretary", "01/09/2025", "", ""]]
    job = dry_run({"a.xlsx": import_workbook(positions=positions)}, user=office)
    assert "đã có Bí thư là Trần Thị Hương" in _reasons(job, "positions", 2)


def test_rows_outside_the_importers_subtrees_are_rejected(org_tree, office, untouched):
    units = [["CB42NEW", "Chi bộ mới", "Chi bộ cơ sở", "X42B1", "", "", ""]]
    people = [["090000009", "Hồ Văn Xa", "", "", "", ""]]
    memberships = [["090000009", "CB42B1", "", "01/07/2025", ""]]
    job = dry_run({"a.xlsx": import_workbook(units, people, memberships)}, user=office)
    assert "Chỉ văn phòng/ban tổ chức" in _reasons(job, "units", 2)
    assert "“Chi bộ khối phố 1”: Chỉ văn phòng/ban tổ chức" in _reasons(job, "memberships", 2)
    assert "phải có dòng sinh hoạt đảng tại một chi bộ do bạn quản lý" in _reasons(job, "people", 2)
    member_b = org_tree.member_b1
    people = [[member_b.party_card_number, "Tên Khác", "", "", "", ""]]
    job = dry_run({"p.csv": csv_bytes([PEOPLE_HEADERS, *people])}, user=office)
    assert "quản lý đảng viên này mới được sửa hồ sơ" in _reasons(job, "people", 2)


def test_a_position_in_scope_does_not_let_an_office_edit_someone_elses_member(
    org_tree, office, untouched
):
    """Province A's office gives province B's member a position in a province-A cell and rewrites
    them in the same file: the pages refuse both (`can_edit_person`), so does the import."""
    member_b = org_tree.member_b1
    card = member_b.party_card_number
    people = [[card, "Tên Bị Sửa", "", "", "", ""]]
    positions = [[card, "CB38A1", "Phó Bí thư", "01/09/2025", "", "Có"]]
    memberships = [[card, "CB38A1B", "Sinh hoạt tạm thời", "01/09/2025", ""]]
    job = dry_run(
        {"a.xlsx": import_workbook([], people, memberships, positions)},
        user=office,
    )
    assert job.status == ImportStatus.CHECKED and job.rejected == 3, job.report
    reason = "quản lý đảng viên này mới được sửa hồ sơ"
    assert reason in _reasons(job, "people", 2)
    assert f"Đảng viên Võ Văn Bình (số thẻ {card}): Chỉ" in _reasons(job, "positions", 2)
    assert reason in _reasons(job, "memberships", 2)
    # The same position alone (no change to the person) is refused too.
    job = dry_run({"a.xlsx": import_workbook(positions=positions)}, user=office)
    assert reason in _reasons(job, "positions", 2)
    member_b.refresh_from_db()
    assert member_b.full_name == "Võ Văn Bình" and member_b.version == 1


def test_an_ended_membership_in_scope_does_not_let_an_office_edit_the_person(org_tree, office):
    """Only current memberships count, as in `can_edit_person`: someone who left a province-A cell
    for province B is province B's to edit."""
    moved = PersonFactory(full_name="Bùi Thị Lan")
    services.membership_add(
        person=moved, unit=org_tree.cell_a1, valid_from=START, valid_to=D(2025, 12, 31), by=SYSTEM
    )
    services.membership_add(
        person=moved, unit=org_tree.cell_b1, valid_from=D(2026, 1, 1), by=SYSTEM
    )
    people = [[moved.party_card_number, "Tên Bị Sửa", "", "", "", ""]]
    job = dry_run({"p.csv": csv_bytes([PEOPLE_HEADERS, *people])}, user=office)
    assert "quản lý đảng viên này mới được sửa hồ sơ" in _reasons(job, "people", 2)
    moved.refresh_from_db()
    assert moved.full_name == "Bùi Thị Lan"


def test_between_transfers_the_cell_left_last_still_answers_for_the_person(org_tree, office):
    """With no current cell, the org rule gives the person to the office of the cell they left
    last (to complete a transfer); the import, deciding on its preloaded memberships, agrees."""
    leaving = PersonFactory(full_name="Bùi Thị Lan")
    services.membership_add(
        person=leaving, unit=org_tree.cell_a1, valid_from=START, valid_to=D(2025, 12, 31), by=SYSTEM
    )
    assert can_edit_person(office, leaving)
    people = [[leaving.party_card_number, "Bùi Thị Lan Anh", "", "", "", ""]]
    job = dry_run({"p.csv": csv_bytes([PEOPLE_HEADERS, *people])}, user=office)
    assert job.status == ImportStatus.CHECKED and not job.rejected, job.report
    assert job.counts["people"]["update"] == 1


def _dry_run_queries(org_tree, office, count: int) -> int:
    people = []
    for i in range(count):
        person = PersonFactory(full_name=f"Người Thử {i}")
        services.membership_add(person=person, unit=org_tree.cell_a1, valid_from=START, by=SYSTEM)
        people.append([person.party_card_number, f"Người Đã Sửa {i}", "", "", "", ""])
    data = csv_bytes([PEOPLE_HEADERS, *people])
    with CaptureQueriesContext(connection) as queries:
        job = dry_run({"p.csv": data}, user=office)
    assert job.status == ImportStatus.CHECKED and not job.rejected, job.report
    assert job.counts["people"]["update"] == count
    return len(queries)


def test_dry_run_queries_do_not_grow_with_the_people_it_updates(org_tree, office):
    """Person scope comes from the memberships loaded once, not a query per existing person."""
    few = _dry_run_queries(org_tree, office, 5)
    many = _dry_run_queries(org_tree, office, 50)
    assert many <= few < 40, (few, many)


def test_office_still_edits_its_own_members_and_gives_them_positions(org_tree, office):
    person = org_tree.members_a1[2]
    card = person.party_card_number
    people = [[card, "Lê Minh Anh Thư", "", "", "", ""]]
    positions = [[card, "CB38A1", "Phó Bí thư", "01/09/2025", "", "Không"]]
    job = import_now({"a.xlsx": import_workbook([], people, positions=positions)}, user=office)
    assert job.status == ImportStatus.DONE, job.report
    person.refresh_from_db()
    assert person.full_name == "Lê Minh Anh Thư"
    assert Position.objects.filter(person=person, unit=org_tree.cell_a1).count() == 1


def test_one_bad_row_blocks_the_whole_import(org_tree, office, untouched):
    from kiemdiem.core.errors import DomainError
    from kiemdiem.transfer import jobs

    people = [*NEW_PEOPLE, ["012", "Người Lỗi", "99/99/1999", "", "", ""]]
    job = dry_run({"a.xlsx": import_workbook([NEW_CELL], people, NEW_MEMBERSHIPS)}, user=office)
    assert job.counts["people"] == {"create": 2, "update": 0, "unchanged": 0, "reject": 1}
    with pytest.raises(DomainError, match="từ chối"):
        jobs.job_confirm(job, by=office)
