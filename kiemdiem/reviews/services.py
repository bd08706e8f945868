"""Every write to review cycles, self-reviews, findings and conferences."""

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import (
    AUDIT_ROW_COLUMNS,
    audit_record,
    audit_row,
    diff,
    plain,
    snapshot,
)
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import transition
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.text import normalize_text
from kiemdiem.dashboard.deltas import emit, emit_many
from kiemdiem.org.models import CELL_KINDS, Membership, MembershipKind, Person, Unit, UnitKind
from kiemdiem.org.services import _bump, _full_clean
from kiemdiem.reviews.models import (
    DEGRADATION_CODES,
    Finding,
    FindingSource,
    FindingStatus,
    Review,
    ReviewCycle,
    ReviewMeeting,
    SubjectKind,
)
from kiemdiem.reviews.states import CYCLE_ALLOWED, REVIEW_ALLOWED, CycleStatus, ReviewStatus

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
    if cycle.previous_cycle_id:
        prev = cycle.previous_cycle
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


def _require_previous_closed(cycle: ReviewCycle) -> None:
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
def cycle_create(*, by, reason: str = "", **values: Any) -> ReviewCycle:
    """Create a review cycle (draft) for a unit's subtree from a directive.

    Without a `previous_cycle`, the latest earlier cycle of the same scope and kind is taken.
    """
    values = {k: v for k, v in values.items() if k in CYCLE_FIELDS}
    for key in ("title", "directive_number", "directive_issuer"):
        if key in values:
            values[key] = normalize_text(values[key])
    cycle = ReviewCycle(**values)
    _full_clean(cycle)
    if cycle.previous_cycle_id is None:
        cycle.previous_cycle = previous_cycle_for(cycle)
    _check_cycle(cycle)
    cycle.save()
    audit_record(
        obj=cycle,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(cycle, CYCLE_FIELDS)),
        reason=reason,
        unit_path=cycle.scope_unit.path,
    )
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: ReviewCycle, by, expected_version: int | None = None, reason: str = "", **values: Any
) -> ReviewCycle:
    """Edit a cycle's directive and deadlines (scope is fixed once the cycle is open)."""
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
    _full_clean(cycle)
    if cycle.status == CycleStatus.DRAFT and cycle.previous_cycle_id is None:
        cycle.previous_cycle = previous_cycle_for(cycle)
        values["previous_cycle"] = cycle.previous_cycle
    _check_cycle(cycle)
    changes = diff(before, snapshot(cycle, CYCLE_FIELDS))
    if not changes:
        return cycle
    updates = {k: getattr(cycle, k) for k in values if k in changes}
    _bump(ReviewCycle, cycle, expected_version=expected_version, **updates)
    audit_record(
        obj=cycle,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=cycle.scope_unit.path,
    )
    if cycle.status == CycleStatus.OPEN and "horizon_end" in changes:
        from kiemdiem.reports.services import periods_sync_for_cycle

        periods_sync_for_cycle(cycle=cycle, by=by, reason=reason)
    return cycle


def _exempt_before(cycle: ReviewCycle) -> datetime.date:
    """Members admitted after this date are too new to be reviewed (default: 6 months)."""
    months = getattr(settings, "KIEMDIEM_NEW_MEMBER_EXEMPT_MONTHS", 6)
    start = cycle.starts_on
    month = start.month - months
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, 28))


@transaction.atomic
def cycle_open(*, cycle: ReviewCycle, by, note: str = "") -> dict[str, int]:
    """Open the cycle: create the expected reviews and plans, carry over unresolved findings.

    Collectives: every unit of the scope subtree (valid on the start date) whose kind takes part.
    Individuals: every member with an official membership on the start date in a cell of the
    subtree, except members admitted less than the exemption period before the start.
    """
    from kiemdiem.remediation.services import plans_create_for_reviews
    from kiemdiem.reports.services import periods_create_for_cycle

    scope = cycle.scope_unit
    day = cycle.starts_on
    also: dict[str, Any] = {}
    if cycle.status == CycleStatus.DRAFT and cycle.previous_cycle_id is None:
        # An earlier cycle of the same scope may have been opened since this one was drafted.
        previous = previous_cycle_for(cycle)
        if previous is not None:
            cycle.previous_cycle = previous
            also["previous_cycle"] = previous
    _require_previous_closed(cycle)
    transition(
        obj=cycle,
        to=CycleStatus.OPEN,
        allowed=CYCLE_ALLOWED,
        by=by,
        note=note,
        unit_path=scope.path,
        **also,
    )
    units = list(
        Unit.objects.subtree(scope).valid_on(day).filter(kind__in=cycle.participating_kinds)
    )
    reviews = [
        Review(cycle=cycle, subject_kind=SubjectKind.COLLECTIVE, unit=unit) for unit in units
    ]
    if cycle.include_individuals:
        members = (
            Membership.objects.current(day)
            .filter(kind=MembershipKind.OFFICIAL, unit__path__startswith=scope.path)
            .filter(unit__kind__in=CELL_KINDS)
            .exclude(person__admission_date__gt=_exempt_before(cycle))
            .values_list("unit_id", "person_id")
        )
        reviews += [
            Review(cycle=cycle, subject_kind=SubjectKind.INDIVIDUAL, unit_id=u, person_id=p)
            for u, p in members
        ]
    Review.objects.bulk_create(reviews, batch_size=2000)
    created = list(
        Review.objects.filter(cycle=cycle)
        .select_related("unit", "person")
        .only("id", "unit__path", "unit__name", "person_id", "unit_id", "person__full_name")
    )
    plans_create_for_reviews(cycle=cycle, reviews=created)
    audit = BulkAudit(by=by, reason=note)
    _audit_opened(audit, cycle=cycle, reviews=created)
    carried = _carry_over(cycle=cycle, reviews=created, audit=audit)
    periods_create_for_cycle(cycle=cycle)
    periods = list(cycle.report_periods.order_by("ends_on"))  # with their ids on every database
    for period in periods:
        audit.add(
            obj_type=period._meta.label_lower,
            obj_id=period.pk,
            repr_=f"{period.label} — {cycle.title}",
            action=AuditAction.CREATE,
            changes={
                "label": period.label,
                "starts_on": period.starts_on,
                "ends_on": period.ends_on,
                "due_on": period.due_on,
            },
            unit_path=scope.path,
        )
    counts = {
        "reviews": len(created),
        "plans": len(created),
        "report_periods": len(periods),
        "carried": sum(carried.values()),
    }
    # One summary row on the cycle, next to the transition row, names what the opening created.
    audit.add(
        obj_type=cycle._meta.label_lower,
        obj_id=cycle.pk,
        repr_=str(cycle),
        action=AuditAction.UPDATE,
        changes=counts,
        unit_path=scope.path,
        reason=_(
            "Triển khai đợt: tạo bản kiểm điểm, kế hoạch, kỳ báo cáo; chuyển hạn chế kỳ trước."
        ),
    )
    audit.flush()
    rows = []
    for review in created:
        path = review.unit.path
        rows.append((path, "reviews_expected", 1))
        rows.append((path, "plans_expected", 1))
        if review.person_id is None:
            rows.append((path, "units_expected", 1))
    for path, count in carried.items():
        rows.append((path, "findings_carried", count))
        rows.append((path, "findings_total", count))
    emit_many(cycle_id=cycle.pk, rows=rows)
    return counts


class BulkAudit:
    """Audit rows for the objects a cycle opening creates in bulk, written as plain rows.

    The rows carry what core.audit.audit_record would write (actor, object, {field: [before,
    after]}, reason, unit path, person). Opening a province creates ~70,000 reviews and as many
    plans: model instances through bulk_create tripled the opening's time (measured 14 s → 48 s
    on the province demo), so the rows go through the demo loader's executemany/COPY writer,
    like the import's audit rows (transfer/writer.py).
    """

    BATCH = 20_000

    def __init__(self, *, by, reason: str = "") -> None:
        from kiemdiem.org.demo.writer import Table, Writer

        actor = by if (by is not None and getattr(by, "is_authenticated", False)) else None
        self.actor_id = actor.pk if actor is not None else None
        self.reason = reason
        self.writer = Writer(connection)
        self.stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        # Only these columns: the id comes from the database's own sequence.
        self.table = Table.temporary(AuditEvent._meta.db_table, AUDIT_ROW_COLUMNS)
        self.rows: list[tuple] = []
        self.written = 0

    def add(
        self,
        *,
        obj_type: str,
        obj_id: int,
        repr_: str,
        action: str,
        changes: dict[str, Any],
        unit_path: str,
        person_id: int | None = None,
        before: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        before = before or {}
        pairs = {k: [plain(before.get(k)), plain(v)] for k, v in changes.items()}
        row = audit_row(
            at=self.stamp,
            actor_id=self.actor_id,
            action=action,
            object_type=obj_type,
            object_id=obj_id,
            object_repr=repr_,
            unit_path=unit_path,
            person_id=person_id,
            changes=pairs,
            reason=self.reason if reason is None else reason,
        )
        self.rows.append(row)
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        self.written += self.writer.insert(self.table, self.rows)
        self.rows = []


def _audit_opened(audit: BulkAudit, *, cycle: ReviewCycle, reviews: list[Review]) -> None:
    """A creation row for every review and every plan the opening created."""
    from kiemdiem.remediation.models import RemediationPlan

    review_type = Review._meta.label_lower
    plan_type = RemediationPlan._meta.label_lower
    collective = str(SubjectKind.COLLECTIVE.label)
    individual = str(SubjectKind.INDIVIDUAL.label)
    plan_status = str(RemediationPlan._meta.get_field("status").default)
    plan_status = dict(RemediationPlan._meta.get_field("status").choices)[plan_status]
    due = cycle.plan_due
    plans = dict(
        RemediationPlan.objects.filter(cycle=cycle).values_list("review_id", "pk").order_by()
    )
    for review in reviews:
        path = review.unit.path
        if review.person_id:
            subject = review.person.full_name
            changes = {"subject_kind": individual, "unit": review.unit.name, "person": subject}
        else:
            subject = review.unit.name
            changes = {"subject_kind": collective, "unit": subject}
        audit.add(
            obj_type=review_type,
            obj_id=review.pk,
            repr_=f"{subject} — {cycle.year}",
            action=AuditAction.CREATE,
            changes=changes,
            unit_path=path,
            person_id=review.person_id,
        )
        plan_id = plans.get(review.pk)
        if plan_id is not None:
            audit.add(
                obj_type=plan_type,
                obj_id=plan_id,
                repr_=_("Kế hoạch khắc phục của %(s)s") % {"s": subject},
                action=AuditAction.CREATE,
                changes={"status": plan_status, "due_date": due},
                unit_path=path,
                person_id=review.person_id,
            )


def _carry_over(*, cycle: ReviewCycle, reviews: list[Review], audit: BulkAudit) -> Counter:
    """Copy the previous cycle's unresolved findings into the matching new reviews."""
    counts: Counter = Counter()
    if not cycle.previous_cycle_id:
        return counts
    by_subject = {(r.unit_id, r.person_id): r for r in reviews}
    old = (
        Finding.objects.filter(review__cycle_id=cycle.previous_cycle_id)
        .exclude(status__in=[FindingStatus.RESOLVED, FindingStatus.CARRIED_OVER])
        .select_related("review")
    )
    new: list[Finding] = []
    carried_ids: list[int] = []
    status_labels = dict(FindingStatus.choices)
    for finding in old:
        review = by_subject.get((finding.review.unit_id, finding.review.person_id))
        if review is None:  # the subject is no longer reviewed (moved out, exempted)
            continue
        new.append(
            Finding(
                review=review,
                unit_id=review.unit_id,
                text=finding.text,
                area=finding.area,
                degradation_tags=finding.degradation_tags,
                cause_kind=finding.cause_kind,
                severity=finding.severity,
                source=FindingSource.CARRIED_OVER,
                carried_from=finding,
            )
        )
        carried_ids.append(finding.pk)
        counts[review.unit.path] += 1
        audit.add(
            obj_type=Finding._meta.label_lower,
            obj_id=finding.pk,
            repr_=str(finding),
            action=AuditAction.TRANSITION,
            before={"status": status_labels[finding.status]},
            changes={"status": status_labels[FindingStatus.CARRIED_OVER]},
            unit_path=review.unit.path,
            person_id=review.person_id,
            reason=_("Chuyển sang đợt “%(c)s”.") % {"c": cycle},
        )
    Finding.objects.bulk_create(new, batch_size=2000)
    for start in range(0, len(carried_ids), 5000):  # bounded IN lists (SQLite's variable limit)
        chunk = carried_ids[start : start + 5000]
        Finding.objects.filter(pk__in=chunk).update(status=FindingStatus.CARRIED_OVER)
    # The new findings' ids, to audit them from the values already in memory (a snapshot per
    # loaded instance cost ~8 s for 70,000 carried findings on the province demo).
    new_ids = dict(
        Finding.objects.filter(review__cycle=cycle, carried_from__isnull=False)
        .values_list("carried_from_id", "pk")
        .order_by()
    )
    labels = {
        name: dict(Finding._meta.get_field(name).choices)
        for name in ("area", "cause_kind", "severity", "source")
    }
    source = labels["source"][FindingSource.CARRIED_OVER]
    reason = _("Chuyển từ đợt trước.")
    for finding in new:
        changes = {
            "text": finding.text,
            "area": labels["area"].get(finding.area, finding.area),
            "degradation_tags": finding.degradation_tags,
            "cause_kind": labels["cause_kind"].get(finding.cause_kind, finding.cause_kind),
            "severity": labels["severity"].get(finding.severity, finding.severity),
            "source": source,
            "carried_from": finding.carried_from_id,
        }
        review = finding.review
        audit.add(
            obj_type=Finding._meta.label_lower,
            obj_id=new_ids[finding.carried_from_id],
            repr_=finding.text[:80],
            action=AuditAction.CREATE,
            changes=changes,
            unit_path=review.unit.path,
            person_id=review.person_id,
            reason=reason,
        )
    return counts


@transaction.atomic
def cycle_close(*, cycle: ReviewCycle, by, note: str = "") -> ReviewCycle:
    """Close the cycle: no more submissions; unresolved findings wait for the next cycle."""
    transition(
        obj=cycle,
        to=CycleStatus.CLOSED,
        allowed=CYCLE_ALLOWED,
        by=by,
        note=note,
        unit_path=cycle.scope_unit.path,
    )
    return cycle


# --- reviews ------------------------------------------------------------------------------


@transaction.atomic
def review_update(
    *, review: Review, by, expected_version: int | None = None, reason: str = "", **values: Any
) -> Review:
    """Edit the text of a self-review (before it is finalized)."""
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
    _bump(Review, review, expected_version=expected_version, **values)
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


def normalize_text_block(value: str) -> str:
    """Multi-line text: NFC, trailing spaces trimmed, paragraphs kept."""
    lines = [normalize_text(line) for line in (value or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


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
    return problems


@transaction.atomic
def review_transition(
    *, review: Review, to: str, by, note: str = "", expected_version: int | None = None
) -> Review:
    """Move a self-review along its lifecycle (submit, back to draft, discussed, finalize)."""
    require_open(review.cycle)
    also: dict[str, Any] = {}
    if to == ReviewStatus.SUBMITTED:
        problems = review_problems(review)
        if problems:
            raise ReviewIncomplete(problems)
        also["submitted_at"] = timezone.now()
    if to == ReviewStatus.FINALIZED:
        also["finalized_at"] = timezone.now()
    was_draft = review.status == ReviewStatus.DRAFT
    transition(
        obj=review,
        to=to,
        allowed=REVIEW_ALLOWED,
        by=by,
        note=note,
        unit_path=review.unit.path,
        person_id=review.person_id,
        expected_version=expected_version,
        **also,
    )
    if was_draft and to != ReviewStatus.DRAFT:
        emit(cycle_id=review.cycle_id, unit_path=review.unit.path, reviews_submitted=1)
    elif to == ReviewStatus.DRAFT:
        emit(cycle_id=review.cycle_id, unit_path=review.unit.path, reviews_submitted=-1)
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
    _require_plan_preparing(review)


def _require_plan_preparing(review: Review) -> None:
    """Shortcomings change only while the review's plan is being prepared (draft or returned).

    Once the plan has been submitted, the appraiser judged its coverage of these shortcomings: a
    shortcoming added, removed or rewritten afterwards would escape the plan. The plan row is
    locked so that a submission running at the same time waits for this change (PostgreSQL;
    SQLite serializes write transactions anyway).
    """
    from kiemdiem.remediation.models import RemediationPlan
    from kiemdiem.remediation.states import PLAN_EDITABLE

    status = (
        RemediationPlan.objects.select_for_update()
        .filter(review_id=review.pk)
        .order_by("pk")  # not the default ordering: its outer join cannot be locked
        .values_list("status", flat=True)
        .first()
    )
    if status is not None and status not in PLAN_EDITABLE:
        raise DomainError(
            _(
                "Kế hoạch khắc phục đã nộp hoặc đã được chấp nhận; muốn bổ sung, sửa hoặc xóa hạn "
                "chế, khuyết điểm, cấp thẩm định cần trả lại kế hoạch để chuẩn bị lại."
            )
        )


@transaction.atomic
def finding_add(*, review: Review, by, reason: str = "", **values: Any) -> Finding:
    """Record a shortcoming in a review."""
    _require_findings_editable(review)
    values = _clean_finding_values(values)
    finding = Finding(review=review, unit_id=review.unit_id, **values)
    _full_clean(finding, exclude=["carried_from"])
    finding.save()
    audit_record(
        obj=finding,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(finding, FINDING_FIELDS)),
        reason=reason,
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    emit(cycle_id=review.cycle_id, unit_path=review.unit.path, findings_total=1)
    return finding


@transaction.atomic
def finding_update(
    *, finding: Finding, by, expected_version: int | None = None, reason: str = "", **values: Any
) -> Finding:
    """Edit a shortcoming; refused once the plan answering it has been submitted."""
    review = finding.review
    _require_findings_open(review)  # the plan lock is checked below, only if something changed
    values = _clean_finding_values(values)
    before = snapshot(finding, FINDING_FIELDS)
    for key, value in values.items():
        setattr(finding, key, value)
    _full_clean(finding, exclude=["carried_from"])
    changes = diff(before, snapshot(finding, FINDING_FIELDS))
    if not changes:  # saving the form unchanged is harmless, even when the plan is locked
        return finding
    _require_plan_preparing(review)
    _bump(Finding, finding, expected_version=expected_version, **values)
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
def finding_delete(*, finding: Finding, by, reason: str) -> None:
    """Remove a shortcoming recorded by mistake (not one carried over or already planned)."""
    review = finding.review
    _require_findings_editable(review)
    if not reason.strip():
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
    audit_record(
        obj=finding,
        action=AuditAction.DELETE,
        by=by,
        changes=diff(snapshot(finding, FINDING_FIELDS), {}),
        reason=reason,
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    finding.delete()
    emit(cycle_id=review.cycle_id, unit_path=review.unit.path, findings_total=-1)


@transaction.atomic
def carry_assess(
    *, finding: Finding, assessment: str, cause: str, by, expected_version: int | None = None
) -> Finding:
    """Say whether a carried-over shortcoming was fixed, partly fixed or not fixed, and why."""
    review = finding.review
    _require_findings_editable(review)
    if not finding.carried_from_id:
        raise DomainError(_("Chỉ đánh giá được hạn chế chuyển từ kỳ trước."))
    cause = normalize_text_block(cause)
    if assessment not in {"fixed", "partly_fixed", "not_fixed"}:
        raise DomainError(
            _("Hãy chọn: đã khắc phục, khắc phục một phần hoặc chưa khắc phục."), field="assessment"
        )
    if not cause:
        raise DomainError(_("Phải nêu nguyên nhân."), field="cause")
    before = snapshot(finding, ["carry_assessment", "carry_cause"])
    updates: dict[str, Any] = {"carry_assessment": assessment, "carry_cause": cause}
    resolved_delta = 0
    if assessment == "fixed" and finding.status != FindingStatus.RESOLVED:
        updates.update(status=FindingStatus.RESOLVED, resolved_at=timezone.now())
        resolved_delta = 1
    elif assessment != "fixed" and finding.carry_assessment == "fixed":
        # It had been declared fixed by this assessment alone: reopen it.
        updates.update(status=FindingStatus.OPEN, resolved_at=None)
        resolved_delta = -1
    _bump(Finding, finding, expected_version=expected_version, **updates)
    for key, value in updates.items():
        setattr(finding, key, value)
    audit_record(
        obj=finding,
        action=AuditAction.UPDATE,
        by=by,
        changes=diff(before, snapshot(finding, ["carry_assessment", "carry_cause"])),
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    emit(cycle_id=review.cycle_id, unit_path=review.unit.path, findings_resolved=resolved_delta)
    return finding


# --- conferences --------------------------------------------------------------------------

MEETING_FIELDS = [
    "held_on",
    "chair",
    "supervisors",
    "attendee_count",
    "comments_count",
    "comments",
    "minutes",
]


def _check_meeting_people(
    *, unit: Unit, attendees: list[Person], supervisor_people: list[Person]
) -> None:
    """Attendees belong to the unit's subtree; picked supervisors lead a committee above it."""
    from kiemdiem.org.models import LEADER_ROLES, Position

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
    above = [p for p in unit.ancestor_paths() if p != unit.path]
    leaders = set(
        Position.objects.current()
        .filter(
            unit__path__in=above,
            role__in=LEADER_ROLES,
            person_id__in=[p.pk for p in supervisor_people],
        )
        .values_list("person_id", flat=True)
    )
    others = [p for p in supervisor_people if p.pk not in leaders]
    if others:
        raise DomainError(
            _("Không phải lãnh đạo cấp ủy cấp trên của %(u)s: %(p)s.")
            % {"u": unit, "p": ", ".join(p.full_name for p in others)},
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


def _people_names(people: list[Person]) -> list[str]:
    return sorted(p.full_name for p in people)


@transaction.atomic
def meeting_record(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    held_on: datetime.date,
    chair: Person,
    by,
    supervisors: str = "",
    attendee_count: int = 0,
    comments_count: int = 0,
    comments: str = "",
    minutes: str = "",
    attendees: list[Person] | None = None,
    supervisor_people: list[Person] | None = None,
) -> ReviewMeeting:
    """Record a unit's review conference; submitted reviews of the unit become discussed."""
    require_open(cycle)
    attendees = list(attendees or [])
    supervisor_people = list(supervisor_people or [])
    if not attendee_count:
        attendee_count = len(attendees)
    values = {
        "held_on": held_on,
        "chair": chair,
        "supervisors": normalize_text_block(supervisors),
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
    _check_meeting_people(unit=unit, attendees=attendees, supervisor_people=supervisor_people)
    if attendee_count < len(attendees):
        raise DomainError(
            _("Số người dự (%(n)s) ít hơn số người đã chọn trong danh sách (%(k)s).")
            % {"n": attendee_count, "k": len(attendees)},
            field="attendee_count",
        )
    meeting = ReviewMeeting(
        cycle=cycle, unit=unit, recorded_by=by if getattr(by, "pk", None) else None, **values
    )
    _full_clean(meeting, exclude=["recorded_by"])
    meeting.save()
    meeting.attendees.set(attendees)
    meeting.supervisor_people.set(supervisor_people)
    changes = diff({}, snapshot(meeting, MEETING_FIELDS))
    if attendees:
        changes["attendees"] = [None, _people_names(attendees)]
    if supervisor_people:
        changes["supervisor_people"] = [None, _people_names(supervisor_people)]
    audit_record(
        obj=meeting, action=AuditAction.CREATE, by=by, changes=changes, unit_path=unit.path
    )
    emit(cycle_id=cycle.pk, unit_path=unit.path, conferences_held=1)
    for review in Review.objects.filter(
        cycle=cycle, unit=unit, status=ReviewStatus.SUBMITTED
    ).select_related("unit", "cycle"):
        review_transition(review=review, to=ReviewStatus.DISCUSSED, by=by, note=str(meeting))
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: ReviewMeeting,
    by,
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
    require_open(cycle)
    if Review.objects.filter(
        cycle=cycle, unit_id=meeting.unit_id, status=ReviewStatus.FINALIZED
    ).exists():
        raise DomainError(
            _("Đã có bản kiểm điểm của đơn vị được hoàn chỉnh: không sửa được hội nghị nữa.")
        )
    values = {k: v for k, v in values.items() if k in MEETING_FIELDS}
    for key in ("supervisors", "comments", "minutes"):
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
    _check_meeting_people(
        unit=meeting.unit, attendees=new_attendees, supervisor_people=new_supervisors
    )
    if meeting.attendee_count < len(new_attendees):
        raise DomainError(
            _("Số người dự (%(n)s) ít hơn số người đã chọn trong danh sách (%(k)s).")
            % {"n": meeting.attendee_count, "k": len(new_attendees)},
            field="attendee_count",
        )
    _full_clean(meeting, exclude=["recorded_by"])
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
    _bump(ReviewMeeting, meeting, expected_version=expected_version, **updates)
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


def open_findings_q() -> Q:
    return ~Q(status__in=[FindingStatus.RESOLVED, FindingStatus.CARRIED_OVER])
