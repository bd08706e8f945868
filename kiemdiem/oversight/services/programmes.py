"""Writes of a working group's work programme, its activities and their follow-ups."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text, normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import OversightAssignment, Person, Unit, WorkingGroup
from kiemdiem.oversight.models import Activity, ActivityKind, Followup, WorkProgramme
from kiemdiem.oversight.permissions import can_record_activity, can_write_programme
from kiemdiem.oversight.states import ACTIVITY, PROGRAMME, ActivityStatus, ProgrammeStatus
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.services import action_add_followup

PROGRAMME_FIELDS = ["title", "starts_on", "ends_on", "note"]
ACTIVITY_FIELDS = ["unit", "kind", "planned_on"]
OUTCOME_FIELDS = ["held_on", "minutes", "remarks"]


def _programme_range(programme: WorkProgramme) -> str:
    return _("%(s)s – %(e)s") % {"s": vn_date(programme.starts_on), "e": vn_date(programme.ends_on)}


def _check_programme_dates(
    group: WorkingGroup, starts_on: datetime.date, ends_on: datetime.date
) -> None:
    if ends_on < starts_on:
        raise DomainError(_("Ngày kết thúc phải sau ngày bắt đầu."), field="ends_on")
    if starts_on < group.valid_from or (group.valid_to and starts_on > group.valid_to):
        raise DomainError(
            _("Chương trình phải bắt đầu trong thời gian tổ hoạt động (từ %(d)s).")
            % {"d": vn_date(group.valid_from)},
            field="starts_on",
        )
    if group.valid_to and ends_on > group.valid_to:
        raise DomainError(
            _("Tổ giải thể ngày %(d)s: chương trình phải kết thúc trước đó.")
            % {"d": vn_date(group.valid_to)},
            field="ends_on",
        )


@transaction.atomic
def programme_create(
    *,
    group: WorkingGroup,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    by: Actor,
    note: str = "",
) -> WorkProgramme:
    """Draft a group's work programme up to `ends_on` (e.g. the end of the term)."""
    programme = WorkProgramme(
        group=group,
        title=normalize_text(title),
        starts_on=starts_on,
        ends_on=ends_on,
        note=normalize_text_block(note),
    )
    move = begin(obj=programme, to=ProgrammeStatus.DRAFT, lifecycle=PROGRAMME, by=by)
    if not programme.title:
        raise DomainError(_("Phải đặt tên chương trình làm việc."), field="title")
    _check_programme_dates(group, starts_on, ends_on)
    full_clean(programme)
    programme.save()
    move.born(changes=diff({}, snapshot(programme, PROGRAMME_FIELDS)))
    return programme


@transaction.atomic
def programme_update(
    *, programme: WorkProgramme, by: Actor, expected_version: int | None = None, **values: Any
) -> WorkProgramme:
    """Change a programme still running: its title, end date or content. Its activities must
    stay inside its dates."""
    require(can_write_programme(by, programme))
    require_version(programme, expected_version)
    if programme.status == ProgrammeStatus.CLOSED:
        raise DomainError(_("Chương trình đã kết thúc: không sửa được nữa."))
    values = {k: v for k, v in values.items() if k in PROGRAMME_FIELDS}
    if "title" in values:
        values["title"] = normalize_text(values["title"])
        if not values["title"]:
            raise DomainError(_("Phải đặt tên chương trình làm việc."), field="title")
    if "note" in values:
        values["note"] = normalize_text_block(values["note"])
    starts_on = values.get("starts_on", programme.starts_on)
    ends_on = values.get("ends_on", programme.ends_on)
    _check_programme_dates(programme.group, starts_on, ends_on)
    outside = programme.activities.exclude(status=ActivityStatus.CANCELLED).filter(
        Q(planned_on__lt=starts_on) | Q(planned_on__gt=ends_on)
    )
    if outside.exists():
        raise DomainError(
            _("Còn %(n)s hoạt động nằm ngoài thời gian mới: hãy dời hoặc hủy trước.")
            % {"n": outside.count()},
            field="ends_on",
        )
    before = snapshot(programme, PROGRAMME_FIELDS)
    for key, value in values.items():
        setattr(programme, key, value)
    changes = diff(before, snapshot(programme, PROGRAMME_FIELDS))
    if not changes:
        return programme
    save_if_unchanged(programme, expected_version, **values)
    audit_record(
        obj=programme,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        unit_path=programme.group.committee.path,
    )
    return programme


@transaction.atomic
def programme_agree(
    *,
    programme: WorkProgramme,
    agreed_on: datetime.date,
    agreed_with: str,
    by: Actor,
    expected_version: int | None = None,
) -> WorkProgramme:
    """Record that the programme was discussed and agreed with the units' leaders."""
    agreed_with = normalize_text_block(agreed_with)
    move = begin(
        obj=programme,
        to=ProgrammeStatus.AGREED,
        lifecycle=PROGRAMME,
        by=by,
        reason=agreed_with,
        version=expected_version,
    )
    if not agreed_with:
        raise DomainError(
            _("Phải ghi đã trao đổi, thống nhất với lãnh đạo đơn vị nào."), field="agreed_with"
        )
    if agreed_on > timezone.localdate():
        raise DomainError(_("Ngày thống nhất không thể ở tương lai."), field="agreed_on")
    if agreed_on > programme.ends_on:
        raise DomainError(
            _("Ngày thống nhất phải trước khi chương trình kết thúc (%(d)s).")
            % {"d": vn_date(programme.ends_on)},
            field="agreed_on",
        )
    move.apply(agreed_on=agreed_on, agreed_with=agreed_with)
    return programme


@transaction.atomic
def programme_close(
    *, programme: WorkProgramme, by: Actor, reason: str = "", expected_version: int | None = None
) -> WorkProgramme:
    """Close a programme at its end (a draft never agreed is closed only with a reason)."""
    move = begin(
        obj=programme,
        to=ProgrammeStatus.CLOSED,
        lifecycle=PROGRAMME,
        by=by,
        reason=normalize_text_block(reason),
        version=expected_version,
    )
    if programme.activities.filter(status=ActivityStatus.PLANNED).exists():
        raise DomainError(
            _(
                "Còn hoạt động dự kiến chưa ghi kết quả: hãy ghi kết quả hoặc hủy trước khi "
                "kết thúc."
            )
        )
    move.apply()
    return programme


# --- activities ------------------------------------------------------------------------------


def _check_unit_of_group(group: WorkingGroup, unit: Unit, day: datetime.date) -> None:
    assigned = OversightAssignment.objects.current(day).filter(working_group=group)
    if not assigned.filter(unit__path__in=unit.ancestor_paths()).exists():
        raise DomainError(
            _("“%(u)s” không thuộc các đơn vị %(g)s được phân công theo dõi vào ngày %(d)s.")
            % {"u": unit, "g": group, "d": vn_date(day)},
            field="unit",
        )


def _check_in_programme(programme: WorkProgramme, day: datetime.date, field: str) -> None:
    if not programme.starts_on <= day <= programme.ends_on:
        raise DomainError(
            _("Ngày %(d)s nằm ngoài thời gian của chương trình (%(r)s).")
            % {"d": vn_date(day), "r": _programme_range(programme)},
            field=field,
        )


@transaction.atomic
def activity_plan(
    *,
    programme: WorkProgramme,
    unit: Unit,
    kind: str,
    planned_on: datetime.date,
    by: Actor,
) -> Activity:
    """Plan an activity of the programme at one of the group's units, inside its dates."""
    activity = Activity(programme=programme, unit=unit, kind=kind, planned_on=planned_on)
    move = begin(obj=activity, to=ActivityStatus.PLANNED, lifecycle=ACTIVITY, by=by)
    if programme.status == ProgrammeStatus.CLOSED:
        raise DomainError(_("Chương trình đã kết thúc: không thêm hoạt động được nữa."))
    if kind not in ActivityKind.values:
        raise DomainError(_("Loại hoạt động không hợp lệ."), field="kind")
    _check_in_programme(programme, planned_on, "planned_on")
    _check_unit_of_group(programme.group, unit, planned_on)
    full_clean(activity)
    activity.save()
    move.born(changes=diff({}, snapshot(activity, ACTIVITY_FIELDS)))
    return activity


@transaction.atomic
def activity_record(
    *,
    activity: Activity,
    held_on: datetime.date,
    by: Actor,
    minutes: str = "",
    remarks: str = "",
    expected_version: int | None = None,
) -> Activity:
    """Record what an activity came to: the day it was held, the minutes and the remarks."""
    minutes = normalize_text_block(minutes)
    remarks = normalize_text_block(remarks)
    move = begin(
        obj=activity,
        to=ActivityStatus.DONE,
        lifecycle=ACTIVITY,
        by=by,
        reason=remarks[:500],
        version=expected_version,
    )
    _check_in_programme(activity.programme, held_on, "held_on")
    if held_on > timezone.localdate():
        raise DomainError(
            _("Không ghi kết quả hoạt động chưa diễn ra (ngày %(d)s).") % {"d": vn_date(held_on)},
            field="held_on",
        )
    if not minutes and not remarks:
        raise DomainError(
            _("Phải ghi biên bản hoặc nhận xét, kết luận của hoạt động."), field="remarks"
        )
    move.apply(held_on=held_on, minutes=minutes, remarks=remarks)
    return activity


@transaction.atomic
def activity_cancel(
    *, activity: Activity, reason: str, by: Actor, expected_version: int | None = None
) -> Activity:
    """Cancel a planned activity, with the reason."""
    reason = normalize_text_block(reason)
    move = begin(
        obj=activity,
        to=ActivityStatus.CANCELLED,
        lifecycle=ACTIVITY,
        by=by,
        reason=reason,
        version=expected_version,
    )
    move.apply(closing_reason=reason)
    return activity


@transaction.atomic
def followup_add(
    *,
    activity: Activity,
    plan: RemediationPlan,
    content: str,
    due_date: datetime.date | None,
    by: Actor,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    finding_text: str = "",
    finding_area: str = "other",
) -> Followup:
    """What a held activity asks the unit to remedy: an item added to the unit's accepted plan
    (with the new shortcoming it remedies, if any), tracked from then on like every item."""
    require(can_record_activity(by, activity))
    if activity.status != ActivityStatus.DONE:
        raise DomainError(_("Ghi kết quả hoạt động trước, rồi mới thêm kiến nghị sau hoạt động."))
    if plan.unit_id != activity.unit_id:
        raise DomainError(
            _("Kế hoạch được chọn không phải của %(u)s.") % {"u": activity.unit}, field="plan"
        )
    reason = _("Kiến nghị sau hoạt động “%(a)s” ngày %(d)s") % {
        "a": activity.get_kind_display(),
        "d": vn_date(activity.held_on),
    }
    action: PlanAction = action_add_followup(
        plan=plan,
        by=by,
        content=content,
        due_date=due_date,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        finding_text=finding_text,
        finding_area=finding_area,
        reason=reason,
    )
    return Followup.objects.create(activity=activity, action=action, created_by=acting_user(by))
