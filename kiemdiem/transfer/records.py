"""Importing years of discipline decisions, confidence-vote results and quality ratings of past
years from XLSX.

Each row goes through the same service a page calls (`discipline.services.case_record`,
`confidence.services.poll_create/result_add`), in a savepoint of its own, so a row is refused
with exactly the message the page would show and the refusal changes nothing. A dry run does
everything inside one transaction that is rolled back at the end; the real run is allowed only
when the dry run of the same file had no refused row, and writes all rows or none. A row already
in the system (the same decision, the same person in the same poll) is reported and skipped, so
importing the same file twice changes nothing.
"""

import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.classification import imports as classification_imports
from kiemdiem.classification.models import SubjectKind as RatedKind
from kiemdiem.confidence import services as confidence_services
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult, ExclusionReason, PollStatus
from kiemdiem.confidence.permissions import can_hold_poll
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import Actor, require
from kiemdiem.discipline import services as discipline_services
from kiemdiem.discipline.models import (
    LIVE,
    DecidingAuthority,
    DisciplineCase,
    DisciplineForm,
)
from kiemdiem.discipline.permissions import can_record_discipline
from kiemdiem.org.models import Person, Position, PositionRole, Unit
from kiemdiem.org.scoping import visible_people, visible_units
from kiemdiem.reviews.models import FindingArea
from kiemdiem.transfer.columns import (
    INSTRUCTIONS_SHEET,
    CellError,
    Column,
    Table,
    header_key,
    match_headers,
    missing_columns,
    parse_cell,
)

DISCIPLINE = "discipline"
CONFIDENCE = "confidence"
RATING = "rating"
D = "dd/mm/yyyy"

RECORD_TABLES: dict[str, Table] = {
    DISCIPLINE: Table(
        DISCIPLINE,
        "Kỷ luật",
        "ky-luat.xlsx",
        gettext_lazy("Quyết định kỷ luật"),
        (
            Column("card", "Số thẻ đảng viên", False, "card", help="Đảng viên bị kỷ luật."),
            Column(
                "unit",
                "Mã tổ chức đảng bị kỷ luật",
                False,
                "code",
                help="Khi kỷ luật tổ chức đảng.",
            ),
            Column("full_name", "Họ và tên", False, help="Để đối chiếu với số thẻ."),
            Column("violation", "Nội dung vi phạm", True),
            Column("violation_on", "Ngày vi phạm", True, "date", help=D),
            Column("violation_area", "Lĩnh vực vi phạm", True, "choice", FindingArea),
            Column("deciding_unit", "Mã cấp quyết định", True, "code"),
            Column("authority", "Cơ quan quyết định", True, "choice", DecidingAuthority),
            Column("form", "Hình thức kỷ luật", True, "choice", DisciplineForm),
            Column("post", "Chức vụ bị cách", False, "choice", PositionRole, help="Khi cách chức."),
            Column("decision_number", "Số quyết định", True),
            Column("decided_on", "Ngày quyết định", True, "date", help=D),
            Column("effective_on", "Ngày có hiệu lực", False, "date", help=D),
            Column(
                "duty_related", "Vi phạm trong thực hiện nhiệm vụ", False, "bool", help="Có/Không"
            ),
            Column("no_limitation", "Không áp dụng thời hiệu", False, "bool", help="Có/Không"),
        ),
    ),
    CONFIDENCE: Table(
        CONFIDENCE,
        "Lấy phiếu tín nhiệm",
        "lay-phieu-tin-nhiem.xlsx",
        gettext_lazy("Kết quả lấy phiếu tín nhiệm"),
        (
            Column("body_unit", "Mã cấp tổ chức lấy phiếu", True, "code"),
            Column("title", "Tên hội nghị", True),
            Column("held_on", "Ngày lấy phiếu", True, "date", help=D),
            Column("convened_count", "Số được triệu tập", True),
            Column("present_count", "Số có mặt", True),
            Column("card", "Số thẻ đảng viên", True, "card"),
            Column("full_name", "Họ và tên", False, help="Để đối chiếu với số thẻ."),
            Column("person_title", "Chức danh", True),
            Column("appointed_on", "Ngày được bầu, bổ nhiệm", False, "date", help=D),
            Column("excluded_reason", "Không lấy phiếu vì", False, "choice", ExclusionReason),
            Column("high_count", "Tín nhiệm cao", False),
            Column("normal_count", "Tín nhiệm", False),
            Column("low_count", "Tín nhiệm thấp", False),
            Column("invalid_count", "Phiếu không hợp lệ", False),
        ),
    ),
    RATING: Table(
        RATING,
        "Xếp loại",
        "xep-loai-cac-nam.xlsx",
        gettext_lazy("Kết quả xếp loại chất lượng các năm trước"),
        (
            Column("year", "Năm đánh giá", True, help="Năm đã qua, ví dụ 2016."),
            Column(
                "scheme",
                "Quy định",
                False,
                help="Để trống: quy định của năm (2014–2017 legacy_2014, 2018–2022 qd132_2018, "
                "2023–2024 qd124_2023, từ 2025 qd366_2025).",
            ),
            Column("subject_kind", "Đối tượng", True, "choice", RatedKind),
            Column(
                "unit",
                "Mã đơn vị",
                True,
                "code",
                help="Tổ chức, tập thể được xếp loại; đảng viên: chi bộ; cán bộ: đơn vị công tác.",
            ),
            Column("card", "Số thẻ đảng viên", False, "card", help="Với đảng viên, cán bộ."),
            Column("full_name", "Họ và tên", False, help="Để đối chiếu với số thẻ."),
            Column(
                "level",
                "Mức xếp loại",
                True,
                help="HTXSNV, HTTNV, HTNV, KHTNV; tổ chức đảng 2014–2017: TSVM, HTTNV, HTNV, YK.",
            ),
            Column(
                "deciding_unit",
                "Mã cấp quyết định",
                False,
                "code",
                help="Để trống: cấp có thẩm quyền theo quy định.",
            ),
            Column("decision_number", "Số quyết định", False),
            Column("decided_on", "Ngày quyết định", False, "date", help=D),
            Column("note", "Ghi chú", False),
        ),
    ),
}

CREATED = "create"
EXISTS = "exists"
REFUSED = "reject"
ACTION_LABELS = {
    CREATED: gettext_lazy("Thêm mới"),
    EXISTS: gettext_lazy("Đã có, bỏ qua"),
    REFUSED: gettext_lazy("Bị từ chối"),
}


@dataclass
class Outcome:
    """What an import did (or would do) with each row."""

    problems: list[str] = field(default_factory=list)
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, action, message)

    def counts(self) -> dict[str, int]:
        counts = {CREATED: 0, EXISTS: 0, REFUSED: 0}
        for _row, action, _message in self.rows:
            counts[action] += 1
        return counts

    @property
    def clean(self) -> bool:
        return not self.problems and not self.counts()[REFUSED]


class RowRefused(Exception):
    """A row that cannot be imported; the message is shown as is."""


def read_rows(handle: IO[bytes], table: Table) -> tuple[list[tuple[int, dict]], list[str]]:
    """The data rows of the first data sheet as {column key: raw cell}, with file problems."""
    from openpyxl import load_workbook

    head = handle.read(4)
    handle.seek(0)
    if head != b"PK\x03\x04":
        return [], [_("Chỉ nhận tệp Excel .xlsx (dùng tệp mẫu).")]
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        return [], [_("Không đọc được tệp Excel: %(e)s") % {"e": exc.__class__.__name__}]
    limit = settings.KIEMDIEM_RECORDS_IMPORT_MAX_ROWS
    rows: list[tuple[int, dict]] = []
    problems: list[str] = []
    try:
        sheets = [
            ws
            for ws in workbook.worksheets
            if header_key(ws.title) != header_key(INSTRUCTIONS_SHEET)
        ]
        if not sheets:
            return [], [_("Tệp không có trang dữ liệu.")]
        cells = sheets[0].iter_rows(values_only=True, max_col=40)
        header: list = []
        start = 0
        for number, values in enumerate(cells, start=1):
            if any(v not in (None, "") for v in values):
                header, start = list(values), number
                break
        found = match_headers(table, header)
        missing = missing_columns(table, found)
        if missing:
            return [], [
                _("Thiếu cột %(c)s (hãy dùng tệp mẫu).")
                % {"c": ", ".join(f"“{m}”" for m in missing)}
            ]
        for number, values in enumerate(cells, start=start + 1):
            if not any(v not in (None, "") and str(v).strip() for v in values):
                continue
            if len(rows) >= limit:
                problems.append(
                    _("Tệp có hơn %(n)s dòng: hãy chia thành nhiều tệp.") % {"n": limit}
                )
                break
            padded = tuple(values) + (None,) * (len(header) - len(values))
            rows.append((number, {key: padded[index] for key, index in found.items()}))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        problems.append(_("Tệp Excel bị hỏng: %(e)s") % {"e": exc.__class__.__name__})
    finally:
        workbook.close()
    return rows, problems


def _parse(table: Table, raw: dict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors = []
    for column in table.columns:
        try:
            values[column.key] = parse_cell(column, raw.get(column.key))
        except CellError as exc:
            errors.append(str(exc))
            continue
        if column.required and values[column.key] in ("", None):
            errors.append(_("Thiếu “%(c)s”.") % {"c": column.header})
    if errors:
        raise RowRefused(" ".join(errors))
    return values


def _count(values: dict, key: str, header: str) -> int:
    raw = values.get(key)
    if raw in ("", None):
        return 0
    try:
        number = int(str(raw).strip())
    except ValueError as exc:
        raise RowRefused(_("“%(c)s” phải là số nguyên.") % {"c": header}) from exc
    if number < 0:
        raise RowRefused(_("“%(c)s” không được âm.") % {"c": header})
    return number


# Units and people are looked up inside the importer's scope only: a row about someone else's
# subtree is refused as unknown, so a file cannot probe names, cases or polls elsewhere.


def _unit(code: str, by: Actor) -> Unit:
    unit = visible_units(by).filter(code__iexact=code).first()
    if unit is None:
        raise RowRefused(_("Không có đơn vị mã “%(c)s” trong phạm vi của bạn.") % {"c": code})
    return unit


def _person(card: str, name: str, by: Actor) -> Person:
    person = visible_people(by).filter(party_card_number=card).first()
    if person is None:
        raise RowRefused(
            _("Không có đảng viên số thẻ “%(c)s” trong phạm vi của bạn.") % {"c": card}
        )
    if name and header_key(name) != header_key(person.full_name):
        raise RowRefused(
            _("Số thẻ “%(c)s” là của đồng chí %(p)s, không phải “%(n)s”.")
            % {"c": card, "p": person.full_name, "n": name}
        )
    return person


# --- discipline ---------------------------------------------------------------------------------


def _discipline_row(values: dict, by: Actor) -> str:
    person = _person(values["card"], values["full_name"], by) if values["card"] else None
    unit = None
    if person is None:
        if not values["unit"]:
            raise RowRefused(_("Phải ghi số thẻ đảng viên hoặc mã tổ chức đảng bị kỷ luật."))
        unit = _unit(values["unit"], by)
    deciding = _unit(values["deciding_unit"], by)
    # before looking for the same decision: whether one exists is not the importer's to learn
    require(can_record_discipline(by, deciding))
    same = DisciplineCase.objects.filter(
        status__in=LIVE,
        decision_number=values["decision_number"],
        decided_on=values["decided_on"],
    )
    same = same.filter(person=person) if person else same.filter(person__isnull=True, unit=unit)
    if same.exists():
        return EXISTS
    position = None
    if values["form"] == DisciplineForm.REMOVAL_FROM_POST and person is not None:
        day = values["decided_on"]
        posts = [
            p
            for p in discipline_services.posts_held_on(person, day)
            if not values["post"] or p.role == values["post"]
        ]
        if len(posts) > 1:
            raise RowRefused(
                _("Đồng chí %(p)s giữ nhiều chức vụ ngày %(d)s: hãy ghi rõ “Chức vụ bị cách”.")
                % {"p": person, "d": values["decided_on"].strftime("%d/%m/%Y")}
            )
        position = posts[0] if posts else None
    discipline_services.case_record(
        by=by,
        person=person,
        unit=unit,
        deciding_unit=deciding,
        authority=values["authority"],
        violation=values["violation"],
        violation_on=values["violation_on"],
        violation_area=values["violation_area"],
        form=values["form"],
        position=position,
        decision_number=values["decision_number"],
        decided_on=values["decided_on"],
        effective_on=values["effective_on"],
        duty_related=bool(values["duty_related"]),
        no_limitation=bool(values["no_limitation"]),
        reason=_("Nhập từ tệp Excel"),
    )
    return CREATED


# --- confidence ---------------------------------------------------------------------------------


def _poll_of(values: dict, by: Actor, created: set[int]) -> ConfidencePoll:
    body = _unit(values["body_unit"], by)
    require(can_hold_poll(by, body))  # before reading the body's polls
    convened = _count(values, "convened_count", "Số được triệu tập")
    present = _count(values, "present_count", "Số có mặt")
    poll = ConfidencePoll.objects.filter(
        body_unit=body, held_on=values["held_on"], title__iexact=values["title"]
    ).first()
    if poll is None:
        poll = confidence_services.poll_create(
            by=by,
            title=values["title"],
            body_unit=body,
            held_on=values["held_on"],
            convened_count=convened,
            present_count=present,
            reason=_("Nhập từ tệp Excel"),
        )
        created.add(poll.pk)
    elif (poll.convened_count, poll.present_count) != (convened, present):
        raise RowRefused(
            _(
                "Hội nghị “%(t)s” ngày %(d)s đã có với %(c)s người được triệu tập, %(p)s có mặt: "
                "số trên dòng này khác."
            )
            % {
                "t": poll.title,
                "d": poll.held_on.strftime("%d/%m/%Y"),
                "c": poll.convened_count,
                "p": poll.present_count,
            }
        )
    return poll


def _confidence_row(values: dict, by: Actor, created: set[int]) -> str:
    person = _person(values["card"], values["full_name"], by)
    poll = _poll_of(values, by, created)
    if ConfidenceResult.objects.filter(poll=poll, person=person).exists():
        return EXISTS
    if poll.status != PollStatus.DRAFT:
        raise RowRefused(_("Hội nghị “%(t)s” đã chốt kết quả: không thêm được.") % {"t": poll})
    day = poll.held_on
    posts = Position.objects.filter(person=person, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    position = posts.first() if posts.count() == 1 else None
    confidence_services.result_add(
        poll=poll,
        person=person,
        by=by,
        position=position if position and not values["appointed_on"] else None,
        title=values["person_title"],
        appointed_on=values["appointed_on"],
        excluded_reason=values["excluded_reason"],
        high_count=_count(values, "high_count", "Tín nhiệm cao"),
        normal_count=_count(values, "normal_count", "Tín nhiệm"),
        low_count=_count(values, "low_count", "Tín nhiệm thấp"),
        invalid_count=_count(values, "invalid_count", "Phiếu không hợp lệ"),
        reason=_("Nhập từ tệp Excel"),
    )
    return CREATED


def _finalize(created: set[int], by: Actor) -> None:
    """Polls this import created are finalized once all their rows are in."""
    for poll in ConfidencePoll.objects.filter(pk__in=created).select_related("body_unit"):
        if not confidence_services.poll_problems(poll):
            confidence_services.poll_finalize(poll=poll, by=by, note=_("Nhập từ tệp Excel"))


# --- ratings of past years ---------------------------------------------------------------------


def _in_column(table: Table, key: str, call: Callable[[], Any]) -> Any:
    """Name the column a refusal is about: “Mã đơn vị”: Không có đơn vị …"""
    headers = {c.key: c.header for c in table.columns}
    try:
        return call()
    except (RowRefused, DomainError) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        field = getattr(exc, "field", None) or key
        header = headers.get(field)
        raise RowRefused(
            _("Cột “%(c)s”: %(m)s") % {"c": header, "m": message} if header else message
        ) from exc


def _rating_row(values: dict, by: Actor, created: set[int]) -> str:
    table = RECORD_TABLES[RATING]
    raw_year = str(values["year"]).strip().removesuffix(".0")
    if not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
        raise RowRefused(_("Cột “Năm đánh giá”: “%(v)s” không phải là một năm.") % {"v": raw_year})
    unit = _in_column(table, "unit", lambda: _unit(values["unit"], by))
    person = None
    if values["card"]:
        person = _in_column(table, "card", lambda: _person(values["card"], values["full_name"], by))
    deciding = None
    if values["deciding_unit"]:
        deciding = _in_column(table, "deciding_unit", lambda: _unit(values["deciding_unit"], by))
    result = _in_column(
        table,
        "",
        lambda: classification_imports.rating_import(
            by=by,
            year=int(raw_year),
            scheme=values["scheme"],
            subject_kind=values["subject_kind"],
            unit=unit,
            person=person,
            level=values["level"],
            deciding_unit=deciding,
            decision_number=values["decision_number"],
            decided_on=values["decided_on"],
            note=values["note"],
            source=_("Nhập từ tệp Excel"),
            created=created,
        ),
    )
    return CREATED if result.action == classification_imports.CREATED else EXISTS


# --- the run ------------------------------------------------------------------------------------


def run(kind: str, handle: IO[bytes], *, by: Actor, dry_run: bool) -> Outcome:
    """Import (or try) every row of the file: all rows or none are written."""
    table = RECORD_TABLES[kind]
    rows, problems = read_rows(handle, table)
    outcome = Outcome(problems=problems)
    if problems and not rows:
        return outcome
    created: set[int] = set()
    handlers: dict[str, Callable[[dict], str]] = {
        DISCIPLINE: lambda values: _discipline_row(values, by),
        CONFIDENCE: lambda values: _confidence_row(values, by, created),
        RATING: lambda values: _rating_row(values, by, created),
    }
    with transaction.atomic():
        for number, raw in rows:
            try:
                with transaction.atomic():  # a refused row changes nothing
                    values = _parse(table, raw)
                    action = handlers[kind](values)
                outcome.rows.append((number, action, ""))
            except RowRefused as exc:
                outcome.rows.append((number, REFUSED, str(exc)))
            except DomainError as exc:
                outcome.rows.append((number, REFUSED, exc.message))
            except PermissionDenied as exc:
                outcome.rows.append((number, REFUSED, str(exc)))
            except ValidationError as exc:
                outcome.rows.append((number, REFUSED, " ".join(exc.messages)))
        if kind == CONFIDENCE and outcome.clean:
            _finalize(created, by)
        if dry_run or not outcome.clean:
            transaction.set_rollback(True)
    return outcome


def digest(handle: IO[bytes]) -> str:
    handle.seek(0)
    value = hashlib.sha256(handle.read()).hexdigest()
    handle.seek(0)
    return value


def template(kind: str) -> bytes:
    """The empty workbook of a kind: its data sheet with the headers and an instructions sheet."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    table = RECORD_TABLES[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.sheet
    sheet.append([f"{c.header}{' *' if c.required else ''}" for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, _column in enumerate(table.columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 22
        for row in range(2, 502):
            sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.append([_("Cột"), _("Bắt buộc"), _("Cách ghi")])
    for column in table.columns:
        choices = ""
        if column.choices is not None:
            choices = "; ".join(str(label) for _v, label in column.choices.choices)
        notes.append([column.header, _("Có") if column.required else "", column.help or choices])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
