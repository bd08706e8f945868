"""Templates open in Excel's format; exports re-import with no change (XLSX and CSV)."""

import datetime
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Person, PositionRole, Unit
from kiemdiem.transfer import exporter
from kiemdiem.transfer.columns import (
    ENTITIES,
    FORMULA_START,
    TABLES,
    csv_escape,
    csv_unescape,
)
from kiemdiem.transfer.tests.helpers import PEOPLE_HEADERS, dry_run, import_now

D = datetime.date


def test_template_workbook_has_instructions_and_one_sheet_per_table():
    workbook = load_workbook(io.BytesIO(exporter.template_xlsx()))
    assert workbook.sheetnames == ["Hướng dẫn", "Đơn vị", "Đảng viên", "Sinh hoạt đảng", "Chức vụ"]
    for entity in ENTITIES:
        header = next(workbook[TABLES[entity].sheet].iter_rows(values_only=True))
        assert list(header) == TABLES[entity].headers
    text = " ".join(
        str(c) for row in workbook["Hướng dẫn"].iter_rows(values_only=True) for c in row
    )
    assert "dd/mm/yyyy" in text and "Chi bộ trực thuộc" in text and "Bí thư" in text


def test_template_csv_has_bom_and_headers():
    data = exporter.template_csv("people")
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").strip() == ",".join(PEOPLE_HEADERS)


@pytest.fixture
def rich_tree(org_tree):
    """Positions (one concurrent, one ended) and a temporary membership, to round-trip too."""
    hung = org_tree.members_a1[1]
    services.position_add(
        person=hung,
        unit=org_tree.cell_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        valid_to=D(2025, 12, 31),
        is_concurrent=True,
        by=SYSTEM,
    )
    services.membership_add(
        person=org_tree.members_a1[2],
        unit=org_tree.cell_a1b,
        kind="temporary",
        valid_from=D(2025, 8, 1),
        by=SYSTEM,
    )
    return org_tree


def test_xlsx_export_reimports_with_no_change(rich_tree, admin):
    out = io.BytesIO()
    exporter.export_xlsx(rich_tree.root, out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    people = list(workbook["Đảng viên"].iter_rows(values_only=True))
    assert len(people) == 1 + 4
    assert isinstance(people[1][2], datetime.datetime)  # a real date cell
    assert workbook["Đảng viên"]["C2"].number_format == "DD/MM/YYYY"
    audit = AuditEvent.objects.filter(object_type__startswith="org.").count()
    job = dry_run({"xuat.xlsx": out.getvalue()}, user=admin)
    assert job.rejected == 0 and job.changes == 0, job.report
    assert job.counts["units"]["unchanged"] == 11
    assert job.counts["positions"]["unchanged"] == 1
    assert job.counts["memberships"]["unchanged"] == 5
    assert AuditEvent.objects.filter(object_type__startswith="org.").count() == audit


def test_csv_export_of_an_office_subtree_reimports_with_no_change(rich_tree, office, tmp_path):
    call_command(
        "export_org",
        str(tmp_path),
        unit="TU38",
        format="csv",
        user=office.username,
        stdout=io.StringIO(),
    )
    files = {TABLES[e].filename: (tmp_path / TABLES[e].filename).read_bytes() for e in ENTITIES}
    assert files["don-vi.csv"].startswith("\ufeff".encode())
    assert "Đảng bộ tỉnh Thanh Hóa" in files["don-vi.csv"].decode("utf-8-sig")
    assert "Hà Tĩnh" not in files["don-vi.csv"].decode("utf-8-sig")
    job = dry_run(files, user=office)
    assert job.rejected == 0 and job.changes == 0, job.report
    assert job.counts["people"]["unchanged"] == 3


def test_edited_export_updates_only_what_changed(rich_tree, admin):
    lines = list(exporter.csv_lines("people", rich_tree.root))
    person = rich_tree.members_a1[0]
    edited = [
        line.replace(person.full_name, "Nguyễn Văn Đức Minh")
        if line.startswith(person.party_card_number)
        else line
        for line in lines
    ]
    job = import_now({"dang-vien.csv": "".join(edited).encode()}, user=admin)
    assert job.counts["people"] == {"create": 0, "update": 1, "unchanged": 3, "reject": 0}
    assert Person.objects.get(pk=person.pk).full_name == "Nguyễn Văn Đức Minh"


def test_outsider_cannot_export_another_subtree(rich_tree, outsider, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không tìm thấy đơn vị mã"):
        call_command("export_org", str(tmp_path / "a.xlsx"), unit="TU38", user=outsider.username)


# --- values Excel would run as formulas, and card numbers Excel would turn into numbers ----------

FORMULA_NAME = '=HYPERLINK("http://x.example","Bấm")'


@pytest.fixture
def formula_tree(org_tree):
    """Names that start like formulas (set directly: no form would refuse them either)."""
    Person.objects.filter(pk=org_tree.members_a1[0].pk).update(full_name=FORMULA_NAME)
    Person.objects.filter(pk=org_tree.members_a1[1].pk).update(full_name="+Trần Thị Hương")
    Person.objects.filter(pk=org_tree.members_a1[2].pk).update(full_name="'-Lê Minh Anh")
    Unit.objects.filter(pk=org_tree.cell_a1b.pk).update(name="@Chi bộ Tổ Văn", admin_code="-12")
    return org_tree


def test_xlsx_export_writes_formula_like_text_as_text_and_reimports_unchanged(formula_tree, admin):
    out = io.BytesIO()
    exporter.export_xlsx(formula_tree.root, out)
    # data_only: what a reader sees without running formulas (a formula cell would be empty).
    workbook = load_workbook(io.BytesIO(out.getvalue()), data_only=True)
    names = {row[1] for row in workbook["Đảng viên"].iter_rows(min_row=2, values_only=True)}
    assert {FORMULA_NAME, "+Trần Thị Hương", "'-Lê Minh Anh"} <= names
    sheet = workbook["Đảng viên"]
    assert all(sheet.cell(row=r, column=2).data_type == "s" for r in range(2, sheet.max_row + 1))
    units = {row[0]: row for row in workbook["Đơn vị"].iter_rows(min_row=2, values_only=True)}
    assert units["CB38A1B"][1] == "@Chi bộ Tổ Văn" and units["CB38A1B"][4] == "-12"
    job = dry_run({"xuat.xlsx": out.getvalue()}, user=admin)
    assert job.rejected == 0 and job.changes == 0, job.report


def test_csv_export_escapes_formulas_and_the_import_unescapes_them(formula_tree, admin):
    people = "".join(exporter.csv_lines("people", formula_tree.root))
    units = "".join(exporter.csv_lines("units", formula_tree.root))
    assert '"\'=HYPERLINK(""http://x.example"",""Bấm"")"' in people
    assert ",'+Trần Thị Hương," in people and ",''-Lê Minh Anh," in people
    assert ",'@Chi bộ Tổ Văn," in units and ",'-12," in units
    files = {"dang-vien.csv": people.encode(), "don-vi.csv": units.encode()}
    job = dry_run(files, user=admin)
    assert job.rejected == 0 and job.changes == 0, job.report
    assert job.counts["people"]["unchanged"] == 4


@pytest.mark.parametrize(
    "value", ["", "abc", "'abc", "=1+2", "'=1+2", "''@x", "-", "+84 912", "\tx", "a=b", "'"]
)
def test_csv_escape_is_undone_exactly(value):
    escaped = csv_escape(value)
    assert csv_unescape(escaped) == value
    assert not escaped.startswith(FORMULA_START)


def test_card_columns_are_text_in_the_template_and_the_export(rich_tree):
    template = load_workbook(io.BytesIO(exporter.template_xlsx()))
    for entity in ("people", "memberships", "positions"):
        assert template[TABLES[entity].sheet].column_dimensions["A"].number_format == "@"
    assert template["Đơn vị"].column_dimensions["A"].number_format != "@"
    out = io.BytesIO()
    exporter.export_xlsx(rich_tree.root, out)
    people = load_workbook(io.BytesIO(out.getvalue()))["Đảng viên"]
    assert people.column_dimensions["A"].number_format == "@"
    assert people["A2"].number_format == "@" and people["A2"].data_type == "s"


def test_a_card_number_excel_turned_into_a_number_is_rejected(org_tree, office):
    from kiemdiem.transfer.tests.helpers import MEMBERSHIP_HEADERS, rows_of, xlsx_bytes

    Person.objects.filter(pk=org_tree.members_a1[0].pk).update(party_card_number="012345678")
    before = Person.objects.count()
    data = xlsx_bytes(
        {
            "Đảng viên": [PEOPLE_HEADERS, [12345678, "Nguyễn Văn Đức", "", "", "", ""]],
            "Sinh hoạt đảng": [MEMBERSHIP_HEADERS, [12345678.0, "CB38A1", "", "01/07/2025", ""]],
        }
    )
    job = dry_run({"a.xlsx": data}, user=office)
    rejected = rows_of(job, "reject")
    assert {(r[0], r[1]) for r in rejected} == {("people", 2), ("memberships", 2)}, job.report
    assert "Số thẻ đảng viên “12345678” là ô kiểu số trong Excel" in " ".join(rejected[0][4])
    assert "Văn bản (Text)" in " ".join(rejected[0][4])
    assert Person.objects.count() == before
