"""The real run: a checked Plan written in bulk, inside the caller's transaction, with audit rows.

Order: units level by level of the final tree (moves of existing units first, through
org.services.unit_move, then new units in bulk with their paths computed as unit_create does),
then people, memberships and positions. Rows that update an object are written only if the
object still has the version the dry run read; otherwise the whole import is refused (StaleImport)
and the caller's transaction rolls back.

New people, memberships, positions and the audit rows go through core.bulk's plain inserts
(COPY on PostgreSQL, executemany on SQLite) with ids taken from the table's sequence up front:
Django's bulk_create spends most of its time building model instances and query parameters,
which made it several times slower on 100,000 members (bench/import_members.py).
"""

from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import BulkAudit, diff
from kiemdiem.core.bulk import Table, allocate_ids, insert_rows
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.org import services
from kiemdiem.org.models import PATH_STEP, Membership, Person, Position, Unit, path_segment
from kiemdiem.transfer.audit import snap
from kiemdiem.transfer.columns import MEMBERSHIPS, POSITIONS
from kiemdiem.transfer.planner import (
    CREATE,
    MEMBERSHIP_FIELDS,
    UNCHANGED,
    UPDATE,
    Plan,
    Rec,
)


class StaleImport(DomainError):
    """An object changed between the dry run and the real run; nothing was written."""


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


PERSON_COLUMNS = (
    "id created_at updated_at version full_name birth_date gender party_card_number "
    "admission_date official_date search_text sort_key"
).split()
MEMBERSHIP_COLUMNS = "id created_at updated_at version person_id unit_id kind valid_from valid_to"
POSITION_COLUMNS = (
    "id created_at updated_at version person_id unit_id role valid_from valid_to is_concurrent"
)


class Writer:
    def __init__(
        self,
        plan: Plan,
        *,
        user,
        reason: str,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.plan = plan
        self.actor = user if user is not None and user.is_authenticated else None
        self.user = user
        self.reason = reason
        self.batch = settings.KIEMDIEM_IMPORT_BATCH
        self.progress = progress or (lambda stage, done, total: None)
        self.total = plan.row_count
        self.done = 0
        self.now = timezone.now()
        self.stamp = connection.ops.adapt_datetimefield_value(self.now)
        self.audit = BulkAudit(by=user, reason=reason, batch=self.batch)

    def _advance(self, stage: str, rows: int) -> None:
        self.done += rows
        self.progress(stage, self.done, self.total)

    def _check_versions(self, model: type[models.Model], recs: list[Rec]) -> None:
        """Lock the rows to update and make sure nobody changed them since the dry run."""
        loaded = {rec.existing.pk: rec.existing for rec in recs}
        for chunk in _batches(sorted(loaded), self.batch):
            current = model.objects.select_for_update().filter(pk__in=chunk)
            for pk, version in current.values_list("pk", "version"):
                if version != loaded[pk].version:
                    raise StaleImport(
                        _(
                            "“%(obj)s” vừa được người khác thay đổi trong lúc nhập; không ghi gì. "
                            "Hãy chạy thử lại tệp để xem dữ liệu mới nhất."
                        )
                        % {"obj": loaded[pk]}
                    )

    def run(self) -> dict[str, dict[str, int]]:
        if not self.plan.ok:
            raise DomainError(_("Tệp còn dòng bị từ chối: không ghi gì."))
        skipped = sum(1 for r in self.plan.results if r.action == UNCHANGED)
        self._advance(_("Bỏ qua các dòng không đổi"), skipped)
        self.write_units()
        self.write_people()
        self.write_links(
            MEMBERSHIPS, Membership, self.plan.memberships, ["kind", "valid_to"], MEMBERSHIP_FIELDS
        )
        self.write_links(
            POSITIONS,
            Position,
            self.plan.positions,
            ["valid_to", "is_concurrent"],
            ["person", "unit", "role", "valid_from", "valid_to"],
        )
        self.audit.flush()
        return self.plan.counts()

    # --- units ---------------------------------------------------------------------------

    def write_units(self) -> None:
        stage = _("Ghi đơn vị")
        recs = [r for r in self.plan.units if r.result.action in (CREATE, UPDATE)]
        if not recs:
            return
        updates = [r for r in recs if r.result.action == UPDATE]
        self._check_versions(Unit, updates)
        known: dict[str, Unit] = dict(self.plan.db_units)
        levels: dict[int, list[Rec]] = defaultdict(list)
        for rec in recs:
            if rec.result.action == CREATE or rec.moved:
                levels[rec.depth].append(rec)
        for depth in sorted(levels):
            for rec in levels[depth]:
                if rec.moved:
                    self._move(rec, known)
            created = [rec for rec in levels[depth] if rec.result.action == CREATE]
            for batch in _batches(created, self.batch):
                self._create_units(batch, known)
                self._advance(stage, len(batch))
        fields_changed = [r for r in updates if set(r.result.changes) - {"parent"}]
        for rec in fields_changed:
            unit: Unit = rec.obj
            unit.version = known[unit.code].version + 1
            unit.search_text = services.unit_search_text(unit.code, unit.name)
            unit.updated_at = self.now
            changes = {k: v for k, v in rec.result.changes.items() if k != "parent"}
            self._event(unit, AuditAction.UPDATE, changes, unit.path)
        Unit.objects.bulk_update(
            [r.obj for r in fields_changed],
            [
                "name",
                "kind",
                "admin_code",
                "valid_from",
                "valid_to",
                "search_text",
                "version",
                "updated_at",
            ],
            batch_size=self.batch,
        )
        self._advance(stage, sum(1 for r in updates if not r.moved))

    def _move(self, rec: Rec, known: dict[str, Unit]) -> None:
        """An existing unit under a new parent: the org service rewrites the subtree's paths."""
        unit = Unit.objects.select_related("parent").get(pk=rec.existing.pk)
        old_path = unit.path
        moved = services.unit_move(
            unit=unit,
            new_parent=known[rec.parent_code],
            by=self.actor,
            expected_version=rec.existing.version,
            reason=self.reason,
        )
        # Units already in memory that sat in the moved subtree get their new paths too.
        shift = (len(moved.path) - len(old_path)) // PATH_STEP
        for other in [*known.values(), *(r.obj for r in self.plan.units if r.obj is not None)]:
            if other.path and other.path.startswith(old_path):
                other.path = moved.path + other.path[len(old_path) :]
                other.depth += shift
        known[unit.code].version = moved.version
        rec.obj.path = moved.path
        rec.obj.parent_id = moved.parent_id
        self._advance(_("Chuyển đơn vị"), 1)

    def _create_units(self, recs: list[Rec], known: dict[str, Unit]) -> None:
        units = []
        for rec in recs:
            unit: Unit = rec.obj
            unit.parent = known[rec.parent_code] if rec.parent_code else None
            unit.search_text = services.unit_search_text(unit.code, unit.name)
            units.append(unit)
        Unit.objects.bulk_create(units, batch_size=self.batch)
        for unit in units:
            # The path is the parent's and the unit's own id: the same rule as unit_create.
            unit.path = (unit.parent.path if unit.parent else "") + path_segment(unit.pk)
            unit.depth = len(unit.path) // PATH_STEP - 1
            known[unit.code] = unit
            changes = diff({}, snap(unit, services.UNIT_FIELDS))
            self._event(unit, AuditAction.CREATE, changes, unit.path)
        Unit.objects.bulk_update(units, ["path", "depth"], batch_size=self.batch)

    # --- people --------------------------------------------------------------------------

    def write_people(self) -> None:
        stage = _("Ghi đảng viên")
        created = [r.obj for r in self.plan.people if r.result.action == CREATE]
        updated = [r for r in self.plan.people if r.result.action == UPDATE]
        self._check_versions(Person, updated)
        table = Table(connection, Person, PERSON_COLUMNS)
        for batch in _batches(created, self.batch):
            s = self.stamp
            for person, pk in zip(batch, allocate_ids(Person, len(batch)), strict=True):
                person.pk = person.id = pk
                person.created_at = person.updated_at = self.now
            insert_rows(
                connection,
                table,
                (
                    (p.pk, s, s, 1, p.full_name, p.birth_date, p.gender, p.party_card_number)
                    + (p.admission_date, p.official_date, p.search_text, p.sort_key)
                    for p in batch
                ),
            )
            for person in batch:
                changes = diff({}, snap(person, services.PERSON_FIELDS))
                self._event(person, AuditAction.CREATE, changes, "", person_id=person.pk)
            self._advance(stage, len(batch))
        for batch in _batches(updated, self.batch):
            people = []
            for rec in batch:
                person: Person = rec.obj
                person.version = rec.existing.version + 1
                person.updated_at = self.now
                people.append(person)
                self._event(person, AuditAction.UPDATE, rec.result.changes, "", person_id=person.pk)
            Person.objects.bulk_update(
                people,
                [*services.PERSON_FIELDS, "search_text", "sort_key", "version", "updated_at"],
                batch_size=self.batch,
            )
            self._advance(stage, len(batch))

    # --- memberships and positions -------------------------------------------------------

    def write_links(
        self,
        entity: str,
        model: type[models.Model],
        recs: list[Rec],
        update_fields: list[str],
        audit_fields: list[str],
    ) -> None:
        stage = _("Ghi sinh hoạt đảng") if entity == MEMBERSHIPS else _("Ghi chức vụ")
        created = [r.obj for r in recs if r.result.action == CREATE]
        updated = [r for r in recs if r.result.action == UPDATE]
        self._check_versions(model, updated)
        columns = MEMBERSHIP_COLUMNS if model is Membership else POSITION_COLUMNS
        table = Table(connection, model, columns.split())
        for batch in _batches(created, self.batch):
            s = self.stamp
            for obj, pk in zip(batch, allocate_ids(model, len(batch)), strict=True):
                obj.pk = obj.id = pk
                # The person or unit may be new in this import: assigning them again takes
                # their ids now (setting person_id alone would drop the cached person).
                obj.person, obj.unit = obj.person, obj.unit
            if model is Membership:
                values = (
                    (o.pk, s, s, 1, o.person_id, o.unit_id, o.kind, o.valid_from, o.valid_to)
                    for o in batch
                )
            else:
                values = (
                    (o.pk, s, s, 1, o.person_id, o.unit_id, o.role, o.valid_from, o.valid_to)
                    + (o.is_concurrent,)
                    for o in batch
                )
            insert_rows(connection, table, values)
            for obj in batch:
                changes = diff({}, snap(obj, audit_fields))
                self._event(
                    obj, AuditAction.CREATE, changes, obj.unit.path, person_id=obj.person_id
                )
            self._advance(stage, len(batch))
        for batch in _batches(updated, self.batch):
            objs = []
            for rec in batch:
                obj = rec.obj
                obj.version = rec.existing.version + 1
                obj.updated_at = self.now
                objs.append(obj)
                self._event(
                    obj,
                    AuditAction.UPDATE,
                    rec.result.changes,
                    obj.unit.path,
                    person_id=obj.person_id,
                )
            model.objects.bulk_update(
                objs, [*update_fields, "version", "updated_at"], batch_size=self.batch
            )
            self._advance(stage, len(batch))

    def _event(self, obj, action, changes, unit_path: str, person_id: int | None = None) -> None:
        """One audit row for `obj` (changes already shaped by snap/diff)."""
        self.audit.add_object(
            obj, action=action, changes=changes, unit_path=unit_path, person_id=person_id
        )


def apply_plan(
    plan: Plan,
    *,
    user,
    reason: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Write a checked plan; call inside a transaction (the job runner holds it)."""
    return Writer(plan, user=user, reason=reason, progress=progress).run()
