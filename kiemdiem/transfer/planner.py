"""The dry run: every row of an import checked against the file and the database, nothing written.

`plan_import(contents, user=...)` returns a Plan: for each row what would happen (create, update,
unchanged, reject, with Vietnamese reasons), and the model objects the writer will store. The
business rules are the org services' own helpers (placement of a unit under its parent, periods,
person dates, one official cell at a time, one secretary/head at a time) and the org permissions
(who manages which subtree), called row by row instead of through the one-object services, so a
100,000-row file needs a handful of queries rather than several per row.

Natural keys: units by code, people by Party card number, memberships by (card, cell, start
date), positions by (card, unit, role, start date). A row equal to the database is "unchanged",
so importing the same file twice changes nothing. The import never deletes.
"""

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.core.audit import diff
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import Decision
from kiemdiem.org import services
from kiemdiem.org.models import (
    PATH_STEP,
    Membership,
    MembershipKind,
    Person,
    Position,
    PositionRole,
    Unit,
    path_segment,
)
from kiemdiem.org.permissions import can_edit_person, can_manage_unit, can_move_unit
from kiemdiem.org.scoping import Access, access_for
from kiemdiem.transfer.audit import snap
from kiemdiem.transfer.columns import (
    ENTITIES,
    MEMBERSHIPS,
    PEOPLE,
    POSITIONS,
    UNITS,
    CellError,
    Column,
    format_date,
    parse_cell,
)
from kiemdiem.transfer.reader import Contents, Sheet

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
REJECT = "reject"
ACTIONS = (CREATE, UPDATE, UNCHANGED, REJECT)
ACTION_LABELS = {
    CREATE: gettext_lazy("Tạo mới"),
    UPDATE: gettext_lazy("Cập nhật"),
    UNCHANGED: gettext_lazy("Không đổi"),
    REJECT: gettext_lazy("Từ chối"),
}
CHUNK = 2000
UNIT_FIELDS = ["code", "name", "kind", "admin_code", "valid_from", "valid_to"]
PERSON_FIELDS = services.PERSON_FIELDS
MEMBERSHIP_FIELDS = ["person", "unit", "kind", "valid_from", "valid_to"]
POSITION_FIELDS = ["person", "unit", "role", "valid_from", "valid_to", "is_concurrent"]

Progress = Callable[[str, int, int], None]


@dataclass(eq=False)
class RowResult:
    """What happens to one row; `reasons` non-empty means rejected."""

    entity: str
    row: int
    source: str
    key: str = ""
    action: str = ""
    reasons: list[str] = field(default_factory=list)
    changes: dict[str, list[Any]] = field(default_factory=dict)

    def as_list(self) -> list:
        """The row as the job's report stores it: every text clipped (REPORT_TEXT), so a
        report never grows with what a cell holds."""
        return [
            self.entity,
            self.row,
            self.action,
            clip(self.key),
            [clip(r) for r in self.reasons],
            {k: [clip(v) for v in pair] for k, pair in self.changes.items()},
        ]


# Characters of one value kept in a job's report (the page shows the row; the file has it all).
REPORT_TEXT = 300


def clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > REPORT_TEXT:
        return value[: REPORT_TEXT - 1] + "…"
    return value


@dataclass(eq=False)
class Rec:
    """One parsed row: its values, the database object it matches, the object to write."""

    result: RowResult
    values: dict[str, Any]
    present: frozenset[str]
    existing: Any = None
    obj: Any = None
    # Units only: the final parent's code, a move, the final depth.
    parent_code: str | None = None
    moved: bool = False
    depth: int = 0

    @property
    def ok(self) -> bool:
        return not self.result.reasons

    def reject(self, message: str) -> None:
        if message not in self.result.reasons:
            self.result.reasons.append(message)


@dataclass
class Plan:
    """The outcome of a dry run, and what the real run writes."""

    results: list[RowResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    units: list[Rec] = field(default_factory=list)
    people: list[Rec] = field(default_factory=list)
    memberships: list[Rec] = field(default_factory=list)
    positions: list[Rec] = field(default_factory=list)
    # Database units the rows refer to (and their ancestors), by code: the writer's starting map.
    db_units: dict[str, Unit] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(r.reasons for r in self.results)

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {e: dict.fromkeys(ACTIONS, 0) for e in ENTITIES}
        for result in self.results:
            counts[result.entity][result.action] += 1
        return {e: c for e, c in counts.items() if any(c.values())}

    @property
    def row_count(self) -> int:
        return len(self.results)

    def to_report(self, limit: int) -> dict:
        """JSON for the job: problems, and rows (rejected first) up to `limit`."""
        order = {REJECT: 0, UPDATE: 1, CREATE: 2, UNCHANGED: 3}
        ranked = sorted(
            self.results,
            key=lambda r: (order[r.action], ENTITIES.index(r.entity), r.source, r.row),
        )
        kept = sorted(ranked[:limit], key=lambda r: (ENTITIES.index(r.entity), r.source, r.row))
        return {
            "problems": [clip(p) for p in self.problems],
            "notes": [clip(n) for n in self.notes],
            "rows": [r.as_list() for r in kept],
            "omitted": max(0, len(ranked) - limit),
        }


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _error_text(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, DomainError):
        return str(exc.message)
    return " ".join(exc.messages)


def _length_problems(model: type[models.Model], values: dict[str, Any]) -> list[str]:
    """Text longer than its column allows (the one field check not done by the cell parser)."""
    problems = []
    for name, value in values.items():
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - not a model field (parent code, card of a membership)
            continue
        limit = getattr(model_field, "max_length", None)
        if isinstance(value, str) and limit and len(value) > limit:
            problems.append(
                _("%(col)s dài %(n)s ký tự, tối đa %(max)s.")
                % {"col": str(model_field.verbose_name).capitalize(), "n": len(value), "max": limit}
            )
    return problems


def _segment_id(segment: str) -> int:
    return int(segment, 36)


class Planner:
    def __init__(self, contents: Contents, *, user, progress: Progress | None = None) -> None:
        self.contents = contents
        self.user = user
        self.access = Access(everything=True) if user is None else access_for(user)
        self.progress = progress or (lambda stage, done, total: None)
        self.plan = Plan(problems=list(contents.problems), notes=list(contents.notes))
        self.total = contents.row_count
        self.done = 0
        # Units: by code from the file, and from the database (with all their ancestors).
        self.unit_recs: dict[str, Rec] = {}
        self.db_units: dict[str, Unit] = {}
        self.db_units_by_id: dict[int, Unit] = {}
        self.final_paths: dict[str, str] = {}
        self.person_recs: dict[str, Rec] = {}
        self.db_people: dict[str, Person] = {}
        self.person_decisions: dict[int, Decision] = {}

    # --- entry point ---------------------------------------------------------------------

    def run(self) -> Plan:
        sheets = {s.table.entity: s for s in self.contents.sheets}
        parsed = {entity: self._parse(sheets[entity]) for entity in ENTITIES if entity in sheets}
        self._recs = parsed
        self._load_units(parsed)
        self._plan_units(parsed.get(UNITS, []))
        self._load_people(parsed)
        self._plan_people(parsed.get(PEOPLE, []))
        self._plan_memberships(parsed.get(MEMBERSHIPS, []))
        self._plan_positions(parsed.get(POSITIONS, []))
        self._check_people_scope()
        self._cascade()
        for entity in ENTITIES:
            for rec in parsed.get(entity, []):
                result = rec.result
                if result.reasons:
                    result.action = REJECT
                elif rec.existing is None:
                    result.action = CREATE
                elif result.changes:
                    result.action = UPDATE
                else:
                    result.action = UNCHANGED
                self.plan.results.append(result)
        self.plan.units = parsed.get(UNITS, [])
        self.plan.people = parsed.get(PEOPLE, [])
        self.plan.memberships = parsed.get(MEMBERSHIPS, [])
        self.plan.positions = parsed.get(POSITIONS, [])
        self.plan.db_units = self.db_units
        self.progress(_("Đã kiểm tra"), self.total, self.total)
        return self.plan

    def _tick(self, stage: str) -> None:
        self.done += 1
        if self.done % 5000 == 0:
            self.progress(stage, self.done, self.total)

    # --- parsing -------------------------------------------------------------------------

    def _parse(self, sheet: Sheet) -> list[Rec]:
        table = sheet.table
        columns: list[tuple[Column, int]] = [
            (c, sheet.columns[c.key]) for c in table.columns if c.key in sheet.columns
        ]
        present = frozenset(c.key for c, _i in columns)
        recs = []
        for number, cells in sheet.rows:
            result = RowResult(entity=table.entity, row=number, source=sheet.source)
            values: dict[str, Any] = {}
            for column, index in columns:
                try:
                    values[column.key] = column_value = parse_cell(column, cells[index])
                except CellError as exc:
                    result.reasons.append(str(exc))
                    values[column.key] = None
                    continue
                if column.required and column_value in ("", None):
                    result.reasons.append(_("Thiếu %(col)s.") % {"col": column.header})
            recs.append(Rec(result=result, values=values, present=present))
        return recs

    # --- units ---------------------------------------------------------------------------

    def _load_units(self, parsed: dict[str, list[Rec]]) -> None:
        codes: set[str] = set()
        for rec in parsed.get(UNITS, []):
            codes.update(c for c in (rec.values.get("code"), rec.values.get("parent")) if c)
        for entity in (MEMBERSHIPS, POSITIONS):
            codes.update(rec.values["unit"] for rec in parsed.get(entity, []) if rec.values["unit"])
        for chunk in _chunks(sorted(codes)):
            for unit in Unit.objects.filter(code__in=chunk):
                self._keep_unit(unit)
        # Every ancestor too: cycle checks and final paths follow parents up to the root.
        ancestor_ids = {
            _segment_id(unit.path[i : i + PATH_STEP - 1])
            for unit in list(self.db_units.values())
            for i in range(0, len(unit.path), PATH_STEP)
        } - set(self.db_units_by_id)
        for chunk in _chunks(sorted(ancestor_ids)):
            for unit in Unit.objects.filter(pk__in=chunk):
                self._keep_unit(unit)

    def _keep_unit(self, unit: Unit) -> None:
        self.db_units[unit.code] = unit
        self.db_units_by_id[unit.pk] = unit

    def _plan_units(self, recs: list[Rec]) -> None:
        stage = _("Kiểm tra đơn vị")
        first_row: dict[str, Rec] = {}
        for rec in recs:
            code = rec.values.get("code") or ""
            rec.result.key = code
            if code in first_row:
                other = first_row[code]
                message = _("Mã đơn vị %(c)s xuất hiện nhiều lần trong tệp (dòng %(a)s và %(b)s).")
                rows = {"c": code, "a": other.result.row, "b": rec.result.row}
                rec.reject(message % rows)
                other.reject(message % rows)
                continue
            if code:
                first_row[code] = rec
        self.unit_recs = {code: rec for code, rec in first_row.items()}
        for rec in recs:
            self._tick(stage)
            values = rec.values
            existing = self.db_units.get(values.get("code") or "")
            rec.existing = existing
            unit = copy.copy(existing) if existing else Unit(code=values.get("code") or "")
            for key in ("name", "kind", "admin_code", "valid_from", "valid_to"):
                if key in rec.present and values.get(key) is not None:
                    setattr(unit, key, values[key])
                elif key in rec.present and key in ("valid_from", "valid_to"):
                    setattr(unit, key, None)
            rec.obj = unit
            for problem in _length_problems(Unit, {k: values.get(k) for k in UNIT_FIELDS}):
                rec.reject(problem)
            if unit.valid_from and unit.valid_to and unit.valid_to < unit.valid_from:
                rec.reject(_constraint_message(Unit, "org_unit_valid_range"))
            parent_code = values.get("parent") or ""
            if not parent_code and existing is not None and existing.parent_id:
                parent_code = self.db_units_by_id[existing.parent_id].code
            rec.parent_code = parent_code or None
            if parent_code == unit.code and parent_code:
                rec.reject(_("Đơn vị không thể là cấp trên của chính nó."))
            elif (
                parent_code
                and parent_code not in self.unit_recs
                and parent_code not in self.db_units
            ):
                rec.reject(
                    _(
                        "Không tìm thấy đơn vị cấp trên có mã %(c)s (không có trong cơ sở dữ liệu "
                        "và trong bảng Đơn vị của tệp)."
                    )
                    % {"c": parent_code}
                )
            if existing is not None:
                before = snap(existing, UNIT_FIELDS)
                rec.result.changes = diff(before, snap(unit, UNIT_FIELDS))
                old_parent = (
                    self.db_units_by_id[existing.parent_id].code if existing.parent_id else None
                )
                if rec.parent_code != old_parent:
                    rec.moved = True
                    rec.result.changes["parent"] = [old_parent, rec.parent_code]
        self._check_cycles(recs)
        # Parents before children, so that a child of a rejected row is only told about that.
        ordered = [r for r in recs if r.ok]
        for rec in ordered:
            rec.depth = len(self.final_path(rec.obj.code)) // PATH_STEP - 1
        for rec in sorted(ordered, key=lambda r: r.depth):
            parent_rec = self.unit_recs.get(rec.parent_code or "")
            if parent_rec is None or parent_rec.ok:
                self._check_unit_rules(rec)

    def _known_unit(self, code: str) -> bool:
        return code in self.unit_recs or code in self.db_units

    def _final_parent(self, code: str) -> str | None:
        rec = self.unit_recs.get(code)
        if rec is not None:
            return rec.parent_code
        unit = self.db_units[code]
        return self.db_units_by_id[unit.parent_id].code if unit.parent_id else None

    def _check_cycles(self, recs: list[Rec]) -> None:
        acyclic: set[str] = set()
        for rec in recs:
            code = rec.values.get("code")
            if not code or self.unit_recs.get(code) is not rec or code in acyclic:
                continue
            trail: list[str] = []
            current: str | None = code
            while current is not None and current not in acyclic:
                if current in trail:
                    loop = trail[trail.index(current) :] + [current]
                    message = _(
                        "Cây đơn vị có vòng lặp: %(loop)s (một đơn vị không thể nằm dưới chính "
                        "nhánh của nó)."
                    ) % {"loop": " → ".join(loop)}
                    for member in loop:
                        if member in self.unit_recs:
                            self.unit_recs[member].reject(message)
                    acyclic.update(trail)  # reported once; stop walking this chain
                    break
                trail.append(current)
                if current not in self.unit_recs and current not in self.db_units:
                    break  # unknown parent, reported on its row
                current = self._final_parent(current)
            acyclic.update(trail)

    def final_path(self, code: str) -> str:
        """The unit's path after the import (new units get a placeholder segment)."""
        if code in self.final_paths:
            return self.final_paths[code]
        rec = self.unit_recs.get(code)
        parent = self._final_parent(code)
        if rec is not None and rec.existing is None:
            segment = f"~{rec.result.row:05d}."[-PATH_STEP:]
        else:
            segment = path_segment(self.db_units[code].pk)
        if parent is None or (parent not in self.unit_recs and parent not in self.db_units):
            path = segment
        else:
            self.final_paths[code] = ""  # guards against a cycle reported elsewhere
            path = self.final_path(parent) + segment
        self.final_paths[code] = path
        return path

    def _final_unit(self, code: str) -> Unit | None:
        rec = self.unit_recs.get(code)
        if rec is not None:
            return rec.obj
        return self.db_units.get(code)

    def _check_unit_rules(self, rec: Rec) -> None:
        unit: Unit = rec.obj
        existing: Unit | None = rec.existing
        parent = self._final_unit(rec.parent_code) if rec.parent_code else None
        parent_rec = self.unit_recs.get(rec.parent_code or "")
        kind_changed = "kind" in rec.result.changes
        parent_kind_changed = parent_rec is not None and "kind" in parent_rec.result.changes
        if existing is None or rec.moved or kind_changed or parent_kind_changed:
            try:
                services.check_parent_allows(parent, unit.kind)
            except DomainError as exc:
                rec.reject(_error_text(exc))
        if self.access.everything or not (existing is None or rec.result.changes):
            return
        if existing is None:
            if parent is None:
                rec.reject(_("Chỉ quản trị hệ thống mới được tạo đơn vị gốc (không có cấp trên)."))
                return
            decision = can_manage_unit(self.user, Unit(path=self.final_path(rec.parent_code)))
        elif rec.moved and rec.parent_code:
            new_parent = Unit(path=self.final_path(rec.parent_code))
            decision = can_move_unit(self.user, existing, new_parent)
        else:
            decision = can_manage_unit(self.user, existing)
        if not decision:
            rec.reject(decision.reason)

    # --- people --------------------------------------------------------------------------

    def _load_people(self, parsed: dict[str, list[Rec]]) -> None:
        cards = {
            rec.values["card"]
            for entity in (PEOPLE, MEMBERSHIPS, POSITIONS)
            for rec in parsed.get(entity, [])
            if rec.values.get("card")
        }
        for chunk in _chunks(sorted(cards)):
            for person in Person.objects.filter(party_card_number__in=chunk):
                self.db_people[person.party_card_number] = person
        ids = [p.pk for p in self.db_people.values()]
        # Memberships and positions of the people already known: natural keys, overlaps, scope.
        self.db_memberships: dict[int, list[Membership]] = defaultdict(list)
        self.db_positions: dict[int, list[Position]] = defaultdict(list)
        for chunk in _chunks(ids):
            for m in Membership.objects.filter(person_id__in=chunk).select_related("unit"):
                self.db_memberships[m.person_id].append(m)
            for p in Position.objects.filter(person_id__in=chunk).select_related("unit"):
                self.db_positions[p.person_id].append(p)

    def _plan_people(self, recs: list[Rec]) -> None:
        stage = _("Kiểm tra đảng viên")
        today = timezone.localdate()
        by_card: dict[str, list[Rec]] = defaultdict(list)
        for rec in recs:
            card = rec.values.get("card") or ""
            rec.result.key = card
            if card:
                by_card[card].append(rec)
        for card, same in by_card.items():
            if len(same) > 1:
                rows = ", ".join(str(r.result.row) for r in same)
                for rec in same:
                    rec.reject(
                        _("Số thẻ đảng viên %(n)s xuất hiện nhiều lần trong tệp (dòng %(rows)s).")
                        % {"n": card, "rows": rows}
                    )
            self.person_recs[card] = same[0]
        for rec in recs:
            self._tick(stage)
            values = rec.values
            existing = self.db_people.get(values.get("card") or "")
            rec.existing = existing
            person = copy.copy(existing) if existing else Person()
            person.party_card_number = values.get("card") or None
            for key in ("full_name", "birth_date", "gender", "admission_date", "official_date"):
                if key in rec.present:
                    value = values.get(key)
                    setattr(person, key, "" if value is None and key == "gender" else value)
            person.refresh_derived()
            rec.obj = person
            for problem in _length_problems(
                Person,
                {"full_name": person.full_name, "party_card_number": person.party_card_number},
            ):
                rec.reject(problem)
            try:
                services.check_person_dates(person, today)
            except DomainError as exc:
                rec.reject(_error_text(exc))
            if (
                person.official_date
                and person.admission_date
                and person.official_date < person.admission_date
            ):
                rec.reject(_constraint_message(Person, "org_person_official_after_admission"))
            if existing is not None:
                rec.result.changes = diff(
                    snap(existing, PERSON_FIELDS), snap(person, PERSON_FIELDS)
                )
                starts = [m.valid_from for m in self.db_memberships.get(existing.pk, [])]
                try:
                    services.check_first_membership(person, min(starts) if starts else None)
                except DomainError as exc:
                    rec.reject(_error_text(exc))

    def _final_person(self, card: str) -> tuple[Person | None, Rec | None]:
        rec = self.person_recs.get(card)
        if rec is not None:
            return rec.obj, rec
        return self.db_people.get(card), None

    def _resolve(self, rec: Rec, *, cell: bool) -> tuple[Person | None, Unit | None]:
        """The row's person and unit (as they will be after the import), or a rejection."""
        card, code = rec.values.get("card"), rec.values.get("unit")
        person, person_rec = self._final_person(card) if card else (None, None)
        if card and person is None:
            rec.reject(
                _(
                    "Không tìm thấy đảng viên có số thẻ %(n)s (không có trong cơ sở dữ liệu và "
                    "trong bảng Đảng viên của tệp)."
                )
                % {"n": card}
            )
        unit = self._final_unit(code) if code else None
        if code and unit is None:
            rec.reject(
                _("Không tìm thấy %(what)s có mã %(c)s (trong cơ sở dữ liệu và trong tệp).")
                % {"what": _("chi bộ") if cell else _("đơn vị"), "c": code}
            )
        return person, unit

    def _scope_unit(self, rec: Rec, unit: Unit) -> None:
        if self.access.everything:
            return
        decision = can_manage_unit(self.user, Unit(path=self.final_path(unit.code)))
        if not decision:
            rec.reject(f"“{unit}”: {decision.reason}")

    # --- memberships ---------------------------------------------------------------------

    def _plan_memberships(self, recs: list[Rec]) -> None:
        stage = _("Kiểm tra sinh hoạt đảng")
        by_key: dict[tuple, list[Rec]] = defaultdict(list)
        # Official periods of each person after the import: (start, end, unit, owner), where the
        # owner is the row (Rec) or, for a membership the file does not touch, its database id.
        periods: dict[str, list[tuple]] = {}
        for rec in recs:
            self._tick(stage)
            values = rec.values
            card, code = values.get("card") or "", values.get("unit") or ""
            start, end = values.get("valid_from"), values.get("valid_to")
            rec.result.key = f"{card} → {code} ({format_date(start)})"
            person, unit = self._resolve(rec, cell=True)
            if person is None or unit is None or start is None:
                continue
            by_key[(card, code, start)].append(rec)
            try:
                services.check_membership_unit(unit)
                services.check_period(person, unit, start, end)
            except DomainError as exc:
                rec.reject(_error_text(exc))
            db_person = self.db_people.get(card)
            db_list = self.db_memberships.get(db_person.pk, []) if db_person else []
            unit_db = self.db_units.get(code)
            existing = None
            if unit_db is not None:
                existing = next(
                    (m for m in db_list if m.unit_id == unit_db.pk and m.valid_from == start), None
                )
            rec.existing = existing
            obj = copy.copy(existing) if existing else Membership(valid_from=start)
            obj.kind = values.get("kind") or MembershipKind.OFFICIAL
            if "valid_to" in rec.present:
                obj.valid_to = end
            obj.person, obj.unit = person, unit
            rec.obj = obj
            if existing is not None:
                fields = ["kind", "valid_to"]
                rec.result.changes = diff(snap(existing, fields), snap(obj, fields))
            if rec.ok and (existing is None or rec.result.changes):
                self._scope_unit(rec, unit)
            if card not in periods:
                periods[card] = [
                    (m.valid_from, m.valid_to, m.unit, m.pk)
                    for m in db_list
                    if m.kind == MembershipKind.OFFICIAL
                ]
            if existing is not None:
                periods[card] = [p for p in periods[card] if p[3] != existing.pk]
            if obj.kind == MembershipKind.OFFICIAL:
                periods[card].append((start, obj.valid_to, unit, rec))
        for same in by_key.values():
            if len(same) > 1:
                rows = ", ".join(str(r.result.row) for r in same)
                for rec in same:
                    rec.reject(
                        _("Dòng sinh hoạt đảng này xuất hiện nhiều lần trong tệp (dòng %(rows)s).")
                        % {"rows": rows}
                    )
        for card, items in periods.items():
            if len(items) < 2:
                continue
            person, _rec = self._final_person(card)
            for item in items:
                owner = item[3]
                if not isinstance(owner, Rec):
                    continue
                for other in items:
                    if other is not item and services.periods_overlap(
                        item[0], item[1], other[0], other[1]
                    ):
                        owner.reject(_error_text(services.official_overlap_error(person, other[2])))
                        break

    # --- positions -----------------------------------------------------------------------

    def _plan_positions(self, recs: list[Rec]) -> None:
        stage = _("Kiểm tra chức vụ")
        by_key: dict[tuple, list[Rec]] = defaultdict(list)
        holders: dict[tuple[str, str], list[tuple]] = defaultdict(list)
        for rec in recs:
            self._tick(stage)
            values = rec.values
            card, code, role = (
                values.get("card") or "",
                values.get("unit") or "",
                values.get("role"),
            )
            start, end = values.get("valid_from"), values.get("valid_to")
            rec.result.key = f"{card} → {code}: {role or ''} ({format_date(start)})"
            person, unit = self._resolve(rec, cell=False)
            if person is None or unit is None or start is None or not role:
                continue
            by_key[(card, code, role, start)].append(rec)
            try:
                services.check_period(person, unit, start, end)
            except DomainError as exc:
                rec.reject(_error_text(exc))
            existing = None
            db_person = self.db_people.get(card)
            unit_db = self.db_units.get(code)
            if db_person is not None and unit_db is not None:
                existing = next(
                    (
                        p
                        for p in self.db_positions.get(db_person.pk, [])
                        if p.unit_id == unit_db.pk and p.role == role and p.valid_from == start
                    ),
                    None,
                )
            rec.existing = existing
            obj = copy.copy(existing) if existing else Position(role=role, valid_from=start)
            if "valid_to" in rec.present:
                obj.valid_to = end
            if "is_concurrent" in rec.present:
                obj.is_concurrent = bool(values.get("is_concurrent"))
            obj.person, obj.unit = person, unit
            rec.obj = obj
            if existing is not None:
                fields = ["valid_to", "is_concurrent"]
                rec.result.changes = diff(snap(existing, fields), snap(obj, fields))
            if rec.ok and (existing is None or rec.result.changes):
                self._scope_unit(rec, unit)
            if role in services.SINGLE_HOLDER_ROLES:
                holders[(code, role)].append((start, obj.valid_to, person, rec, existing))
        for same in by_key.values():
            if len(same) > 1:
                rows = ", ".join(str(r.result.row) for r in same)
                for rec in same:
                    rec.reject(
                        _("Dòng chức vụ này xuất hiện nhiều lần trong tệp (dòng %(rows)s).")
                        % {"rows": rows}
                    )
        self._check_single_holders(holders)

    def _check_single_holders(self, holders: dict[tuple[str, str], list[tuple]]) -> None:
        """One secretary (head) per unit at a time, over the file's rows and the database's."""
        unit_ids = {self.db_units[code].pk: code for code, _r in holders if code in self.db_units}
        for chunk in _chunks(sorted(unit_ids)):
            qs = Position.objects.filter(
                unit_id__in=chunk, role__in=services.SINGLE_HOLDER_ROLES
            ).select_related("person")
            for position in qs:
                key = (unit_ids[position.unit_id], position.role)
                items = holders.get(key)
                if items is None or any(i[4] is not None and i[4].pk == position.pk for i in items):
                    continue  # another role, or the row the file updates
                items.append((position.valid_from, position.valid_to, position.person, None, None))
        for (code, role), items in holders.items():
            unit = self._final_unit(code)
            label = PositionRole(role).label
            for start, end, person, owner, _existing in items:
                if owner is None:
                    continue
                for other in items:
                    holder = other[2]
                    if other[3] is owner or holder.party_card_number == person.party_card_number:
                        continue
                    if services.periods_overlap(start, end, other[0], other[1]):
                        owner.reject(_error_text(services.single_holder_error(unit, label, holder)))
                        break

    # --- scope of people, and rows that depend on rejected rows --------------------------

    def _person_decision(self, person: Person) -> Decision:
        """The org rule for editing an existing person (`can_edit_person`), once per person, on
        the memberships loaded with the people: no query per person."""
        decision = self.person_decisions.get(person.pk)
        if decision is None:
            memberships = self.db_memberships.get(person.pk, [])
            decision = can_edit_person(self.user, person, memberships=memberships)
            self.person_decisions[person.pk] = decision
        return decision

    def _check_people_scope(self) -> None:
        """Who may write a person, as on the pages: `can_edit_person` for someone already in the
        database (every row that creates or changes them, their membership or position rows too);
        a new person needs a membership row at a cell the importer manages (the page creates a
        person in a cell). A position alone never puts a person in scope."""
        if self.access.everything:
            return
        for entity in (MEMBERSHIPS, POSITIONS):
            for rec in self.plan_recs(entity):
                if not rec.ok or rec.obj is None:
                    continue
                if rec.existing is not None and not rec.result.changes:
                    continue  # unchanged: nothing is written
                db_person = self.db_people.get(rec.values.get("card") or "")
                if db_person is not None:
                    decision = self._person_decision(db_person)
                    if not decision:
                        rec.reject(
                            _("Đảng viên %(name)s (số thẻ %(n)s): %(reason)s")
                            % {
                                "name": db_person.full_name,
                                "n": db_person.party_card_number,
                                "reason": decision.reason,
                            }
                        )
        new_in_managed_cell = {
            rec.values["card"]
            for rec in self.plan_recs(MEMBERSHIPS)
            if rec.ok
            and rec.obj is not None
            and rec.values["card"] not in self.db_people
            and self.access.manages(self.final_path(rec.obj.unit.code))
        }
        for card, rec in self.person_recs.items():
            if not rec.ok or (rec.existing is not None and not rec.result.changes):
                continue
            if rec.existing is not None:
                decision = self._person_decision(rec.existing)
                if not decision:
                    rec.reject(decision.reason)
            elif card not in new_in_managed_cell:
                rec.reject(
                    _(
                        "Đảng viên mới phải có dòng sinh hoạt đảng tại một chi bộ do bạn quản lý "
                        "(bảng Sinh hoạt đảng của tệp)."
                    )
                )

    def plan_recs(self, entity: str) -> list[Rec]:
        return self._recs.get(entity, [])

    def _cascade(self) -> None:
        """Reject rows whose parent unit, cell or person was rejected."""
        changed = True
        while changed:
            changed = False
            for rec in self.unit_recs.values():
                parent = self.unit_recs.get(rec.parent_code or "")
                if rec.ok and parent is not None and not parent.ok:
                    rec.reject(
                        _("Đơn vị cấp trên %(c)s bị từ chối (dòng %(r)s).")
                        % {"c": parent.values.get("code"), "r": parent.result.row}
                    )
                    changed = True
        for entity in (MEMBERSHIPS, POSITIONS):
            for rec in self.plan_recs(entity):
                person = self.person_recs.get(rec.values.get("card") or "")
                if person is not None and not person.ok:
                    rec.reject(
                        _("Đảng viên số thẻ %(n)s bị từ chối ở bảng Đảng viên (dòng %(r)s).")
                        % {"n": rec.values.get("card"), "r": person.result.row}
                    )
                unit = self.unit_recs.get(rec.values.get("unit") or "")
                if unit is not None and not unit.ok:
                    rec.reject(
                        _("Đơn vị %(c)s bị từ chối ở bảng Đơn vị (dòng %(r)s).")
                        % {"c": rec.values.get("unit"), "r": unit.result.row}
                    )


def _constraint_message(model: type[models.Model], name: str) -> str:
    for constraint in model._meta.constraints:
        if constraint.name == name:
            return str(constraint.violation_error_message)
    raise LookupError(name)


def plan_import(contents: Contents, *, user, progress: Progress | None = None) -> Plan:
    """Check every row of `contents` as `user` (None: the system, everywhere); write nothing."""
    planner = Planner(contents, user=user, progress=progress)
    return planner.run()
