"""Writing to the audit trail: the only code that creates AuditEvent rows."""

import datetime
import decimal
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language

from kiemdiem.core.bulk import Table, insert_rows
from kiemdiem.core.dates import vn_date
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.precompiled import Precompiled, padded


def plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value (as every audit row stores it)."""
    if value is None or type(value) in (str, int):  # most values: nothing to do (bulk rows)
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return vn_date(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Choices):
        return str(value.label)
    if isinstance(value, Promise):  # a lazy translation
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Values of `fields` on `obj` as a reader sees them: FKs by their str(), choices by label."""
    values = {}
    for name in fields:
        value = getattr(obj, name)
        choices = getattr(obj._meta.get_field(name), "choices", None)
        if choices and not isinstance(value, list):
            value = dict(choices).get(value, value)
        values[name] = plain(value)
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(model: type[models.Model] | None, field: str) -> str:
    """The Vietnamese label of a field (its verbose_name, capitalised; the name if unknown)."""
    label = str(getattr(_field(model, field), "verbose_name", field))
    return label[:1].upper() + label[1:]


def choice_labels(model: type[models.Model] | None, field: str) -> dict[Any, str]:
    """code → label of a field's choices (empty for a field without choices)."""
    return _choice_labels(model, field, get_language())


@functools.lru_cache(maxsize=1024)
def _choice_labels(model: type[models.Model] | None, field: str, language: str | None) -> dict:
    # cached per language: the audit page read ~100 labels a request, each a translation (issue 17)
    return {code: str(label) for code, label in getattr(_field(model, field), "choices", ()) or ()}


def field_value(model: type[models.Model] | None, field: str, value: Any) -> Any:
    """A stored value as a reader sees it: a choice code (audit rows store status codes) by its
    label; anything else unchanged, so rows written with labels read the same."""
    if not isinstance(value, str) or not _has_choices(model, field):
        return value
    return choice_labels(model, field).get(value, value)


@functools.cache
def _has_choices(model: type[models.Model] | None, field: str) -> bool:
    # Most changed fields have none: no need to ask for the language (~5 µs) for each value.
    return bool(getattr(_field(model, field), "choices", None))


def unit_ref_from_path(unit_path: str) -> int | None:
    """The id of the unit a path ends with: its last segment, six base-36 digits and a dot."""
    segment = unit_path[-7:-1] if len(unit_path) >= 7 and unit_path.endswith(".") else ""
    try:
        return int(segment, 36) if segment else None
    except ValueError:
        return None


# The columns of an audit row written in bulk (audit_row), without the id (the sequence's).
AUDIT_ROW_COLUMNS = [
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "unit_path",
    "person_id_ref",
    "changes",
    "reason",
    "unit_ref",
]


def audit_row(
    *,
    at: Any,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: Any,
    object_repr: str,
    unit_path: str,
    person_id: int | None,
    changes: Mapping[str, list[Any]],
    reason: str,
) -> tuple:
    """One audit row as a tuple of AUDIT_ROW_COLUMNS, for the bulk writers (cycle opening,
    import) that write tens of thousands of rows at once: the same values audit_record stores.
    `at` is already adapted for the database; `changes` values are already plain()."""
    return (
        at,
        actor_id,
        AuditAction(action).value,
        object_type,
        str(object_id),
        object_repr[:300],
        unit_path,
        person_id,
        json.dumps(changes, ensure_ascii=False),
        reason,
        unit_ref_from_path(unit_path),  # rows follow the unit if it is moved later
    )


class BulkAudit:
    """Audit rows for objects written in bulk (a cycle opening, an import), inserted in batches.

    Each row holds what `audit_record` would write (actor, object, {field: [before, after]},
    reason, unit path and id, person), built from values already in memory: one model instance
    and one INSERT per row would dominate the time of writing tens of thousands of objects.
    Call `flush()` at the end, inside the same transaction as the objects.
    """

    def __init__(self, *, by: Any, reason: str = "", batch: int = 20_000) -> None:
        actor = by if (by is not None and getattr(by, "is_authenticated", False)) else None
        self.actor_id = actor.pk if actor is not None else None
        self.reason = reason
        self.batch = batch
        self.stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        # Only these columns: the id comes from the database's own sequence.
        self.table = Table.columns_only(AuditEvent._meta.db_table, AUDIT_ROW_COLUMNS)
        self.rows: list[tuple] = []
        self.written = 0

    def add(
        self,
        *,
        object_type: str,
        object_id: Any,
        object_repr: str,
        action: str,
        changes: Mapping[str, Sequence[Any]],
        unit_path: str,
        person_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        """One row; `changes` is {field: [before, after]} (values are made plain here)."""
        pairs = {k: [plain(v) for v in pair] for k, pair in changes.items()}
        self.rows.append(
            audit_row(
                at=self.stamp,
                actor_id=self.actor_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                object_repr=object_repr,
                unit_path=unit_path,
                person_id=person_id,
                changes=pairs,
                reason=self.reason if reason is None else reason,
            )
        )
        if len(self.rows) >= self.batch:
            self.flush()

    def add_object(
        self,
        obj: models.Model,
        *,
        action: str,
        changes: Mapping[str, Sequence[Any]],
        unit_path: str,
        person_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        """`add` for a model instance at hand (its label, id and str())."""
        self.add(
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            object_repr=str(obj),
            action=action,
            changes=changes,
            unit_path=unit_path,
            person_id=person_id,
            reason=reason,
        )

    def flush(self) -> None:
        self.written += insert_rows(connection, self.table, self.rows)
        self.rows = []


def created(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [None, value]}: the changes of an object that has just been created."""
    return {k: [None, v] for k, v in values.items()}


def audit_record(
    *,
    obj: models.Model,
    action: str,
    by: Any,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    unit_path: str = "",
    person_id: int | None = None,
    unit_ref: int | None = None,
    effective_on: datetime.date | None = None,
) -> AuditEvent:
    """Append one audit row for a change of `obj`.

    `unit_ref` (the unit's id) defaults to the unit `unit_path` ends with; scoping and history
    panels follow it through the current tree, so the row stays with its unit after a move.
    `effective_on` is kept only when it differs from the day of recording.
    """
    actor = by if (by is not None and getattr(by, "is_authenticated", False)) else None
    if unit_ref is None:
        unit_ref = unit_ref_from_path(unit_path)
    return AuditEvent.objects.create(
        actor=actor,
        action=AuditAction(action),
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        unit_path=unit_path,
        unit_ref=unit_ref,
        person_id_ref=person_id,
        changes={k: [plain(v) for v in pair] for k, pair in (changes or {}).items()},
        reason=reason,
        effective_on=effective_on if effective_on != timezone.localdate() else None,
    )


# Object types whose rows say what only some may read (a discipline case, a person's votes):
# registered by their apps through `org.scoping.register_sensitive`. History panels of a unit or
# a person leave them out; the record's own page shows them (it is already scoped).
SENSITIVE_TYPES: set[str] = set()


# History panels show the newest 50 rows (some 30).
HISTORY_LIMIT = 50


def _history_rows() -> models.QuerySet[AuditEvent]:
    """Audit rows with who wrote them, as a history panel shows them."""
    return AuditEvent.objects.select_related("actor", "actor__person")


def _newest(where: models.Q) -> models.QuerySet:
    """(at, pk) of the newest HISTORY_LIMIT audit rows `where` says, through its index."""
    keys = AuditEvent.objects.filter(where).values_list("at", "pk")
    return keys.order_by("-at", "-id")[:HISTORY_LIMIT]


# The branches of a history panel (history_for): the object's own rows; the rows about a unit
# (by its id, and by its path for rows written in bulk without one) or a person, but those of
# SENSITIVE_TYPES (`hidden`).
_NEWEST_OF_OBJECT = Precompiled(
    lambda object_type, object_id: _newest(models.Q(object_type=object_type, object_id=object_id))
)
_NEWEST_OF_UNIT = Precompiled(
    lambda ref, hidden: _newest(models.Q(unit_ref=ref) & ~models.Q(object_type__in=hidden))
)
_NEWEST_OF_PATH = Precompiled(
    lambda path, hidden: _newest(
        models.Q(unit_ref__isnull=True, unit_path=path) & ~models.Q(object_type__in=hidden)
    )
)
_NEWEST_OF_PERSON = Precompiled(
    lambda person_id, hidden: _newest(
        models.Q(person_id_ref=person_id) & ~models.Q(object_type__in=hidden)
    )
)
_HISTORY_BY_KEY = Precompiled(lambda keys: _history_rows().filter(pk__in=keys).order_by())


def history_for(
    obj: models.Model,
    *,
    unit_path: str = "",
    person_id: int | None = None,
    parts: Iterable[models.Model] = (),
) -> models.QuerySet[AuditEvent] | list[AuditEvent]:
    """Audit rows of one object, newest first (the history panel of each object page).

    With `parts`, also the rows of those objects (a plan's items and recipients).

    With `unit_path`, also the rows of objects attached directly to that unit (memberships,
    positions), found by the unit's id so that rows written before a move still show (rows
    without a unit_ref, written in bulk, by their path); with `person_id`, the rows of objects
    about that person. With any of these, a list of the newest HISTORY_LIMIT rows
    (instead of a QuerySet).
    """
    object_type, object_id = obj._meta.label_lower, str(obj.pk)
    ids_by_type: dict[str, list[str]] = {}
    for part in parts:
        ids_by_type.setdefault(part._meta.label_lower, []).append(str(part.pk))
    if not (unit_path or person_id is not None or ids_by_type):
        return _history_rows().filter(object_type=object_type, object_id=object_id)
    # An OR of the branches, or `pk IN (…) ORDER BY at DESC LIMIT 50`, made SQLite walk the
    # whole trail backwards by `at` (25–50 ms for a plan on the province demo, growing with the
    # trail). So: the newest keys of each branch through its own index (object, unit, person),
    # merged here, and the page's rows by key, ordered here. Each read is compiled once per
    # process (core.precompiled): on a unit's page compiling them cost ~2 ms of Python.
    hidden = tuple(sorted(SENSITIVE_TYPES))
    newest: list[tuple] = _NEWEST_OF_OBJECT(object_type, object_id)
    if unit_path:
        ref = unit_ref_from_path(unit_path)
        if ref is not None:
            newest += _NEWEST_OF_UNIT(ref, hidden)
        newest += _NEWEST_OF_PATH(unit_path, hidden)
    if person_id is not None:
        newest += _NEWEST_OF_PERSON(person_id, hidden)
    if ids_by_type:
        # all rows of the parts (a few each), unordered: with ORDER BY … LIMIT SQLite chose the
        # `at` index over the object index here too. Every kind of part in one query: a UNION
        # ALL, each branch through the object index (an OR made SQLite scan the whole index).
        part_keys = [
            AuditEvent.objects.filter(object_type=part_type, object_id__in=ids)
            .order_by()
            .values_list("at", "pk")
            for part_type, ids in ids_by_type.items()
        ]
        first, *others = part_keys
        newest.extend(first.union(*others, all=True) if others else first)
    top = [pk for _at, pk in sorted(set(newest), reverse=True)[:HISTORY_LIMIT]]
    if not top:
        return []
    found = {row.pk: row for row in _HISTORY_BY_KEY(padded(top, HISTORY_LIMIT))}
    return [found[pk] for pk in top if pk in found]


def audit_reads(
    objs: Iterable[models.Model],
    *,
    by: Any,
    where: str,
    place: Callable[[Any], tuple[str, int | None]],
) -> int:
    """One READ row per sensitive record shown to `by` (a discipline case, a person's vote
    result): on its page, in a list, an export or the API. `where` says which (kept as the
    row's reason); `place(obj)` gives the (unit path, person id) the row is filed under, so the
    person's history and the unit's audit scope find it. Written in one batch; returns the count.
    """
    audit = BulkAudit(by=by, reason=where)
    for obj in objs:
        unit_path, person_id = place(obj)
        audit.add_object(
            obj, action=AuditAction.READ, changes={}, unit_path=unit_path, person_id=person_id
        )
    count = len(audit.rows)
    audit.flush()
    return count


def reads_recorded(
    qs: Any,
    *,
    by: Any,
    where: str,
    place: Callable[[Any], tuple[str, int | None]],
    every: int = 1000,
) -> Any:
    """A clone of `qs` whose `iterator()` records its rows as read (`audit_reads`) as they are
    handed out: an export's rows are recorded when the workbook is written, not when they are
    counted, and once however often the export is retried."""

    class Recording(type(qs)):  # type: ignore[misc]
        def iterator(self, chunk_size: int | None = None) -> Any:
            batch: list[Any] = []
            for obj in super().iterator(chunk_size=chunk_size):
                batch.append(obj)
                yield obj
                if len(batch) >= every:
                    audit_reads(batch, by=by, where=where, place=place)
                    batch = []
            if batch:
                audit_reads(batch, by=by, where=where, place=place)

    clone = qs.all()
    clone.__class__ = Recording
    return clone
