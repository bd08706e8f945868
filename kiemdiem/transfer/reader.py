"""Reading uploaded files into tables of raw cells: XLSX workbooks and UTF-8 CSV files.

A file is recognised by its first bytes, not its name. Every problem that stops a whole file or
sheet (not a spreadsheet, not UTF-8, missing columns, too many rows) becomes a Vietnamese message
in `problems`; row-level problems are the planner's business.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from kiemdiem.transfer.columns import (
    INSTRUCTIONS_SHEET,
    TABLES,
    Table,
    csv_unescape,
    guess_table,
    header_key,
    match_headers,
    missing_columns,
)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls
SHEET_KEYS = {header_key(t.sheet): t for t in TABLES.values()}


@dataclass
class Sheet:
    """The rows of one table from one file (a CSV file or a sheet of a workbook)."""

    table: Table
    source: str
    columns: dict[str, int]
    rows: list[tuple[int, tuple]] = field(default_factory=list)


@dataclass
class Contents:
    sheets: list[Sheet] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


def read_files(files: Iterable[tuple[str, IO[bytes]]], *, entity: str = "") -> Contents:
    """Read every (name, binary file) into sheets; one workbook or CSV files, in any order."""
    contents = Contents()
    for name, handle in files:
        head = handle.read(4096)
        handle.seek(0)
        if head.startswith(XLSX_MAGIC):
            _read_xlsx(name, handle, contents)
        elif head.startswith(OLE_MAGIC):
            contents.problems.append(
                _(
                    "%(f)s: tệp Excel 97-2003 (.xls) chưa được hỗ trợ; hãy mở bằng Excel và lưu "
                    "lại thành .xlsx hoặc CSV UTF-8."
                )
                % {"f": name}
            )
        elif not head.strip():
            contents.problems.append(_("%(f)s: tệp rỗng.") % {"f": name})
        elif b"\x00" in head or not _looks_like_text(head):
            contents.problems.append(
                _("%(f)s: không phải bảng tính (chỉ nhận tệp .xlsx hoặc .csv mã UTF-8).")
                % {"f": name}
            )
        else:
            _read_csv(name, handle, contents, entity)
    seen: dict[str, str] = {}
    for sheet in contents.sheets:
        if sheet.table.entity in seen:
            contents.problems.append(
                _("Bảng “%(t)s” có ở cả %(a)s và %(b)s: mỗi bảng chỉ được nhập từ một nơi.")
                % {"t": sheet.table.label, "a": seen[sheet.table.entity], "b": sheet.source}
            )
        seen.setdefault(sheet.table.entity, sheet.source)
    limit = settings.KIEMDIEM_IMPORT_MAX_ROWS
    if contents.row_count > limit:
        contents.problems.append(
            _("Tệp có %(n)s dòng dữ liệu, vượt giới hạn %(max)s dòng một lần nhập.")
            % {"n": f"{contents.row_count:,}".replace(",", "."), "max": limit}
        )
    if not contents.sheets and not contents.problems:
        contents.problems.append(_("Không có bảng dữ liệu nào để nhập."))
    return contents


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 (a multi-byte character cut at the end of the sample is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _add_sheet(
    contents: Contents,
    source: str,
    header: list,
    rows: Iterable[tuple[int, tuple]],
    table: Table | None,
) -> None:
    if table is None:
        table, found = guess_table(header)
        if not found:
            contents.problems.append(
                _(
                    "%(s)s: không nhận ra bảng dữ liệu từ dòng tiêu đề; hãy dùng tệp mẫu "
                    "(các cột của bảng Đơn vị: %(cols)s…)."
                )
                % {"s": source, "cols": ", ".join(TABLES["units"].headers[:3])}
            )
            return
    else:
        found = match_headers(table, header)
    missing = missing_columns(table, found)
    if missing:
        contents.problems.append(
            _("%(s)s (bảng %(t)s): thiếu cột %(cols)s.")
            % {"s": source, "t": table.label, "cols": ", ".join(f"“{m}”" for m in missing)}
        )
        return
    width = len(header)
    sheet = Sheet(table=table, source=source, columns=found)
    limit = settings.KIEMDIEM_IMPORT_MAX_ROWS
    for number, cells in rows:
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue  # blank rows are skipped, not reported
        if len(cells) < width:
            cells = tuple(cells) + (None,) * (width - len(cells))
        sheet.rows.append((number, tuple(cells)))
        if len(sheet.rows) > limit:
            break
    contents.sheets.append(sheet)


def _read_xlsx(name: str, handle: IO[bytes], contents: Contents) -> None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        contents.problems.append(
            _("%(f)s: không đọc được như bảng tính Excel (.xlsx): %(e)s")
            % {"f": name, "e": exc.__class__.__name__}
        )
        return
    try:
        for worksheet in workbook.worksheets:
            title = worksheet.title
            if header_key(title) == header_key(INSTRUCTIONS_SHEET):
                continue
            rows = worksheet.iter_rows(values_only=True)
            header: list = []
            header_row = 0
            for number, cells in enumerate(rows, start=1):
                if any(c not in (None, "") for c in cells):
                    header, header_row = list(cells), number
                    break
            source = f"{name} › {title}"
            if not header:
                contents.notes.append(_("%(s)s: trang trống, bỏ qua.") % {"s": source})
                continue
            table = SHEET_KEYS.get(header_key(title))
            if table is None:
                guessed, found = guess_table(header)
                if not missing_columns(guessed, found) and found:
                    table = guessed
                else:
                    contents.notes.append(
                        _(
                            "%(s)s: không phải trang dữ liệu (Đơn vị, Đảng viên, Sinh hoạt đảng, "
                            "Chức vụ), bỏ qua."
                        )
                        % {"s": source}
                    )
                    continue
            _add_sheet(
                contents,
                source,
                header,
                enumerate(rows, start=header_row + 1),
                table,
            )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        contents.problems.append(
            _("%(f)s: bảng tính bị hỏng, không đọc hết được: %(e)s")
            % {"f": name, "e": exc.__class__.__name__}
        )
    finally:
        workbook.close()


def _read_csv(name: str, handle: IO[bytes], contents: Contents, entity: str) -> None:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(text, delimiter=delimiter)
        header = next(csv.reader([first], delimiter=delimiter), [])
        # line_num counts physical lines, so quoted line breaks keep row numbers right.
        rows = [(reader.line_num + 1, tuple(map(csv_unescape, cells))) for cells in reader]
    except UnicodeDecodeError:
        contents.problems.append(
            _(
                "%(f)s: không phải văn bản UTF-8; trong Excel hãy chọn Lưu thành “CSV UTF-8 "
                "(phân cách bằng dấu phẩy)”."
            )
            % {"f": name}
        )
        return
    except csv.Error as exc:
        contents.problems.append(_("%(f)s: tệp CSV hỏng: %(e)s") % {"f": name, "e": exc})
        return
    finally:
        text.detach()
    _add_sheet(contents, name, header, rows, TABLES.get(entity) if entity else None)
