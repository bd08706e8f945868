"""The four tables of an import or export: sheet names, column headers, and cell parsing.

The same headers serve the downloadable templates, the import and the export, so an exported
file re-imports unchanged. Headers are matched without accents, case or extra spaces; a kind or
role may be given as its code ("subordinate_cell") or its Vietnamese label ("Chi bộ trực thuộc").
"""

import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.core.dates import vn_date
from kiemdiem.core.text import fold, normalize_text
from kiemdiem.org.models import Gender, MembershipKind, PositionRole, UnitKind

UNITS = "units"
PEOPLE = "people"
MEMBERSHIPS = "memberships"
POSITIONS = "positions"
# Import order: each table may refer to the ones before it.
ENTITIES = (UNITS, PEOPLE, MEMBERSHIPS, POSITIONS)


class CellError(ValueError):
    """A cell that does not parse; the message is shown to the user as is."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    kind: str = "text"  # text | code | card | date | choice | bool
    choices: type[models.TextChoices] | None = None
    help: str = ""


@dataclass(frozen=True)
class Table:
    entity: str
    sheet: str  # XLSX sheet name
    filename: str  # CSV file name
    label: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


CARD = Column("card", "Số thẻ đảng viên", True, "card", help="Khóa nhận diện đảng viên.")
DATE_HELP = "dd/mm/yyyy"

TABLES: dict[str, Table] = {
    UNITS: Table(
        UNITS,
        "Đơn vị",
        "don-vi.csv",
        gettext_lazy("Đơn vị"),
        (
            Column("code", "Mã đơn vị", True, "code", help="Khóa nhận diện đơn vị."),
            Column("name", "Tên đơn vị", True),
            Column("kind", "Loại đơn vị", True, "choice", UnitKind),
            Column(
                "parent",
                "Mã đơn vị cấp trên",
                False,
                "code",
                help="Để trống: đơn vị gốc (đơn vị mới) hoặc giữ nguyên (đơn vị đã có).",
            ),
            Column("admin_code", "Mã hành chính"),
            Column("valid_from", "Hiệu lực từ", False, "date", help=DATE_HELP),
            Column("valid_to", "Hiệu lực đến", False, "date", help=DATE_HELP),
        ),
    ),
    PEOPLE: Table(
        PEOPLE,
        "Đảng viên",
        "dang-vien.csv",
        gettext_lazy("Đảng viên"),
        (
            CARD,
            Column("full_name", "Họ và tên", True),
            Column("birth_date", "Ngày sinh", False, "date", help=DATE_HELP),
            Column("gender", "Giới tính", False, "choice", Gender),
            Column("admission_date", "Ngày vào Đảng", False, "date", help=DATE_HELP),
            Column("official_date", "Ngày chính thức", False, "date", help=DATE_HELP),
        ),
    ),
    MEMBERSHIPS: Table(
        MEMBERSHIPS,
        "Sinh hoạt đảng",
        "sinh-hoat-dang.csv",
        gettext_lazy("Sinh hoạt đảng"),
        (
            CARD,
            Column("unit", "Mã chi bộ", True, "code"),
            Column(
                "kind", "Hình thức", False, "choice", MembershipKind, help="Để trống: chính thức."
            ),
            Column("valid_from", "Từ ngày", True, "date", help=DATE_HELP),
            Column("valid_to", "Đến ngày", False, "date", help=DATE_HELP),
        ),
    ),
    POSITIONS: Table(
        POSITIONS,
        "Chức vụ",
        "chuc-vu.csv",
        gettext_lazy("Chức vụ"),
        (
            CARD,
            Column("unit", "Mã đơn vị", True, "code"),
            Column("role", "Chức vụ", True, "choice", PositionRole),
            Column("valid_from", "Từ ngày", True, "date", help=DATE_HELP),
            Column("valid_to", "Đến ngày", False, "date", help=DATE_HELP),
            Column("is_concurrent", "Kiêm nhiệm", False, "bool", help="Có / Không."),
        ),
    ),
}

INSTRUCTIONS_SHEET = "Hướng dẫn"


def header_key(value: object) -> str:
    """How headers are compared: no accents, no case, single spaces, no trailing '*'."""
    return fold(str(value or "")).rstrip("* ").strip()


def match_headers(table: Table, headers: list[object]) -> dict[str, int]:
    """Column key → index in `headers`, for the columns of `table` that are present."""
    wanted = {header_key(c.header): c.key for c in table.columns}
    wanted.update({c.key: c.key for c in table.columns})
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = wanted.get(header_key(header))
        if key and key not in found:
            found[key] = index
    return found


def guess_table(headers: list[object]) -> tuple[Table, dict[str, int]]:
    """The table whose columns best match `headers` (complete tables first)."""
    scored = []
    for table in TABLES.values():
        found = match_headers(table, headers)
        complete = all(c.key in found for c in table.required)
        scored.append((complete, len(found), -len(table.columns), table, found))
    scored.sort(key=lambda s: s[:3], reverse=True)
    return scored[0][3], scored[0][4]


def missing_columns(table: Table, found: dict[str, int]) -> list[str]:
    return [c.header for c in table.required if c.key not in found]


# --- cell values -----------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_TRUE = {"co", "x", "1", "true", "yes", "dung"}
_FALSE = {"", "khong", "0", "false", "no", "sai"}
_choice_maps: dict[type, dict[str, str]] = {}


def _choice_map(choices: type[models.TextChoices]) -> dict[str, str]:
    """Folded code and folded label → code."""
    if choices not in _choice_maps:
        mapping = {}
        for value, label in choices.choices:
            mapping[fold(value)] = value
            mapping[fold(str(label))] = value
        _choice_maps[choices] = mapping
    return _choice_maps[choices]


def text(value: object) -> str:
    """Any cell as normalized text (NFC, single spaces, trimmed); whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return vn_date(value)
    return normalize_text(str(value))


def parse_cell(column: Column, value: object):
    """The typed value of one cell, or CellError with a Vietnamese message naming the column."""
    if column.kind == "date":
        return parse_date(column, value)
    raw = text(value)
    if column.kind == "code":
        return raw.upper()
    if column.kind == "card":
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Excel turned 012345678 into the number 12345678: the leading zeros are gone, and
            # a match on the number would create a second person.
            raise CellError(
                _(
                    "%(col)s “%(v)s” là ô kiểu số trong Excel nên có thể đã mất số 0 ở đầu: "
                    "hãy định dạng cột là Văn bản (Text) rồi gõ lại số thẻ đầy đủ."
                )
                % {"col": column.header, "v": raw}
            )
        return raw.replace(" ", "")
    if column.kind == "choice":
        if not raw:
            return ""
        assert column.choices is not None
        code = _choice_map(column.choices).get(fold(raw))
        if code is None:
            labels = ", ".join(str(label) for _v, label in column.choices.choices)
            raise CellError(
                _("“%(v)s” không phải là %(col)s hợp lệ (một trong: %(labels)s).")
                % {"v": raw, "col": column.header, "labels": labels}
            )
        return code
    if column.kind == "bool":
        folded = fold(raw)
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise CellError(
            _("Cột %(col)s chỉ nhận “Có” hoặc “Không”, không nhận “%(v)s”.")
            % {"col": column.header, "v": raw}
        )
    return raw


def parse_date(column: Column, value: object) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value)
    if not raw:
        return None
    match = _DMY.match(raw)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
        match = _ISO.match(raw)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        pass
    raise CellError(
        _("Ngày “%(v)s” ở cột %(col)s không hợp lệ: hãy ghi theo dạng dd/mm/yyyy.")
        % {"v": raw, "col": column.header}
    )


# Characters that make Excel (and LibreOffice) read a CSV value as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_escape(value: str) -> str:
    """A CSV value Excel will not run as a formula: an apostrophe in front of "=…", "+…", "-…",
    "@…" (and in front of a value that already has such apostrophes, so that the import's
    `csv_unescape` gives back exactly the original)."""
    if value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_unescape(value: str) -> str:
    """The reverse of `csv_escape`, applied to every cell of an imported CSV file."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def format_date(value: datetime.date | None) -> str:
    return vn_date(value) if value else ""


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""
