"""A list as an Excel workbook, answered at once: Vietnamese headers, dates dd/mm/yyyy, text
cells always text (a value typed as "=…" reaches Excel as the characters typed, never as a
formula). Used by the record lists until the exports registry (issue 11) serves them.
"""

import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A column: its header, how to read the value from a row, "text", "int" or "date"."""

    header: str
    value: Callable[[Any], Any]
    kind: str = "text"
    width: int = 20


def _cell(sheet: Any, column: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    if column.kind == "date" and isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    if column.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"  # text, whatever it starts with: never a formula
    return cell


def xlsx_response(
    *, title: str, filename: str, columns: list[Column], rows: Iterable[Any]
) -> HttpResponse:
    """The workbook of one list, as a download named `filename-dd-mm-yyyy.xlsx`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, column, column.value(row)) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    name = f"{filename}-{timezone.localdate():%d-%m-%Y}.xlsx"
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def wants_xlsx(request: Any) -> bool:
    """The list page was asked for its workbook (`?xuat=xlsx`)."""
    return request.GET.get("xuat") == "xlsx"
