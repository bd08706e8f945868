"""Reading uploaded files into tables of raw cells: XLSX workbooks and UTF-8 CSV files.

A file is recognised by its first bytes, not its name. Every problem that stops a whole file or
sheet (not a spreadsheet, not UTF-8, missing columns, too many rows) becomes a Vietnamese message
in `problems`; row-level problems are the planner's business.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO
from zlib import error as zlib_error

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
# No table has more than a dozen columns; cells right of this are never read (a sheet can claim
# 16,384 columns, and a read-only workbook would pad every row to that width).
MAX_COLUMNS = 40
# A cell of the templates holds a name, a code or a date. Text longer than this is refused, and
# a workbook whose XML holds a longer run of text is refused before it is parsed at all.
MAX_CELL_CHARS = 2000
# Bytes of XML text without a tag, that hold at most MAX_CELL_CHARS characters: UTF-8 takes up
# to 3 bytes per Vietnamese letter, but writers that escape every non-ASCII letter as a character
# reference (openpyxl does when lxml is installed: "Ă" is "&#258;", "ắ" is "&#7855;") take up to
# 8 ("&#65535;"), and a cell just over the limit must reach the row check that names it.
MAX_TEXT_RUN = MAX_CELL_CHARS * 8 + 1024
ROW_TAG = re.compile(rb"<row[ >/]")
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
            if _xlsx_is_sane(name, handle, contents):
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
    blank_limit = settings.KIEMDIEM_IMPORT_MAX_BLANK_ROWS
    blank = 0
    for number, cells in rows:
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            # Blank rows are skipped, but counted: a file of millions of them is refused.
            blank += 1
            if blank > blank_limit:
                contents.problems.append(
                    _(
                        "%(s)s: có hơn %(n)s dòng trống; hãy xóa các dòng trống (hoặc định dạng "
                        "thừa) ở cuối trang rồi lưu lại."
                    )
                    % {"s": source, "n": f"{blank_limit:,}".replace(",", ".")}
                )
                break
            continue
        long = next((c for c in cells if isinstance(c, str) and len(c) > MAX_CELL_CHARS), None)
        if long is not None:
            contents.problems.append(_cell_too_long(source, number, len(long)))
            break
        if len(cells) < width:
            cells = tuple(cells) + (None,) * (width - len(cells))
        sheet.rows.append((number, tuple(cells)))
        if len(sheet.rows) > limit:
            break
    contents.sheets.append(sheet)


def _cell_too_long(source: str, row: int, length: int) -> str:
    where = _("dòng %(r)s") % {"r": row}
    return _(
        "%(s)s, %(w)s: ô có %(n)s ký tự, quá dài (tối đa %(max)s); không đọc tiếp tệp này."
    ) % {
        "s": source,
        "w": where,
        "n": f"{length:,}".replace(",", "."),
        "max": f"{MAX_CELL_CHARS:,}".replace(",", "."),
    }


def _xlsx_is_sane(name: str, handle: IO[bytes], contents: Contents) -> bool:
    """Before the workbook is parsed: its XML is read as a stream (1 MB at a time, constant
    memory) and refused if it inflates past KIEMDIEM_IMPORT_MAX_XML_BYTES, holds a run of text
    longer than a cell may be, or more rows (blank ones included) than an import may have.
    openpyxl would otherwise build every string and every row in memory first."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # _read_xlsx reports the broken file
    max_bytes = settings.KIEMDIEM_IMPORT_MAX_XML_BYTES
    max_rows = settings.KIEMDIEM_IMPORT_MAX_ROWS + settings.KIEMDIEM_IMPORT_MAX_BLANK_ROWS
    inflated = rows = 0
    long = re.compile(rb"[^<]{%d,}" % MAX_TEXT_RUN)
    try:
        for info in archive.infolist():
            part = info.filename
            scanned = part == "xl/sharedStrings.xml" or (
                part.startswith("xl/worksheets/") and part.endswith(".xml")
            )
            if not scanned:
                inflated += info.file_size
                continue
            run = 0
            tail = b""
            with archive.open(info) as stream:
                while chunk := stream.read(1 << 20):
                    inflated += len(chunk)  # counted as read: the declared size may lie
                    if inflated > max_bytes:
                        contents.problems.append(
                            _(
                                "%(f)s: bảng tính khi giải nén lớn hơn %(mb)s MB; hãy chia dữ "
                                "liệu thành nhiều tệp."
                            )
                            % {"f": name, "mb": max_bytes // 1048576}
                        )
                        return False
                    first = chunk.find(b"<")
                    run = run + len(chunk) if first < 0 else run + first
                    if run > MAX_TEXT_RUN or (first >= 0 and long.search(chunk, first)):
                        contents.problems.append(
                            _("%(f)s: có ô dài hơn %(max)s ký tự, quá dài; không đọc tiếp tệp này.")
                            % {"f": name, "max": f"{MAX_CELL_CHARS:,}".replace(",", ".")}
                        )
                        return False
                    if first >= 0:
                        run = len(chunk) - chunk.rfind(b"<") - 1
                    if part != "xl/sharedStrings.xml":
                        # A tag cut between two chunks: the previous chunk's last 4 bytes are
                        # searched again, and cannot hold a whole "<row " themselves.
                        rows += len(ROW_TAG.findall(tail + chunk))
                        tail = chunk[-4:]
                    if rows > max_rows:
                        contents.problems.append(
                            _(
                                "%(f)s: có hơn %(n)s dòng (kể cả dòng trống), vượt giới hạn một "
                                "lần nhập; hãy xóa dòng trống hoặc chia dữ liệu thành nhiều tệp."
                            )
                            % {"f": name, "n": f"{max_rows:,}".replace(",", ".")}
                        )
                        return False
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib_error):
        return True  # _read_xlsx reports it
    finally:
        handle.seek(0)
    return True


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
            rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
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
        # Read lazily, so blank lines are counted (and refused past the limit) as they come;
        # line_num counts physical lines, so quoted line breaks keep row numbers right.
        rows = ((reader.line_num + 1, tuple(map(csv_unescape, cells))) for cells in reader)
        _add_sheet(contents, name, header, rows, TABLES.get(entity) if entity else None)
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
