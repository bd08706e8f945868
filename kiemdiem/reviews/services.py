"""Every write to review cycles, self-reviews, findings and conferences.

Cycle opening (reviews, plans, report periods, carry-over) is `campaign.services.cycle_open`: it
writes to apps above this one. Each service checks who may act through its lifecycle arrow
(`reviews.states`) or, for plain edits, the same `can_*` decision, so pages, the API and commands
get the same refusals.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, StaleObject, full_clean
from kiemdiem.core.lifecycle import GONE, begin, transition
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text, normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import Membership, Person, Position, Unit, UnitKind
from kiemdiem.org.selectors import overseers_of
from kiemdiem.reviews import rules
from kiemdiem.reviews.models import (
    DEGRADATION_CODES,
    CarryAssessment,
    Finding,
    FindingSource,
    Review,
    ReviewCycle,
    ReviewMeeting,
)
from kiemdiem.reviews.permissions import (
    can_edit_finding,
    can_edit_review,
    can_record_meeting_of,
    can_run_cycle,
)
from kiemdiem.reviews.selectors import upper_leaders
from kiemdiem.reviews.states import (
    CYCLE,
    FINDING,
    MEETING,
    RECORDED,
    REVIEW,
    CycleStatus,
    FindingStatus,
    ReviewStatus,
)

CYCLE_FIELDS = [
    "title",
    "kind",
    "year",
    "directive_number",
    "directive_date",
    "directive_issuer",
    "scope_unit",
    "participating_kinds",
    "include_individuals",
    "starts_on",
    "self_review_due",
    "conference_due",
    "plan_due",
    "horizon_end",
    "previous_cycle",
]
REVIEW_TEXT_FIELDS = [
    "strengths",
    "shortcomings_summary",
    "causes_objective",
    "causes_subjective",
    "responsibility",
]
FINDING_FIELDS = ["text", "area", "degradation_tags", "cause_kind", "severity", "source"]
CARRY_FIELDS = ["carry_assessment", "carry_percent", "carry_cause"]


def require_open(cycle: ReviewCycle) -> None:
    """Refuse writes to a cycle that is not running."""
    if cycle.status == CycleStatus.CLOSED:
        raise DomainError(
            _("Đợt kiểm điểm “%(c)s” đã kết thúc: không nhận thêm thay đổi.") % {"c": cycle}
        )
    if cycle.status != CycleStatus.OPEN:
        raise DomainError(_("Đợt kiểm điểm “%(c)s” chưa được triển khai.") % {"c": cycle})


def require_within_cycle(cycle: ReviewCycle, day: datetime.date, *, what: str, field: str) -> None:
    """A date of the cycle's work must fall between its start and the end of its horizon."""
    if not cycle.starts_on <= day <= cycle.horizon_end:
        raise DomainError(
            _("%(what)s %(d)s nằm ngoài thời gian của đợt (%(s)s – %(e)s).")
            % {
                "what": what,
                "d": vn_date(day),
                "s": vn_date(cycle.starts_on),
                "e": vn_date(cycle.horizon_end),
            },
            field=field,
        )


# --- cycles -------------------------------------------------------------------------------


def _check_cycle(cycle: ReviewCycle) -> None:
    kinds = set(UnitKind.values)
    bad = [k for k in cycle.participating_kinds if k not in kinds]
    if bad or not cycle.participating_kinds:
        raise DomainError(
            _("Phải chọn ít nhất một loại đơn vị tham gia hợp lệ."), field="participating_kinds"
        )
    prev = cycle.previous_cycle
    if prev is not None:
        if prev.scope_unit_id != cycle.scope_unit_id:
            raise DomainError(
                _("Đợt trước phải có cùng phạm vi đơn vị (%(u)s).") % {"u": prev.scope_unit},
                field="previous_cycle",
            )
        if prev.starts_on >= cycle.starts_on:
            raise DomainError(_("Đợt trước phải bắt đầu trước đợt này."), field="previous_cycle")


def previous_cycle_for(cycle: ReviewCycle) -> ReviewCycle | None:
    """The cycle whose unresolved shortcomings this one carries over by default.

    The latest cycle over the same scope unit and of the same kind (annual → annual, thematic →
    thematic) that started earlier and was opened: next year's review starts from last year's
    shortcomings without anyone having to remember to pick them.
    """
    if not cycle.scope_unit_id or not cycle.kind or not cycle.starts_on:
        return None
    qs = ReviewCycle.objects.filter(
        scope_unit_id=cycle.scope_unit_id, kind=cycle.kind, starts_on__lt=cycle.starts_on
    ).exclude(status=CycleStatus.DRAFT)
    if cycle.pk:
        qs = qs.exclude(pk=cycle.pk)
    return qs.order_by("-starts_on", "-pk").first()


def require_previous_closed(cycle: ReviewCycle) -> None:
    """Carry-over reads the previous cycle's final state: it must be closed (frozen) first."""
    prev = cycle.previous_cycle
    if prev is not None and prev.status != CycleStatus.CLOSED:
        raise DomainError(
            _(
                "Đợt trước “%(p)s” chưa kết thúc: phải kết thúc đợt trước thì mới triển khai được "
                "đợt này và chuyển các hạn chế, khuyết điểm chưa khắc phục sang."
            )
            % {"p": prev},
            field="previous_cycle",
        )


@transaction.atomic
def cycle_create(*, by: Actor, reason: str = "", **values: Any) -> ReviewCycle:
    """Create a review cycle (draft) for a unit's subtree from a directive.

    Without a `previous_cycle`, the latest earlier cycle of the same scope and kind is taken.
    """
    values = {k: v for k, v in values.items() if k in CYCLE_FIELDS}
    for key in ("title", "directive_number", "directive_issuer"):
        if key in values:
            values[key] = normalize_text(values[key])
    cycle = ReviewCycle(**values)
    full_clean(cycle)
    move = begin(obj=cycle, to=CycleStatus.DRAFT, lifecycle=CYCLE, by=by, reason=reason)
    if cycle.previous_cycle_id is None:
        cycle.previous_cycle = previous_cycle_for(cycle)
    _check_cycle(cycle)
    cycle.save()
    move.born(changes=diff({}, snapshot(cycle, CYCLE_FIELDS)))
    return cycle


@transaction.atomic
def cycle_update(
    *,
    cycle: ReviewCycle,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> ReviewCycle:
    """Edit a cycle's directive and deadlines (scope is fixed once the cycle is open).

    When the cycle is open, `campaign.services.cycle_update` also moves its report periods."""
    require(can_run_cycle(by, cycle))
    require_version(cycle, expected_version)
    values = {k: v for k, v in values.items() if k in CYCLE_FIELDS}
    if cycle.status != CycleStatus.DRAFT:
        for fixed in ("scope_unit", "participating_kinds", "include_individuals", "previous_cycle"):
            if fixed in values and values[fixed] != getattr(cycle, fixed):
                raise DomainError(_("Không thể đổi phạm vi của đợt đã triển khai."), field=fixed)
        if cycle.status == CycleStatus.CLOSED:
            require_open(cycle)
    before = snapshot(cycle, CYCLE_FIELDS)
    for key, value in values.items():
        setattr(cycle, key, value)
    full_clean(cycle)
    if cycle.status == CycleStatus.DRAFT and cycle.previous_cycle_id is None:
        cycle.previous_cycle = previous_cycle_for(cycle)
        values["previous_cycle"] = cycle.previous_cycle
    _check_cycle(cycle)
    changes = diff(before, snapshot(cycle, CYCLE_FIELDS))
    if not changes:
        return cycle
    updates = {k: getattr(cycle, k) for k in values if k in changes}
    save_if_unchanged(cycle, expected_version, **updates)
    audit_record(
        obj=cycle,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=cycle.scope_unit.path,
    )
    return cycle


@transaction.atomic
def cycle_close(
    *, cycle: ReviewCycle, by: Actor, note: str = "", expected_version: int | None = None
) -> ReviewCycle:
    """Close the cycle: no more submissions; unresolved findings wait for the next cycle."""
    transition(
        obj=cycle,
        to=CycleStatus.CLOSED,
        lifecycle=CYCLE,
        by=by,
        reason=note,
        version=expected_version,
    )
    return cycle


# --- reviews ------------------------------------------------------------------------------


@transaction.atomic
def review_update(
    *,
    review: Review,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> Review:
    """Edit the text of a self-review (before it is finalized)."""
    require(can_edit_review(by, review))
    require_version(review, expected_version)
    require_open(review.cycle)
    if review.status == ReviewStatus.FINALIZED:
        raise DomainError(_("Bản kiểm điểm đã hoàn chỉnh, không sửa được nữa."))
    values = {k: normalize_text_block(v) for k, v in values.items() if k in REVIEW_TEXT_FIELDS}
    before = snapshot(review, REVIEW_TEXT_FIELDS)
    for key, value in values.items():
        setattr(review, key, value)
    changes = diff(before, snapshot(review, REVIEW_TEXT_FIELDS))
    if not changes:
        return review
    save_if_unchanged(review, expected_version, **values)
    audit_record(
        obj=review,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    return review


def review_problems(review: Review) -> list[str]:
    """What stops a review from being submitted, in Vietnamese (empty when it can go)."""
    problems = []
    for finding in review.findings.filter(carried_from__isnull=False):
        if not finding.carry_assessment:
            problems.append(
                _(
                    "Hạn chế chuyển từ kỳ trước “%(f)s” chưa được đánh giá đã khắc phục, khắc phục "
                    "một phần hay chưa khắc phục."
                )
                % {"f": finding}
            )
        elif not finding.carry_cause.strip():
            problems.append(
                _("Hạn chế chuyển từ kỳ trước “%(f)s” chưa nêu nguyên nhân.") % {"f": finding}
            )
    problems += rules.suggestion_problems(review)
    problems += rules.commitment_problems(review)
    return problems


@transaction.atomic
def review_transition(
    *,
    review: Review,
    to: str,
    by: Actor,
    note: str = "",
    expected_version: int | None = None,
    effective_on: datetime.date | None = None,
) -> Review:
    """Move a self-review along its lifecycle (submit, back to draft, discussed, finalize)."""
    move = begin(
        obj=review,
        to=to,
        lifecycle=REVIEW,
        by=by,
        reason=note,
        version=expected_version,
        effective_on=effective_on,
    )
    require_open(review.cycle)
    also: dict[str, Any] = {}
    if to == ReviewStatus.SUBMITTED:
        problems = review_problems(review)
        if problems:
            raise ReviewIncomplete(problems)
        also["submitted_at"] = timezone.now()
    if to == ReviewStatus.DISCUSSED:
        if not ReviewMeeting.objects.filter(cycle_id=review.cycle_id, unit_id=review.unit_id):
            raise DomainError(_("Chưa ghi nhận hội nghị kiểm điểm của đơn vị."))
    if to == ReviewStatus.FINALIZED:
        also["finalized_at"] = timezone.now()
    move.apply(**also)
    return review


class ReviewIncomplete(DomainError):
    """Submission refused; `problems` lists each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("Chưa gửi được bản kiểm điểm: ") + " ".join(problems))
        self.problems = problems


# --- findings -----------------------------------------------------------------------------


def _clean_finding_values(values: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in FINDING_FIELDS}
    if "text" in values:
        values["text"] = normalize_text_block(values["text"])
        if not values["text"]:
            raise DomainError(_("Phải nêu nội dung hạn chế, khuyết điểm."), field="text")
    tags = values.get("degradation_tags") or []
    bad = [t for t in tags if t not in DEGRADATION_CODES]
    if bad:
        raise DomainError(
            _("Mã biểu hiện suy thoái không hợp lệ: %(t)s.") % {"t": ", ".join(bad)},
            field="degradation_tags",
        )
    if "degradation_tags" in values:
        values["degradation_tags"] = sorted(set(tags))
    if values.get("source") == FindingSource.CARRIED_OVER:
        raise DomainError(_("Nguồn “chuyển từ kỳ trước” chỉ do hệ thống gán."), field="source")
    return values


def _require_findings_open(review: Review) -> None:
    """Its cycle runs and the review is not finalized: its findings may still change."""
    require_open(review.cycle)
    if review.status == ReviewStatus.FINALIZED:
        raise DomainError(_("Bản kiểm điểm đã hoàn chỉnh: không thêm, sửa hạn chế được nữa."))


def _require_findings_editable(review: Review) -> None:
    _require_findings_open(review)
    require_findings_unlocked(review)


def require_findings_unlocked(review: Review) -> None:
    """Shortcomings change only while the review's plan is being prepared (draft or returned).

    Once the plan has been submitted, the appraiser judged its coverage of these shortcomings: a
    shortcoming added, removed or rewritten afterwards would escape the plan. The review row is
    locked (the plan's submission locks it too before checking coverage), so a submission
    running at the same time waits for this change (PostgreSQL; SQLite serializes writers).
    """
    locked = (
        Review.objects.select_for_update()
        .filter(pk=review.pk)
        .order_by()  # not the default ordering: its outer joins cannot be locked
        .values_list("findings_locked", flat=True)
        .first()
    )
    if locked:
        raise DomainError(
            _(
                "Kế hoạch khắc phục đã nộp hoặc đã được chấp nhận; muốn bổ sung, sửa hoặc xóa hạn "
                "chế, khuyết điểm, cấp thẩm định cần trả lại kế hoạch để chuẩn bị lại."
            )
        )


@transaction.atomic
def finding_add(*, review: Review, by: Actor, reason: str = "", **values: Any) -> Finding:
    """Record a shortcoming in a review."""
    values = _clean_finding_values(values)
    finding = Finding(review=review, unit_id=review.unit_id, **values)
    move = begin(obj=finding, to=FindingStatus.OPEN, lifecycle=FINDING, by=by, reason=reason)
    _require_findings_editable(review)
    full_clean(finding, exclude=["carried_from"])
    finding.save()
    move.born(changes=diff({}, snapshot(finding, FINDING_FIELDS)))
    return finding


@transaction.atomic
def finding_add_found(
    *, review: Review, by: Actor, text: str, area: str, source: str, reason: str = ""
) -> Finding:
    """Record a shortcoming found after the plan was accepted, by those overseeing the unit (an
    inspection, a working session). Unlike `finding_add` it is recorded while the shortcomings
    are locked: its only caller, `remediation.services.action_add_followup`, adds the plan item
    remedying it in the same transaction, so the plan still covers every shortcoming."""
    values = _clean_finding_values({"text": text, "area": area, "source": source})
    finding = Finding(review=review, unit_id=review.unit_id, **values)
    move = begin(obj=finding, to=FindingStatus.OPEN, lifecycle=FINDING, by=by, reason=reason)
    require_open(review.cycle)
    full_clean(finding, exclude=["carried_from"])
    finding.save()
    move.born(changes=diff({}, snapshot(finding, FINDING_FIELDS)))
    return finding


@transaction.atomic
def finding_update(
    *,
    finding: Finding,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> Finding:
    """Edit a shortcoming; refused once the plan answering it has been submitted."""
    require(can_edit_finding(by, finding))
    require_version(finding, expected_version)
    review = finding.review
    _require_findings_open(review)  # the plan lock is checked below, only if something changed
    values = _clean_finding_values(values)
    before = snapshot(finding, FINDING_FIELDS)
    for key, value in values.items():
        setattr(finding, key, value)
    full_clean(finding, exclude=["carried_from"])
    changes = diff(before, snapshot(finding, FINDING_FIELDS))
    if not changes:  # saving the form unchanged is harmless, even when the plan is locked
        return finding
    require_findings_unlocked(review)
    save_if_unchanged(finding, expected_version, **values)
    audit_record(
        obj=finding,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    return finding


@transaction.atomic
def finding_delete(
    *, finding: Finding, by: Actor, reason: str, expected_version: int | None = None
) -> None:
    """Remove a shortcoming recorded by mistake (not one carried over or already planned)."""
    move = begin(
        obj=finding, to=GONE, lifecycle=FINDING, by=by, reason=reason, version=expected_version
    )
    review = finding.review
    _require_findings_editable(review)
    if not move.reason:
        raise DomainError(_("Phải nêu lý do xóa."), field="reason")
    if finding.carried_from_id:
        raise DomainError(
            _("Không xóa được hạn chế chuyển từ kỳ trước: hãy đánh giá kết quả khắc phục.")
        )
    if Finding.objects.filter(carried_from=finding).exists():
        raise DomainError(_("Hạn chế này đã được chuyển sang đợt sau: không xóa được."))
    if finding.actions.exists():
        raise DomainError(
            _("Hạn chế này đã có nội dung khắc phục trong kế hoạch: gỡ liên kết trước.")
        )
    move.gone(changes=diff(snapshot(finding, FINDING_FIELDS), {}))
    finding.delete()


@transaction.atomic
def carry_assess(
    *,
    finding: Finding,
    assessment: str,
    cause: str,
    by: Actor,
    percent: int | None = None,
    expected_version: int | None = None,
) -> Finding:
    """Say whether a carried-over shortcoming was fixed, partly fixed (and how far, in percent)
    or not fixed, and why. "Fixed" resolves it; assessed again otherwise, it is open again."""
    require(can_edit_finding(by, finding))
    require_version(finding, expected_version)
    review = finding.review
    _require_findings_editable(review)
    if not finding.carried_from_id:
        raise DomainError(_("Chỉ đánh giá được hạn chế chuyển từ kỳ trước."))
    cause = normalize_text_block(cause)
    if assessment not in CarryAssessment.values:
        raise DomainError(
            _("Hãy chọn: đã khắc phục, khắc phục một phần hoặc chưa khắc phục."), field="assessment"
        )
    if assessment == CarryAssessment.PARTLY_FIXED:
        if percent is None or not 1 <= percent <= 99:
            raise DomainError(
                _("Khắc phục một phần: hãy nêu mức độ đã khắc phục, từ 1 đến 99%."),
                field="percent",
            )
    else:
        percent = None
    if not cause:
        raise DomainError(_("Phải nêu nguyên nhân."), field="cause")
    before = snapshot(finding, CARRY_FIELDS)
    was = finding.carry_assessment
    updates: dict[str, Any] = {
        "carry_assessment": assessment,
        "carry_percent": percent,
        "carry_cause": cause,
    }
    save_if_unchanged(finding, expected_version, **updates)
    for key, value in updates.items():
        setattr(finding, key, value)
    audit_record(
        obj=finding,
        action=AuditAction.UPDATE,
        by=by,
        changes=diff(before, snapshot(finding, CARRY_FIELDS)),
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    if assessment == CarryAssessment.FIXED and finding.status != FindingStatus.RESOLVED:
        finding_resolve(finding=finding, by=by, reason=_("Đánh giá: đã khắc phục."))
    elif assessment != CarryAssessment.FIXED and was == CarryAssessment.FIXED:
        # It had been declared fixed by this assessment alone: it is open again.
        transition(
            obj=finding,
            to=FindingStatus.OPEN,
            lifecycle=FINDING,
            by=by,
            reason=_("Đánh giá lại: chưa khắc phục xong."),
            also={"resolved_at": None, "resolved_on": None},
        )
    return finding


def finding_resolve(
    *, finding: Finding, by: Actor, reason: str, effective_on: datetime.date | None = None
) -> bool:
    """The shortcoming is remedied (every live item verified, or assessed fixed). False if it
    was resolved meanwhile by someone else (two verifications at once count it once)."""
    if finding.status not in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS):
        return False
    move = begin(
        obj=finding,
        to=FindingStatus.RESOLVED,
        lifecycle=FINDING,
        by=by,
        reason=reason,
        effective_on=effective_on,
    )
    day = move.effective_on
    try:
        move.apply(resolved_at=timezone.now(), resolved_on=day)
    except StaleObject:  # resolved meanwhile by a concurrent verification
        return False
    return True


# --- conferences --------------------------------------------------------------------------


MEETING_FIELDS = [
    "held_on",
    "chair",
    "supervisors",
    "delegation",
    "attendee_count",
    "comments_count",
    "comments",
    "minutes",
]


def _check_meeting_people(
    *,
    unit: Unit,
    attendees: list[Person],
    supervisor_people: list[Person],
    day: datetime.date | None = None,
) -> None:
    """Attendees belong to the unit's subtree; picked supervisors are those assigned to oversee
    the unit on the conference day (or, where nobody is, leaders of a committee above it)."""
    inside = Q(unit__path__startswith=unit.path)
    ids = {p.pk for p in attendees}
    members = Membership.objects.current().filter(inside, person_id__in=ids)
    holders = Position.objects.current().filter(inside, person_id__in=ids)
    known = set(members.values_list("person_id", flat=True))
    known |= set(holders.values_list("person_id", flat=True))
    strangers = [p for p in attendees if p.pk not in known]
    if strangers:
        raise DomainError(
            _("Người dự không sinh hoạt, công tác trong %(u)s: %(p)s.")
            % {"u": unit, "p": ", ".join(p.full_name for p in strangers)},
            field="attendees",
        )
    if not supervisor_people:
        return
    overseers = overseers_of(unit, day)
    allowed = overseers or upper_leaders(unit, day)
    others = [p for p in supervisor_people if p.pk not in allowed]
    if others:
        who = (
            _("tổ công tác, cấp ủy viên được phân công theo dõi %(u)s")
            if overseers
            else _("lãnh đạo cấp ủy cấp trên của %(u)s")
        ) % {"u": unit}
        raise DomainError(
            _("Không phải %(who)s: %(p)s.")
            % {"who": who, "p": ", ".join(p.full_name for p in others)},
            field="supervisor_people",
        )


def _check_meeting_values(cycle: ReviewCycle, values: dict[str, Any]) -> None:
    held_on = values["held_on"]
    require_within_cycle(cycle, held_on, what=_("Ngày họp"), field="held_on")
    if held_on > timezone.localdate():
        raise DomainError(
            _("Không ghi nhận được hội nghị chưa diễn ra (ngày %(d)s).") % {"d": vn_date(held_on)},
            field="held_on",
        )
    if values["comments_count"] < 0 or values["attendee_count"] < 0:
        raise DomainError(_("Số lượng không được âm."), field="comments_count")


def _check_suggested_unit(
    cycle: ReviewCycle, unit: Unit, held_on: datetime.date, delegation: str, leaders: list[Person]
) -> None:
    """A unit under suggestion meets only once its dossier is approved, and records the upper
    delegation that attended (rules.md 1.4)."""
    refusal = rules.conference_refusal(cycle, unit, held_on)
    if refusal:
        raise DomainError(refusal, field="held_on")
    if rules.live_suggestions(cycle, unit).exists() and not (delegation or leaders):
        raise DomainError(
            _(
                "Đơn vị được cấp trên gợi ý kiểm điểm: hãy ghi đoàn, tổ công tác cấp trên dự, "
                "chỉ đạo hội nghị."
            ),
            field="delegation",
        )


def _people_names(people: list[Person]) -> list[str]:
    return sorted(p.full_name for p in people)


@transaction.atomic
def meeting_record(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    held_on: datetime.date,
    chair: Person,
    by: Actor,
    supervisors: str = "",
    delegation: str = "",
    attendee_count: int = 0,
    comments_count: int = 0,
    comments: str = "",
    minutes: str = "",
    attendees: list[Person] | None = None,
    supervisor_people: list[Person] | None = None,
) -> ReviewMeeting:
    """Record a unit's review conference; submitted reviews of the unit become discussed."""
    meeting = ReviewMeeting(cycle=cycle, unit=unit, recorded_by=acting_user(by))
    move = begin(obj=meeting, to=RECORDED, lifecycle=MEETING, by=by)
    require_open(cycle)
    attendees = list(attendees or [])
    supervisor_people = list(supervisor_people or [])
    if not attendee_count:
        attendee_count = len(attendees)
    values = {
        "held_on": held_on,
        "chair": chair,
        "supervisors": normalize_text_block(supervisors),
        "delegation": normalize_text_block(delegation),
        "attendee_count": attendee_count,
        "comments_count": comments_count,
        "comments": normalize_text_block(comments),
        "minutes": normalize_text_block(minutes),
    }
    _check_meeting_values(cycle, values)
    if not unit.path.startswith(cycle.scope_unit.path):
        raise DomainError(_("Đơn vị không thuộc phạm vi đợt kiểm điểm."), field="unit")
    if ReviewMeeting.objects.filter(cycle=cycle, unit=unit).exists():
        raise DomainError(_("Hội nghị kiểm điểm của đơn vị này đã được ghi nhận."), field="held_on")
    _check_meeting_people(
        unit=unit, attendees=attendees, supervisor_people=supervisor_people, day=held_on
    )
    _check_suggested_unit(cycle, unit, held_on, normalize_text_block(delegation), supervisor_people)
    if attendee_count < len(attendees):
        raise DomainError(
            _("Số người dự (%(n)s) ít hơn số người đã chọn trong danh sách (%(k)s).")
            % {"n": attendee_count, "k": len(attendees)},
            field="attendee_count",
        )
    for key, value in values.items():
        setattr(meeting, key, value)
    full_clean(meeting, exclude=["recorded_by"])
    meeting.save()
    meeting.attendees.set(attendees)
    meeting.supervisor_people.set(supervisor_people)
    changes = diff({}, snapshot(meeting, MEETING_FIELDS))
    if attendees:
        changes["attendees"] = [None, _people_names(attendees)]
    if supervisor_people:
        changes["supervisor_people"] = [None, _people_names(supervisor_people)]
    move.born(changes=changes)
    for review in Review.objects.filter(
        cycle=cycle, unit=unit, status=ReviewStatus.SUBMITTED
    ).select_related("unit", "cycle"):
        review_transition(review=review, to=ReviewStatus.DISCUSSED, by=by, note=str(meeting))
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: ReviewMeeting,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    attendees: list[Person] | None = None,
    supervisor_people: list[Person] | None = None,
    **values: Any,
) -> ReviewMeeting:
    """Correct a recorded conference (date, chair, attendees, comments, minutes).

    Refused once a review discussed at it has been finalized: the finalized review took in the
    conference as it was recorded. `attendees`/`supervisor_people` left as None stay unchanged.
    """
    cycle = meeting.cycle
    require(can_record_meeting_of(by, meeting))
    require_version(meeting, expected_version)
    require_open(cycle)
    if Review.objects.filter(
        cycle=cycle, unit_id=meeting.unit_id, status=ReviewStatus.FINALIZED
    ).exists():
        raise DomainError(
            _("Đã có bản kiểm điểm của đơn vị được hoàn chỉnh: không sửa được hội nghị nữa.")
        )
    values = {k: v for k, v in values.items() if k in MEETING_FIELDS}
    for key in ("supervisors", "delegation", "comments", "minutes"):
        if key in values:
            values[key] = normalize_text_block(values[key])
    before = snapshot(meeting, MEETING_FIELDS)
    old_attendees = list(meeting.attendees.all())
    old_supervisors = list(meeting.supervisor_people.all())
    new_attendees = old_attendees if attendees is None else list(attendees)
    new_supervisors = old_supervisors if supervisor_people is None else list(supervisor_people)
    for key, value in values.items():
        setattr(meeting, key, value)
    if not meeting.attendee_count:
        meeting.attendee_count = values["attendee_count"] = len(new_attendees)
    _check_meeting_values(cycle, {k: getattr(meeting, k) for k in MEETING_FIELDS})
    # Supervisors already on the record stay valid (who oversaw the unit may have changed
    # since); the ones added now must be offered for the conference day.
    old_ids = {p.pk for p in old_supervisors}
    _check_meeting_people(
        unit=meeting.unit,
        attendees=new_attendees,
        supervisor_people=[p for p in new_supervisors if p.pk not in old_ids],
        day=meeting.held_on,
    )
    _check_suggested_unit(cycle, meeting.unit, meeting.held_on, meeting.delegation, new_supervisors)
    if meeting.attendee_count < len(new_attendees):
        raise DomainError(
            _("Số người dự (%(n)s) ít hơn số người đã chọn trong danh sách (%(k)s).")
            % {"n": meeting.attendee_count, "k": len(new_attendees)},
            field="attendee_count",
        )
    full_clean(meeting, exclude=["recorded_by"])
    changes = diff(before, snapshot(meeting, MEETING_FIELDS))
    if _people_names(old_attendees) != _people_names(new_attendees):
        changes["attendees"] = [_people_names(old_attendees), _people_names(new_attendees)]
    if _people_names(old_supervisors) != _people_names(new_supervisors):
        changes["supervisor_people"] = [
            _people_names(old_supervisors),
            _people_names(new_supervisors),
        ]
    if not changes:
        return meeting
    updates = {k: getattr(meeting, k) for k in MEETING_FIELDS if k in changes}
    save_if_unchanged(meeting, expected_version, **updates)
    if "attendees" in changes:
        meeting.attendees.set(new_attendees)
    if "supervisor_people" in changes:
        meeting.supervisor_people.set(new_supervisors)
    audit_record(
        obj=meeting,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=meeting.unit.path,
    )
    return meeting
