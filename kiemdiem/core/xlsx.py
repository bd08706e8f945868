"""Lists as Excel workbooks: Vietnamese headers, dates dd/mm/yyyy, text never run as a formula.

One sheet per list, written with openpyxl's write-only mode (constant memory, so a list of tens of
thousands of rows streams through). Every text cell is stored as text (`data_type = "s"`): a
value typed as "=HYPERLINK(…)" or "+84…" by a user reaches Excel as the characters they typed,
never as a formula (the same rule as transfer.exporter). Characters XLSX cannot hold (control
characters) are dropped rather than failing the whole file.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0%"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """One column of an exported list: its Vietnamese header, how to read the value from a row,
    and its kind: "text", "int", "date", "datetime" or "percent" (a share between 0 and 1)."""

    header: str
    value: Callable[[Any], Any]
    kind: str = "text"
    width: int = 20


def _text(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # text, whatever it starts with: never a formula
    return cell


def _cell(sheet, column: Column, value: Any):
    if value is None or value == "":
        return None
    if column.kind == "date" and isinstance(value, datetime.date):
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if column.kind == "datetime" and isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(sheet, value=local.replace(tzinfo=None, microsecond=0))
        cell.number_format = DATETIME_FORMAT
        return cell
    if column.kind == "percent" and isinstance(value, int | float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = PERCENT_FORMAT
        return cell
    if column.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    return _text(sheet, str(value))


def sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\."""
    return " ".join(_SHEET_FORBIDDEN.sub(" ", title).split())[:31] or "Danh sach"


def write_xlsx(
    out: IO[bytes],
    *,
    title: str,
    columns: list[Column],
    rows: Iterable[Any],
    progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> int:
    """Write `rows` as one sheet into `out`; returns the number of rows written. `progress` is
    called with the count so far every `every` rows (a background export reports it)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        cell.data_type = "s"
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, column, column.value(row)) for column in columns])
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    workbook.save(out)
    return count


def attachment_name(base: str, day: datetime.date | None = None) -> str:
    """ "ke-hoach-khac-phuc-06-12-2026.xlsx": ASCII, with the day of the export."""
    day = day or timezone.localdate()
    return f"{base}-{day:%d-%m-%Y}.xlsx"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
