"""Every write to working groups, their members and oversight assignments (each call audited).

A committee sets up a working group by decision (number-symbol, date) and seats its members:
people of the committee and its advisory boards (a current post there). It assigns the group,
or one of its members in person (a standing-committee or committee member "phụ trách địa bàn"),
to a unit below it for a period. A unit has one working group at a time; reassigning ends the
old assignment the day before the new one starts, so the history of who oversaw whom stays.
Nothing is deleted: seats, assignments and groups end on a day.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, require
from kiemdiem.core.text import normalize_text, normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import (
    CELL_KINDS,
    GroupRole,
    OversightAssignment,
    Person,
    Position,
    PositionRole,
    Unit,
    UnitKind,
    WorkingGroup,
    WorkingGroupMember,
)
from kiemdiem.org.permissions import can_manage_group, can_manage_oversight
from kiemdiem.org.services import check_period_end

GROUP_FIELDS = ["name", "decision_number", "decision_date", "valid_from", "valid_to", "duties"]
SEAT_FIELDS = ["group", "person", "role", "valid_from", "valid_to"]
ASSIGNMENT_FIELDS = [
    "working_group",
    "person",
    "unit",
    "field",
    "valid_from",
    "valid_to",
    "decision_number",
    "decision_date",
    "note",
]
# Posts that make a person a member of the committee itself (assignable in person).
COMMITTEE_POSTS = (
    PositionRole.SECRETARY,
    PositionRole.DEPUTY_SECRETARY,
    PositionRole.STANDING_MEMBER,
    PositionRole.COMMITTEE_MEMBER,
)


def _overlapping(qs: QuerySet, start: datetime.date, end: datetime.date | None) -> QuerySet:
    qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    return qs if end is None else qs.filter(valid_from__lte=end)


def _period_label(start: datetime.date, end: datetime.date | None) -> str:
    if end is None:
        return _("từ %(s)s") % {"s": vn_date(start)}
    return _("%(s)s – %(e)s") % {"s": vn_date(start), "e": vn_date(end)}


def _check_dates(start: datetime.date, end: datetime.date | None) -> None:
    if end is not None and end < start:
        raise DomainError(_("Ngày kết thúc phải từ ngày bắt đầu trở đi."), field="valid_to")


def _check_decision(number: str, day: datetime.date | None) -> None:
    if not number:
        raise DomainError(
            _("Phải ghi số, ký hiệu văn bản (ví dụ 462-QĐ/TU)."), field="decision_number"
        )
    if day is None:
        raise DomainError(_("Phải ghi ngày của văn bản."), field="decision_date")
    if day > timezone.localdate():
        raise DomainError(
            _("Ngày văn bản %(d)s ở tương lai: chỉ ghi nhận văn bản đã ban hành.")
            % {"d": vn_date(day)},
            field="decision_date",
        )


def _within_group(group: WorkingGroup, start: datetime.date, end: datetime.date | None) -> None:
    """A seat or an assignment lies inside the group's own life."""
    if start < group.valid_from or (group.valid_to is not None and start > group.valid_to):
        raise DomainError(
            _("Tổ công tác “%(g)s” hoạt động %(p)s: ngày %(d)s nằm ngoài thời gian đó.")
            % {
                "g": group,
                "p": _period_label(group.valid_from, group.valid_to),
                "d": vn_date(start),
            },
            field="valid_from",
        )
    if group.valid_to is not None and (end is None or end > group.valid_to):
        raise DomainError(
            _("Tổ công tác “%(g)s” giải thể ngày %(d)s: phải kết thúc trước hoặc đúng ngày đó.")
            % {"g": group, "d": vn_date(group.valid_to)},
            field="valid_to",
        )


# --- groups ----------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    committee: Unit,
    name: str,
    decision_number: str,
    decision_date: datetime.date,
    valid_from: datetime.date,
    by: Actor,
    duties: str = "",
) -> WorkingGroup:
    """Set up a working group of `committee` by its decision."""
    require(can_manage_oversight(by, committee))
    if committee.kind in CELL_KINDS:
        raise DomainError(
            _("Chi bộ, tổ đảng không thành lập tổ công tác: hãy chọn cấp ủy."), field="committee"
        )
    name = normalize_text(name)
    if not name:
        raise DomainError(_("Phải đặt tên tổ công tác."), field="name")
    decision_number = normalize_text(decision_number)
    _check_decision(decision_number, decision_date)
    group = WorkingGroup(
        committee=committee,
        name=name,
        decision_number=decision_number,
        decision_date=decision_date,
        valid_from=valid_from,
        duties=normalize_text_block(duties),
    )
    full_clean(group)
    group.save()
    audit_record(
        obj=group,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(group, GROUP_FIELDS)),
        unit_path=committee.path,
    )
    return group


@transaction.atomic
def group_update(
    *, group: WorkingGroup, by: Actor, expected_version: int | None = None, **values: Any
) -> WorkingGroup:
    """Correct a group's name, decision or duties."""
    require(can_manage_group(by, group))
    require_version(group, expected_version)
    values = {
        k: v
        for k, v in values.items()
        if k in ("name", "decision_number", "decision_date", "duties")
    }
    for key in ("name", "decision_number"):
        if key in values:
            values[key] = normalize_text(values[key])
    if "duties" in values:
        values["duties"] = normalize_text_block(values["duties"])
    if not values.get("name", group.name):
        raise DomainError(_("Phải đặt tên tổ công tác."), field="name")
    _check_decision(
        values.get("decision_number", group.decision_number),
        values.get("decision_date", group.decision_date),
    )
    before = snapshot(group, GROUP_FIELDS)
    for key, value in values.items():
        setattr(group, key, value)
    changes = diff(before, snapshot(group, GROUP_FIELDS))
    if not changes:
        return group
    save_if_unchanged(group, expected_version, **values)
    audit_record(
        obj=group,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        unit_path=group.committee.path,
    )
    return group


@transaction.atomic
def group_dissolve(
    *,
    group: WorkingGroup,
    valid_to: datetime.date,
    by: Actor,
    reason: str,
    expected_version: int | None = None,
) -> WorkingGroup:
    """Dissolve a group on `valid_to`: its seats and assignments still running end that day."""
    require(can_manage_group(by, group))
    reason = normalize_text_block(reason)
    if not reason:
        raise DomainError(_("Phải nêu lý do, văn bản giải thể."), field="reason")
    check_period_end(group.valid_from, valid_to, group.valid_to)
    save_if_unchanged(group, expected_version, valid_to=valid_to)
    group.valid_to = valid_to
    audit_record(
        obj=group,
        action=AuditAction.UPDATE,
        by=by,
        changes={"valid_to": [None, vn_date(valid_to)]},
        reason=reason,
        unit_path=group.committee.path,
    )
    for seat in group.members.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_to)):
        _end(seat, max(valid_to, seat.valid_from), by, reason, group.committee.path)
    for assignment in group.assignments.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=valid_to)
    ).select_related("unit"):
        _end(assignment, max(valid_to, assignment.valid_from), by, reason, assignment.unit.path)
    return group


def _end(obj: Any, valid_to: datetime.date, by: Actor, reason: str, unit_path: str) -> None:
    before = obj.valid_to
    save_if_unchanged(obj, None, valid_to=valid_to)
    obj.valid_to = valid_to
    audit_record(
        obj=obj,
        action=AuditAction.UPDATE,
        by=by,
        changes={"valid_to": [vn_date(before) if before else None, vn_date(valid_to)]},
        reason=reason,
        unit_path=unit_path,
    )


# --- members ---------------------------------------------------------------------------------


def member_sources(committee: Unit) -> QuerySet[Unit]:
    """Where a group's members come from: the committee and its advisory boards."""
    return Unit.objects.filter(
        Q(pk=committee.pk) | Q(parent=committee, kind=UnitKind.ADVISORY_BOARD)
    )


def _check_member_source(group: WorkingGroup, person: Person, day: datetime.date) -> None:
    if not (
        Position.objects.current(day)
        .filter(person=person, unit__in=member_sources(group.committee))
        .exists()
    ):
        raise DomainError(
            _(
                "%(p)s không giữ chức vụ nào ở %(c)s hay các ban tham mưu của cấp ủy vào ngày "
                "%(d)s: thành viên tổ công tác là cấp ủy viên, cán bộ các ban của cấp ủy."
            )
            % {"p": person, "c": group.committee, "d": vn_date(day)},
            field="person",
        )


@transaction.atomic
def member_add(
    *,
    group: WorkingGroup,
    person: Person,
    valid_from: datetime.date,
    by: Actor,
    role: str = GroupRole.MEMBER,
    valid_to: datetime.date | None = None,
) -> WorkingGroupMember:
    """Seat a person in a group for a period; never twice at once, one leader at a time."""
    require(can_manage_group(by, group))
    WorkingGroup.objects.select_for_update().filter(pk=group.pk).exists()  # serialize per group
    if role not in GroupRole.values:
        raise DomainError(_("Vai trò không hợp lệ."), field="role")
    _check_dates(valid_from, valid_to)
    _within_group(group, valid_from, valid_to)
    _check_member_source(group, person, valid_from)
    clash = _overlapping(group.members.filter(person=person), valid_from, valid_to).first()
    if clash is not None:
        raise DomainError(
            _(
                "%(p)s đã là %(r)s của tổ trong thời gian %(period)s, trùng với thời gian này: "
                "hãy kết thúc lần trước hoặc chọn ngày khác."
            )
            % {
                "p": person,
                "r": clash.get_role_display().lower(),
                "period": _period_label(clash.valid_from, clash.valid_to),
            },
            field="valid_from",
        )
    if role == GroupRole.LEADER:
        leader = (
            _overlapping(group.members.filter(role=GroupRole.LEADER), valid_from, valid_to)
            .select_related("person")
            .first()
        )
        if leader is not None:
            raise DomainError(
                _("Tổ đã có tổ trưởng là %(p)s trong thời gian %(period)s.")
                % {"p": leader.person, "period": _period_label(leader.valid_from, leader.valid_to)},
                field="role",
            )
    seat = WorkingGroupMember(
        group=group, person=person, role=role, valid_from=valid_from, valid_to=valid_to
    )
    full_clean(seat)
    seat.save()
    audit_record(
        obj=seat,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(seat, SEAT_FIELDS)),
        unit_path=group.committee.path,
        person_id=person.pk,
    )
    return seat


@transaction.atomic
def member_end(
    *,
    seat: WorkingGroupMember,
    valid_to: datetime.date,
    by: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> WorkingGroupMember:
    """A member leaves the group on `valid_to` (the seat stays in the group's history)."""
    require(can_manage_group(by, seat.group))
    check_period_end(seat.valid_from, valid_to, seat.valid_to)
    save_if_unchanged(seat, expected_version, valid_to=valid_to)
    seat.valid_to = valid_to
    audit_record(
        obj=seat,
        action=AuditAction.UPDATE,
        by=by,
        changes={"valid_to": [None, vn_date(valid_to)]},
        reason=normalize_text_block(reason),
        unit_path=seat.group.committee.path,
        person_id=seat.person_id,
    )
    return seat


# --- assignments -----------------------------------------------------------------------------


def _check_assigned_unit(committee: Unit, unit: Unit) -> None:
    if unit.pk == committee.pk or not unit.path.startswith(committee.path):
        raise DomainError(
            _("“%(u)s” không phải đơn vị cấp dưới của %(c)s: chỉ phân công theo dõi cấp dưới.")
            % {"u": unit, "c": committee},
            field="unit",
        )


@transaction.atomic
def assignment_add(
    *,
    unit: Unit,
    valid_from: datetime.date,
    decision_number: str,
    decision_date: datetime.date,
    by: Actor,
    group: WorkingGroup | None = None,
    person: Person | None = None,
    committee: Unit | None = None,
    valid_to: datetime.date | None = None,
    field: str = "",
    note: str = "",
) -> OversightAssignment:
    """Assign a working group, or a committee member in person (`committee` says whose), to
    oversee `unit` for a period. A unit has one working group at a time."""
    if (group is None) == (person is None):
        raise DomainError(
            _("Chọn một tổ công tác hoặc một cấp ủy viên được phân công."), field="working_group"
        )
    if group is not None:
        committee = group.committee
    if committee is None:
        raise DomainError(_("Phải chọn cấp ủy phân công."), field="committee")
    require(can_manage_oversight(by, committee))
    Unit.objects.select_for_update().filter(pk=unit.pk).exists()  # serialize per unit
    decision_number = normalize_text(decision_number)
    _check_decision(decision_number, decision_date)
    _check_dates(valid_from, valid_to)
    _check_assigned_unit(committee, unit)
    if group is not None:
        _within_group(group, valid_from, valid_to)
        clash = (
            _overlapping(
                OversightAssignment.objects.filter(unit=unit, working_group__isnull=False),
                valid_from,
                valid_to,
            )
            .select_related("working_group")
            .first()
        )
        if clash is not None:
            raise DomainError(
                _(
                    "“%(u)s” đã được giao cho %(g)s trong thời gian %(period)s: mỗi đơn vị do "
                    "một tổ công tác theo dõi; hãy phân công lại (kết thúc phân công cũ) thay vì "
                    "giao thêm."
                )
                % {
                    "u": unit,
                    "g": clash.working_group,
                    "period": _period_label(clash.valid_from, clash.valid_to),
                },
                field="unit",
            )
    else:
        assert person is not None
        if (
            not Position.objects.current(valid_from)
            .filter(person=person, unit=committee, role__in=COMMITTEE_POSTS)
            .exists()
        ):
            raise DomainError(
                _("%(p)s không phải cấp ủy viên của %(c)s vào ngày %(d)s.")
                % {"p": person, "c": committee, "d": vn_date(valid_from)},
                field="person",
            )
        clash = _overlapping(
            OversightAssignment.objects.filter(unit=unit, person=person), valid_from, valid_to
        ).first()
        if clash is not None:
            raise DomainError(
                _("%(p)s đã được phân công phụ trách “%(u)s” trong thời gian %(period)s.")
                % {
                    "p": person,
                    "u": unit,
                    "period": _period_label(clash.valid_from, clash.valid_to),
                },
                field="valid_from",
            )
    assignment = OversightAssignment(
        committee=committee,
        working_group=group,
        person=person,
        unit=unit,
        field=normalize_text(field),
        valid_from=valid_from,
        valid_to=valid_to,
        decision_number=decision_number,
        decision_date=decision_date,
        note=normalize_text(note),
    )
    full_clean(assignment)
    assignment.save()
    audit_record(
        obj=assignment,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(assignment, ASSIGNMENT_FIELDS)),
        unit_path=unit.path,
        person_id=person.pk if person is not None else None,
    )
    return assignment


@transaction.atomic
def assignment_end(
    *,
    assignment: OversightAssignment,
    valid_to: datetime.date,
    by: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> OversightAssignment:
    """End an assignment on `valid_to` (it stays in the history)."""
    require(can_manage_oversight(by, assignment.committee))
    check_period_end(assignment.valid_from, valid_to, assignment.valid_to)
    save_if_unchanged(assignment, expected_version, valid_to=valid_to)
    assignment.valid_to = valid_to
    audit_record(
        obj=assignment,
        action=AuditAction.UPDATE,
        by=by,
        changes={"valid_to": [None, vn_date(valid_to)]},
        reason=normalize_text_block(reason),
        unit_path=assignment.unit.path,
        person_id=assignment.person_id,
    )
    return assignment


@transaction.atomic
def assignment_reassign(
    *,
    assignment: OversightAssignment,
    group: WorkingGroup,
    starts_on: datetime.date,
    decision_number: str,
    decision_date: datetime.date,
    by: Actor,
    expected_version: int | None = None,
) -> OversightAssignment:
    """Hand a unit over to another working group from `starts_on`: the old assignment ends the
    day before, the new one starts that day (both stay in the history)."""
    if assignment.working_group_id is None:
        raise DomainError(_("Chỉ phân công lại được đơn vị đang giao cho một tổ công tác."))
    if group.pk == assignment.working_group_id:
        raise DomainError(_("Đơn vị đang do chính tổ này theo dõi."), field="working_group")
    if starts_on <= assignment.valid_from:
        raise DomainError(
            _("Ngày phân công lại phải sau ngày bắt đầu phân công cũ (%(d)s).")
            % {"d": vn_date(assignment.valid_from)},
            field="valid_from",
        )
    reason = _("Phân công lại cho %(g)s theo %(n)s") % {"g": group, "n": decision_number}
    assignment_end(
        assignment=assignment,
        valid_to=starts_on - datetime.timedelta(days=1),
        by=by,
        reason=reason,
        expected_version=expected_version,
    )
    return assignment_add(
        unit=assignment.unit,
        group=group,
        valid_from=starts_on,
        decision_number=decision_number,
        decision_date=decision_date,
        field=assignment.field,
        by=by,
    )
