"""Lifecycles: one table per kind of object, one event per arrow taken.

A lifecycle table (each app's `states.py`) lists every allowed move as (from, to) → `Arrow`: who
may take it (a `can_*` decision), whether a reason is required, and which campaign counters move.
`begin()` checks a move before the service does its own checks; `Move.apply()` then takes it:

1. the arrow must be in the table (`TransitionNotAllowed`), the user must be allowed by its
   decision (`PermissionDenied` with the Vietnamese reason, whatever the entry point: page, htmx
   partial, API, command), the version the user edited must still be the row's (`StaleObject`),
   a reason is given where required, the effective date is today or allowed (see below);
2. one conditional UPDATE on (status, version) writes the new state — a second user acting on the
   same state gets `StaleObject`, never an overwrite;
3. flags the overdue sweep raises (an item past its deadline, a plan not submitted in time) are
   cleared when the object leaves the states they apply to, and their counter goes down;
4. one audit row: status codes (labels only at display), the reason, the effective date;
5. the counters of the arrow, appended as one change record for the campaign summaries.

Creation and deletion are arrows too, from `BORN` and to `GONE`: `Move.born()` / `Move.gone()`
audit them and move their counters, so that e.g. "findings in the cycle" can never be forgotten.

Effective dates: every event takes effect today unless the caller names an earlier day, which is
for entering a past campaign from paper records: only a lifecycle that allows it (`backdate`, an
office's decision), never after today, never before the cycle started.
"""

import datetime
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Choices, F
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Decision
from kiemdiem.core.summaries import deltas_append
from kiemdiem.core.versions import require_version

# The "state" before an object exists and after it is deleted.
BORN: None = None
GONE: None = None

Decide = Callable[[Any, Any], Decision]
Counts = Mapping[str, int]


@dataclass(frozen=True)
class Arrow:
    """One allowed move. `can(user, obj)` decides who may take it; `None` marks a move the system
    makes as the consequence of another change whose service checked its own decision (a finding
    being remedied once an item of it is reported on). `counts` are the campaign counters it
    moves: a mapping, or a function of the object (and the move) for counters that depend on it
    (a first submission is on time or late)."""

    can: Decide | None = None
    reason: bool = False
    counts: Counts | Callable[[Any, "Move"], Counts] = field(default_factory=dict)

    def counts_for(self, obj: Any, move: "Move") -> dict[str, int]:
        counts = self.counts(obj, move) if callable(self.counts) else self.counts
        return dict(counts)


@dataclass(frozen=True)
class Flag:
    """A boolean column set by the overdue sweep while the object is in `states`; leaving them
    clears it and takes one off `metric`."""

    field: str
    metric: str
    states: frozenset[str]


@dataclass(frozen=True)
class Place:
    """Where an object belongs: its unit (audit scoping), its person, its cycle (counters) and
    the first day an event of it may take effect."""

    unit_path: str
    person_id: int | None = None
    cycle_id: int | None = None
    earliest: datetime.date | None = None


@dataclass(frozen=True)
class Lifecycle:
    """A lifecycle table and what applies to every arrow of it."""

    name: str
    arrows: Mapping[tuple[str | None, str | None], Arrow]
    labels: Mapping[str, Any]  # state → its label (lazy translations)
    place: Callable[[Any], Place]
    flags: tuple[Flag, ...] = ()
    # Who may record an event as having taken effect before today (None: nobody).
    backdate: Decide | None = None
    status_field: str = "status"
    # Called after every move (creation included) in the same transaction, with the object as
    # it now is and the move (its `old` state): the classification statistics append their
    # change records here, as the campaign counters do through `Arrow.counts`.
    after_move: Callable[[Any, "Move"], None] | None = None

    def arrow(self, obj: Any, old: str | None, new: str | None) -> Arrow:
        found = self.arrows.get((old, new))
        if found is None:
            raise TransitionNotAllowed(obj, old, new, self.labels)
        return found

    def label(self, state: str | None) -> str:
        return str(self.labels.get(state, state)) if state is not None else ""

    def targets(self, old: str | None) -> set[str | None]:
        """The states one arrow away from `old`."""
        return {new for (frm, new) in self.arrows if frm == old}


class TransitionNotAllowed(DomainError):
    """The lifecycle table has no arrow from the current state to the requested one."""

    def __init__(
        self, obj: Any, old: str | None, new: str | None, labels: Mapping[str, Any]
    ) -> None:
        super().__init__(
            _("Không thể chuyển “%(obj)s” từ trạng thái “%(old)s” sang “%(new)s”.")
            % {
                "obj": obj,
                "old": labels.get(old, old) if old else _("chưa có"),
                "new": labels.get(new, new) if new else _("xóa"),
            }
        )


def _code(state: Any) -> Any:
    """A state as stored: the plain value of a choices member."""
    return state.value if isinstance(state, Choices) else state


def _effective(
    lifecycle: Lifecycle,
    arrow: Arrow,
    obj: Any,
    by: Any,
    day: datetime.date | None,
    place: Place,
) -> datetime.date:
    """The day a move takes effect: today, or an earlier day for those allowed to backdate.
    A system arrow takes the day of the move that caused it (already checked)."""
    today = timezone.localdate()
    if day is None or day == today:
        return today
    if day > today:
        raise DomainError(
            _("Ngày có hiệu lực %(d)s ở tương lai: chỉ ghi nhận được việc đã diễn ra.")
            % {"d": vn_date(day)},
            field="effective_on",
        )
    if arrow.can is not None:
        if lifecycle.backdate is None:
            raise DomainError(_("Việc này chỉ ghi nhận với ngày hôm nay."), field="effective_on")
        decision = lifecycle.backdate(by, obj)
        if not decision:
            raise PermissionDenied(decision.reason)
    if place.earliest is not None and day < place.earliest:
        raise DomainError(
            _("Ngày có hiệu lực %(d)s trước ngày bắt đầu đợt kiểm điểm (%(s)s).")
            % {"d": vn_date(day), "s": vn_date(place.earliest)},
            field="effective_on",
        )
    return day


@dataclass
class Move:
    """A checked move of one object, ready to be taken (see `begin`)."""

    lifecycle: Lifecycle
    obj: Any
    old: str | None
    new: str | None
    arrow: Arrow
    by: Any
    reason: str
    version: int | None
    effective_on: datetime.date
    place: Place

    def _require_reason(self) -> None:
        if self.arrow.reason and not self.reason:
            raise DomainError(_("Phải nêu lý do."), field="reason")

    def apply(self, changes: Mapping[str, Any] | None = None, /, **also: Any) -> None:
        """Take a move between two states: the conditional UPDATE, flags, audit, counters.
        `also` are further fields written in the same statement; `changes` ({field: [before,
        after]}) are recorded on the audit row beside the status (a decision's number and date)."""
        self._require_reason()
        obj, field_name = self.obj, self.lifecycle.status_field
        version = obj.version if self.version is None else self.version
        updated = (
            type(obj)
            ._default_manager.filter(pk=obj.pk, version=version, **{field_name: self.old})
            .update(version=F("version") + 1, **{field_name: self.new}, **also)
        )
        if not updated:
            raise StaleObject(obj)
        setattr(obj, field_name, self.new)
        obj.version = version + 1
        for key, value in also.items():
            setattr(obj, key, value)
        counts = self.arrow.counts_for(obj, self)
        self._clear_flags(counts)
        # Codes, not labels: a label may be reworded; the history panel shows the label.
        codes = [_code(self.old), _code(self.new)]
        self._record(AuditAction.TRANSITION, {field_name: codes, **(changes or {})}, counts)

    def born(self, *, changes: Mapping[str, Any] | None = None) -> None:
        """Record the creation of `obj` (saved by the service): audit row and counters."""
        self._require_reason()
        self._record(AuditAction.CREATE, changes or {}, self.arrow.counts_for(self.obj, self))

    def gone(self, *, changes: Mapping[str, Any] | None = None) -> None:
        """Record the deletion of `obj` (before the service deletes the row)."""
        self._require_reason()
        counts = self.arrow.counts_for(self.obj, self)
        self._clear_flags(counts)
        self._record(AuditAction.DELETE, changes or {}, counts)

    def _clear_flags(self, counts: dict[str, int]) -> None:
        """A flag set while in `flag.states` goes when the object leaves them. Cleared by a
        conditional UPDATE on the row, not read from the loaded object: the sweep may have set
        it after this request loaded the object."""
        obj = self.obj
        for flag in self.lifecycle.flags:
            if self.old in flag.states and self.new not in flag.states:
                setattr(obj, flag.field, False)
                if (
                    type(obj)
                    ._default_manager.filter(pk=obj.pk, **{flag.field: True})
                    .update(**{flag.field: False})
                ):
                    counts[flag.metric] = counts.get(flag.metric, 0) - 1

    def _record(self, action: str, changes: Mapping[str, Any], counts: dict[str, int]) -> None:
        place = self.place
        audit_record(
            obj=self.obj,
            action=action,
            by=self.by,
            changes=changes,
            reason=self.reason,
            unit_path=place.unit_path,
            person_id=place.person_id,
            effective_on=self.effective_on,
        )
        if any(counts.values()):
            if place.cycle_id is None:
                raise ValueError(f"{self.lifecycle.name}: counters without a cycle")
            deltas_append(cycle_id=place.cycle_id, unit_path=place.unit_path, changes=counts)
        if self.lifecycle.after_move is not None:
            self.lifecycle.after_move(self.obj, self)


def _refuse_missing(lifecycle: Lifecycle, obj: Any, old: Any, to: Any, by: Any) -> NoReturn:
    """No arrow from the object's state: a user who could take no arrow to `to` from any state
    hears that they may not (as they would in the right state), the others that the object is
    not in a state to move there."""
    decisions = [a.can(by, obj) for (_o, n), a in lifecycle.arrows.items() if n == to and a.can]
    if decisions and not any(decisions):
        raise PermissionDenied(decisions[0].reason)
    raise TransitionNotAllowed(obj, old, to, lifecycle.labels)


def begin(
    *,
    obj: Any,
    to: str | None,
    lifecycle: Lifecycle,
    by: Any,
    reason: str = "",
    version: int | None = None,
    effective_on: datetime.date | None = None,
    from_states: Collection[str] | None = None,
) -> Move:
    """Check a move of `obj` to `to` (`GONE` to delete; an unsaved `obj` is being created).

    `from_states`: the states the service's move starts from, when another arrow joins the same
    two states for another purpose (a progress report and a send-back both lead from "done" to
    "in progress": reporting progress starts only from the open states).

    Order of the checks: nobody saved the object since the user loaded it (`version`), the arrow
    exists, the user may take it, the effective date. The stale check comes first, so the second
    of two users acting at once is told who changed what, not that the object is "in the wrong
    state" or that the move (from a state they never saw) is not theirs to take. A required
    reason is checked when the move is taken, after the service's own checks of its input (which
    name the field more precisely).
    """
    old = None
    if obj.pk is not None:
        # First: the state the user acted on may be gone; say who moved it and how.
        require_version(obj, version)
        old = getattr(obj, lifecycle.status_field)
    arrow = lifecycle.arrows.get((old, to))
    if from_states is not None and old not in from_states:
        raise TransitionNotAllowed(obj, old, to, lifecycle.labels)
    if arrow is None:
        _refuse_missing(lifecycle, obj, old, to, by)
    if arrow.can is not None:
        decision = arrow.can(by, obj)
        if not decision:
            raise PermissionDenied(decision.reason)
    reason = (reason or "").strip()
    place = lifecycle.place(obj)
    day = _effective(lifecycle, arrow, obj, by, effective_on, place)
    return Move(lifecycle, obj, old, to, arrow, by, reason, version, day, place)


def flag_raise(
    lifecycle: Lifecycle, flag: Flag, *, model: Any, pk: int, cycle_id: int, unit_path: str
) -> bool:
    """Set `flag` on one row still in the flag's states (the overdue sweep); its counter goes up.
    Conditional, so two sweeps never count a row twice. True if this call set it."""
    if flag not in lifecycle.flags:
        raise ValueError(f"{lifecycle.name} has no flag {flag.field}")
    updated = model._default_manager.filter(
        pk=pk, **{flag.field: False, f"{lifecycle.status_field}__in": flag.states}
    ).update(**{flag.field: True})
    if updated:
        deltas_append(cycle_id=cycle_id, unit_path=unit_path, changes={flag.metric: 1})
    return bool(updated)


def transition(
    *,
    obj: Any,
    to: str,
    lifecycle: Lifecycle,
    by: Any,
    reason: str = "",
    version: int | None = None,
    effective_on: datetime.date | None = None,
    also: Mapping[str, Any] | None = None,
) -> Move:
    """Check and take one move at once (`begin(...).apply(**also)`)."""
    move = begin(
        obj=obj,
        to=to,
        lifecycle=lifecycle,
        by=by,
        reason=reason,
        version=version,
        effective_on=effective_on,
    )
    move.apply(**(also or {}))
    return move


def allowed(lifecycle: Lifecycle, user: Any, obj: Any, to: str | None) -> Decision:
    """Whether `user` may take the arrow from `obj`'s state to `to` (for buttons and menus)."""
    old = None if obj.pk is None else getattr(obj, lifecycle.status_field)
    arrow = lifecycle.arrows.get((old, to))
    if arrow is None:
        return Decision(False, str(TransitionNotAllowed(obj, old, to, lifecycle.labels)))
    if arrow.can is None:
        return Decision(True)
    return arrow.can(user, obj)
