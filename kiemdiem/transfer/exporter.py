"""Templates to fill in, and exports of a subtree that re-import unchanged (same headers).

XLSX: one sheet per table, dates as real dates shown dd/mm/yyyy, card numbers as text (leading
zeros kept); written in openpyxl's write-only mode so a province exports in constant memory.
CSV: one file per table, UTF-8 with a BOM so that Excel shows Vietnamese correctly; a value that
Excel would run as a formula (starting with = + - @, tab or CR) gets a leading apostrophe, which
the import removes again (`columns.csv_escape` / `csv_unescape`). XLSX text cells are always
written as text, never as formulas.
People without a Party card number cannot be matched on re-import, so they (and their
memberships and positions) are left out of exports.
"""

import csv
import datetime
import io
from collections.abc import Iterator
from typing import IO

from django.db.models import Exists, OuterRef, Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from kiemdiem.org.models import (
    Gender,
    Membership,
    MembershipKind,
    Person,
    Position,
    PositionRole,
    Unit,
    UnitKind,
)
from kiemdiem.transfer.columns import (
    ENTITIES,
    INSTRUCTIONS_SHEET,
    MEMBERSHIPS,
    PEOPLE,
    POSITIONS,
    TABLES,
    UNITS,
    choice_label,
    csv_escape,
    format_date,
)

DATE_FORMAT = "DD/MM/YYYY"
TEXT_FORMAT = "@"
CHUNK = 2000
WIDTHS = {"name": 48, "full_name": 28, "kind": 36, "role": 26}


# --- rows of a subtree -----------------------------------------------------------------------


def unit_rows(root: Unit) -> Iterator[list]:
    qs = (
        Unit.objects.filter(path__startswith=root.path)
        .order_by("path")
        .values_list("code", "name", "kind", "parent__code", "admin_code", "valid_from", "valid_to")
    )
    for code, name, kind, parent, admin_code, valid_from, valid_to in qs.iterator(CHUNK):
        yield [
            code,
            name,
            choice_label(UnitKind, kind),
            parent or "",
            admin_code,
            valid_from,
            valid_to,
        ]


def _carded(qs):
    return qs.filter(person__party_card_number__isnull=False).exclude(person__party_card_number="")


def people_rows(root: Unit) -> Iterator[list]:
    in_subtree = Exists(
        Membership.objects.filter(person=OuterRef("pk"), unit__path__startswith=root.path)
    ) | Exists(Position.objects.filter(person=OuterRef("pk"), unit__path__startswith=root.path))
    qs = (
        Person.objects.filter(in_subtree)
        .filter(~Q(party_card_number=""), party_card_number__isnull=False)
        .order_by("sort_key", "pk")
        .values_list(
            "party_card_number",
            "full_name",
            "birth_date",
            "gender",
            "admission_date",
            "official_date",
        )
    )
    for card, name, birth, gender, admission, official in qs.iterator(CHUNK):
        yield [card, name, birth, choice_label(Gender, gender), admission, official]


def membership_rows(root: Unit) -> Iterator[list]:
    qs = (
        _carded(Membership.objects.filter(unit__path__startswith=root.path))
        .order_by("unit__path", "person__sort_key", "valid_from", "pk")
        .values_list("person__party_card_number", "unit__code", "kind", "valid_from", "valid_to")
    )
    for card, code, kind, valid_from, valid_to in qs.iterator(CHUNK):
        yield [card, code, choice_label(MembershipKind, kind), valid_from, valid_to]


def position_rows(root: Unit) -> Iterator[list]:
    qs = (
        _carded(Position.objects.filter(unit__path__startswith=root.path))
        .order_by("unit__path", "role", "valid_from", "pk")
        .values_list(
            "person__party_card_number",
            "unit__code",
            "role",
            "valid_from",
            "valid_to",
            "is_concurrent",
        )
    )
    for card, code, role, valid_from, valid_to, concurrent in qs.iterator(CHUNK):
        yield [
            card,
            code,
            choice_label(PositionRole, role),
            valid_from,
            valid_to,
            "Có" if concurrent else "Không",
        ]


ROWS = {
    UNITS: unit_rows,
    PEOPLE: people_rows,
    MEMBERSHIPS: membership_rows,
    POSITIONS: position_rows,
}


# --- XLSX ------------------------------------------------------------------------------------


def _header_cells(sheet, headers: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _text_cell(sheet, value: str, *, number_format: str = "") -> WriteOnlyCell:
    """A cell that is text whatever it starts with: openpyxl would store "=…" as a formula (which
    Excel runs and a re-import reads back empty)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def _data_sheet(workbook: Workbook, entity: str, rows: Iterator[list] | None) -> None:
    table = TABLES[entity]
    sheet = workbook.create_sheet(table.sheet)
    for index, column in enumerate(table.columns):
        letter = chr(ord("A") + index)
        width = WIDTHS.get(column.key, 16 if column.kind == "date" else 20)
        sheet.column_dimensions[letter].width = width
        if column.kind == "card":
            # Text, so Excel keeps the leading zeros of 012345678 in the rows the user types.
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"
    sheet.append(_header_cells(sheet, table.headers))
    date_columns = {i for i, c in enumerate(table.columns) if c.kind == "date"}
    card_columns = {i for i, c in enumerate(table.columns) if c.kind == "card"}
    for row in rows or ():
        cells: list = []
        for index, value in enumerate(row):
            if index in date_columns and isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT
                cells.append(cell)
            elif isinstance(value, str) and value:
                text_format = TEXT_FORMAT if index in card_columns else ""
                cells.append(_text_cell(sheet, value, number_format=text_format))
            else:
                cells.append(value if value is not None else None)
        sheet.append(cells)


def export_xlsx(root: Unit, out: IO[bytes]) -> None:
    """The subtree of `root` as one workbook, one sheet per table."""
    workbook = Workbook(write_only=True)
    for entity in ENTITIES:
        _data_sheet(workbook, entity, ROWS[entity](root))
    workbook.save(out)


def template_xlsx() -> bytes:
    """The empty workbook to fill in, with an instructions sheet first."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 12
    sheet.column_dimensions["D"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in INSTRUCTIONS:
        cell = WriteOnlyCell(sheet, value=line)
        sheet.append([cell])
    sheet.append([])
    sheet.append(_header_cells(sheet, ["Trang", "Cột", "Bắt buộc", "Cách ghi"]))
    for table in TABLES.values():
        for column in table.columns:
            accepted = column.help
            if column.choices is not None:
                labels = "; ".join(str(label) for _v, label in column.choices.choices)
                accepted = f"{accepted} Một trong: {labels}.".strip()
            note = WriteOnlyCell(sheet, value=accepted)
            note.alignment = wrap
            sheet.append([table.sheet, column.header, "Có" if column.required else "", note])
    for entity in ENTITIES:
        _data_sheet(workbook, entity, None)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


INSTRUCTIONS = [
    "Mẫu nhập dữ liệu tổ chức đảng, đảng viên, sinh hoạt đảng và chức vụ",
    "Mỗi trang một bảng; giữ nguyên dòng tiêu đề. Có thể bỏ trống trang không dùng.",
    "Đơn vị nhận biết bằng mã đơn vị, đảng viên bằng số thẻ đảng viên: nhập lại cùng tệp không "
    "thay đổi gì; dòng đã có thì được cập nhật theo tệp (ô để trống thì xóa giá trị đó).",
    "Ngày ghi dd/mm/yyyy (ví dụ 01/07/2025) hoặc để ô kiểu ngày của Excel.",
    "Loại đơn vị, hình thức, chức vụ, giới tính: ghi đúng tên trong bảng dưới (hoặc mã tiếng Anh).",
    "Luôn chạy thử trước: hệ thống báo từng dòng sẽ tạo mới, cập nhật hay bị từ chối và vì sao; "
    "chỉ khi không còn dòng nào bị từ chối mới ghi, và ghi tất cả hoặc không ghi gì.",
    "Nhập không xóa dữ liệu: đơn vị, đảng viên không có trong tệp được giữ nguyên.",
]


# --- CSV -------------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if isinstance(value, datetime.date):
        return format_date(value)
    return "" if value is None else csv_escape(str(value))


def csv_lines(entity: str, root: Unit | None) -> Iterator[str]:
    """The CSV text of one table, line by line, starting with a BOM (for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TABLES[entity].headers)
    yield "\ufeff" + buffer.getvalue()
    if root is None:
        return
    for row in ROWS[entity](root):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_value(v) for v in row])
        yield buffer.getvalue()


def export_csv(entity: str, root: Unit, out: IO[bytes]) -> None:
    for line in csv_lines(entity, root):
        out.write(line.encode("utf-8"))


def template_csv(entity: str) -> bytes:
    return "".join(csv_lines(entity, None)).encode("utf-8")
