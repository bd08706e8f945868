"""Hostile files: millions of blank rows, one enormous cell; refused early, in little memory."""

import io
import tracemalloc
import zipfile

from kiemdiem.transfer.reader import MAX_CELL_CHARS, read_files
from kiemdiem.transfer.states import ImportStatus
from kiemdiem.transfer.tests.helpers import (
    PEOPLE_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    dry_run,
    xlsx_bytes,
)

GOOD_ROW = ["CB38A1C", "Chi bộ Tổ Sử", "Chi bộ trực thuộc", "CS38A1"]


def _with_sheet_rows(extra_rows: bytes, dimension: bytes = b"A1:G2") -> bytes:
    """A valid one-sheet workbook whose sheetData gets `extra_rows` appended (raw XML)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"Đơn vị": [UNIT_HEADERS, GOOD_ROW]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra_rows + b"</sheetData>")
                data = data.replace(
                    b'<dimension ref="A1:G2"', b'<dimension ref="' + dimension + b'"'
                )
            target.writestr(name, data)
    return out.getvalue()


def _read(data: bytes, name: str = "bom.xlsx"):
    return read_files([(name, io.BytesIO(data))])


def test_millions_of_blank_rows_are_refused_before_parsing(settings):
    settings.KIEMDIEM_IMPORT_MAX_ROWS = 1000
    settings.KIEMDIEM_IMPORT_MAX_BLANK_ROWS = 100
    blank = b"".join(b'<row r="%d"/>' % n for n in range(3, 200_003))
    data = _with_sheet_rows(blank)
    assert len(data) < 600_000  # 200,000 rows squeeze into a few hundred KB
    contents = _read(data)
    assert contents.sheets == []  # openpyxl never ran
    assert "có hơn 1.100 dòng (kể cả dòng trống)" in contents.problems[0]


def test_a_far_away_row_number_stops_at_the_blank_row_limit(settings):
    """One <row r="1000000"> makes the reader produce 999,997 empty rows to reach it."""
    settings.KIEMDIEM_IMPORT_MAX_BLANK_ROWS = 100
    far = b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>X</t></is></c></row>'
    contents = _read(_with_sheet_rows(far, dimension=b"A1:XFD1048576"))
    assert "có hơn 100 dòng trống" in contents.problems[0]
    assert len(contents.sheets[0].rows) == 1  # the good row, nothing after the blanks


def test_one_enormous_cell_is_refused_reading_one_megabyte_at_a_time():
    cell = b"A" * (30 * 1024 * 1024)
    huge = b'<row r="3"><c r="B3" t="inlineStr"><is><t>' + cell + b"</t></is></c></row>"
    data = _with_sheet_rows(huge)
    assert len(data) < 100_000
    tracemalloc.start()
    try:
        contents = _read(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert contents.problems == [
        "bom.xlsx: có ô dài hơn 2.000 ký tự, quá dài; không đọc tiếp tệp này."
    ]
    assert contents.sheets == []
    assert peak < 8 * 1024 * 1024  # the 30 MB cell was never held in memory


def test_a_long_cell_within_the_xml_budget_is_refused_by_the_row_check():
    long = "Ă" * (MAX_CELL_CHARS + 1)
    contents = _read(xlsx_bytes({"Đơn vị": [UNIT_HEADERS, GOOD_ROW, ["CB2", long, "x", "y"]]}))
    assert f"dòng 3: ô có {MAX_CELL_CHARS + 1:,}".replace(",", ".") in contents.problems[0]


def test_csv_of_blank_lines_and_long_cells_is_refused(settings):
    settings.KIEMDIEM_IMPORT_MAX_BLANK_ROWS = 50
    blank = csv_bytes([PEOPLE_HEADERS]) + b"\r\n" * 5000
    assert "có hơn 50 dòng trống" in read_files([("a.csv", io.BytesIO(blank))]).problems[0]
    long = csv_bytes([PEOPLE_HEADERS, ["012345678", "x" * (MAX_CELL_CHARS + 5)]])
    assert "quá dài" in read_files([("b.csv", io.BytesIO(long))]).problems[0]


def test_job_report_never_stores_a_huge_value(org_tree, office):
    name = "Đ" * 1900  # fits a cell, longer than any name column
    rows = [PEOPLE_HEADERS, ["012345678", name, "", "", "", ""]]
    job = dry_run({"p.csv": csv_bytes(rows)}, user=office)
    assert job.status == ImportStatus.CHECKED and job.rejected == 1
    assert len(str(job.report)) < 5000
