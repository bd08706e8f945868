"""Opening a review cycle over a subtree, and the cycle changes that reach into other apps.

A cycle opening is the one write that spans the whole campaign: the reviews (reviews app), their
remediation plans (remediation), the report periods (reports), last cycle's unresolved
shortcomings carried over, one audit row per object created, and the dashboard's change records.
It lives here, above the apps it writes to, so that none of them imports another one upward.
"""

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemdiem.core.audit import BulkAudit, choice_labels, created
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor
from kiemdiem.core.summaries import deltas_append_many
from kiemdiem.org.models import CELL_KINDS, Membership, MembershipKind, Unit
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.remediation.services import plans_create_for_reviews
from kiemdiem.reports.services import periods_create_for_cycle, periods_sync_for_cycle
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding, FindingSource, Review, ReviewCycle, SubjectKind
from kiemdiem.reviews.states import CYCLE, FINDING_UNRESOLVED, CycleStatus, FindingStatus


@transaction.atomic
def cycle_update(
    *,
    cycle: ReviewCycle,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> ReviewCycle:
    """Edit a cycle (reviews.services.cycle_update); when the horizon of an open cycle moves,
    its report periods follow (periods past the new horizon go unless a report was filed)."""
    horizon = cycle.horizon_end
    review_services.cycle_update(
        cycle=cycle, by=by, expected_version=expected_version, reason=reason, **values
    )
    if cycle.status == CycleStatus.OPEN and cycle.horizon_end != horizon:
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


def members_to_review(cycle: ReviewCycle) -> QuerySet:
    """(unit_id, person_id) of the members the cycle reviews one by one: official members on
    its start date in the cells of its scope, except those admitted too recently."""
    return (
        Membership.objects.current(cycle.starts_on)
        .filter(kind=MembershipKind.OFFICIAL, unit__path__startswith=cycle.scope_unit.path)
        .filter(unit__kind__in=CELL_KINDS)
        .exclude(person__admission_date__gt=_exempt_before(cycle))
        .values_list("unit_id", "person_id")
    )


@transaction.atomic
def cycle_open(
    *, cycle: ReviewCycle, by: Actor, note: str = "", expected_version: int | None = None
) -> dict[str, int]:
    """Open the cycle: create the expected reviews and plans, carry over unresolved findings.

    Collectives: every unit of the scope subtree (valid on the start date) whose kind takes part.
    Individuals: every member with an official membership on the start date in a cell of the
    subtree, except members admitted less than the exemption period before the start.
    """
    move = begin(
        obj=cycle,
        to=CycleStatus.OPEN,
        lifecycle=CYCLE,
        by=by,
        reason=note,
        version=expected_version,
    )
    scope = cycle.scope_unit
    day = cycle.starts_on
    also: dict[str, Any] = {}
    if cycle.status == CycleStatus.DRAFT and cycle.previous_cycle_id is None:
        # An earlier cycle of the same scope may have been opened since this one was drafted.
        previous = review_services.previous_cycle_for(cycle)
        if previous is not None:
            cycle.previous_cycle = previous
            also["previous_cycle"] = previous
    review_services.require_previous_closed(cycle)
    move.apply(**also)
    units = list(
        Unit.objects.subtree(scope).valid_on(day).filter(kind__in=cycle.participating_kinds)
    )
    reviews = [
        Review(cycle=cycle, subject_kind=SubjectKind.COLLECTIVE, unit=unit) for unit in units
    ]
    if cycle.include_individuals:
        members = members_to_review(cycle)
        reviews += [
            Review(cycle=cycle, subject_kind=SubjectKind.INDIVIDUAL, unit_id=u, person_id=p)
            for u, p in members
        ]
    Review.objects.bulk_create(reviews, batch_size=2000)
    opened = list(
        Review.objects.filter(cycle=cycle)
        .select_related("unit", "person")
        .only("id", "unit__path", "unit__name", "person_id", "unit_id", "person__full_name")
    )
    plans_create_for_reviews(cycle=cycle, reviews=opened)
    audit = BulkAudit(by=by, reason=note)
    _audit_opened(audit, cycle=cycle, reviews=opened)
    carried = _carry_over(cycle=cycle, reviews=opened, audit=audit)
    periods_create_for_cycle(cycle=cycle)
    periods = list(cycle.report_periods.order_by("ends_on"))  # with their ids on every database
    for period in periods:
        audit.add(
            object_type=period._meta.label_lower,
            object_id=period.pk,
            object_repr=f"{period.label} — {cycle.title}",
            action=AuditAction.CREATE,
            changes=created(
                {
                    "label": period.label,
                    "starts_on": period.starts_on,
                    "ends_on": period.ends_on,
                    "due_on": period.due_on,
                }
            ),
            unit_path=scope.path,
        )
    counts = {
        "reviews": len(opened),
        "plans": len(opened),
        "report_periods": len(periods),
        "carried": sum(carried.values()),
    }
    # One summary row on the cycle, next to the transition row, names what the opening created.
    audit.add_object(
        cycle,
        action=AuditAction.UPDATE,
        changes=created(counts),
        unit_path=scope.path,
        reason=_(
            "Triển khai đợt: tạo bản kiểm điểm, kế hoạch, kỳ báo cáo; chuyển hạn chế kỳ trước."
        ),
    )
    audit.flush()
    rows = []
    for review in opened:
        path = review.unit.path
        rows.append((path, "reviews_expected", 1))
        rows.append((path, "plans_expected", 1))
        if review.person_id is None:
            rows.append((path, "units_expected", 1))
    for path, count in carried.items():
        rows.append((path, "findings_carried", count))
        rows.append((path, "findings_total", count))
    deltas_append_many(cycle_id=cycle.pk, rows=rows)
    return counts


def _audit_opened(audit: BulkAudit, *, cycle: ReviewCycle, reviews: list[Review]) -> None:
    """A creation row for every review and every plan the opening created."""
    review_type = Review._meta.label_lower
    plan_type = RemediationPlan._meta.label_lower
    collective = str(SubjectKind.COLLECTIVE.label)
    individual = str(SubjectKind.INDIVIDUAL.label)
    plan_status = str(RemediationPlan._meta.get_field("status").default)
    due = cycle.plan_due
    plans = dict(
        RemediationPlan.objects.filter(cycle=cycle).values_list("review_id", "pk").order_by()
    )
    for review in reviews:
        path = review.unit.path
        if review.person is not None:
            subject = review.person.full_name
            changes = {"subject_kind": individual, "unit": review.unit.name, "person": subject}
        else:
            subject = review.unit.name
            changes = {"subject_kind": collective, "unit": subject}
        audit.add(
            object_type=review_type,
            object_id=review.pk,
            object_repr=f"{subject} — {cycle.year}",
            action=AuditAction.CREATE,
            changes=created(changes),
            unit_path=path,
            person_id=review.person_id,
        )
        plan_id = plans.get(review.pk)
        if plan_id is not None:
            audit.add(
                object_type=plan_type,
                object_id=plan_id,
                object_repr=_("Kế hoạch khắc phục của %(s)s") % {"s": subject},
                action=AuditAction.CREATE,
                changes=created({"status": plan_status, "due_date": due}),
                unit_path=path,
                person_id=review.person_id,
            )


def _carry_over(*, cycle: ReviewCycle, reviews: list[Review], audit: BulkAudit) -> Counter:
    """Copy the previous cycle's unresolved findings into the matching new reviews.

    The old finding takes the arrow to "carried over" of the Finding lifecycle (reviews/states),
    written in bulk here: one conditional UPDATE per chunk instead of 70,000 transitions.
    """
    counts: Counter = Counter()
    if not cycle.previous_cycle_id:
        return counts
    by_subject = {(r.unit_id, r.person_id): r for r in reviews}
    old = Finding.objects.filter(
        review__cycle_id=cycle.previous_cycle_id, status__in=FINDING_UNRESOLVED
    ).select_related("review")
    new: list[Finding] = []
    carried_ids: list[int] = []
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
        audit.add_object(
            finding,
            action=AuditAction.TRANSITION,
            changes={"status": [finding.status, FindingStatus.CARRIED_OVER.value]},
            unit_path=review.unit.path,
            person_id=review.person_id,
            reason=_("Chuyển sang đợt “%(c)s”.") % {"c": cycle},
        )
    Finding.objects.bulk_create(new, batch_size=2000)
    for start in range(0, len(carried_ids), 5000):  # bounded IN lists (SQLite's variable limit)
        chunk = carried_ids[start : start + 5000]
        Finding.objects.filter(pk__in=chunk, status__in=FINDING_UNRESOLVED).update(
            status=FindingStatus.CARRIED_OVER
        )
    # The new findings' ids, to audit them from the values already in memory (a snapshot per
    # loaded instance cost ~8 s for 70,000 carried findings on the province demo).
    new_ids = dict(
        Finding.objects.filter(review__cycle=cycle, carried_from__isnull=False)
        .values_list("carried_from_id", "pk")
        .order_by()
    )
    labels = {
        name: choice_labels(Finding, name) for name in ("area", "cause_kind", "severity", "source")
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
            object_type=Finding._meta.label_lower,
            object_id=new_ids[finding.carried_from_id],
            object_repr=finding.text[:80],
            action=AuditAction.CREATE,
            changes=created(changes),
            unit_path=review.unit.path,
            person_id=review.person_id,
            reason=reason,
        )
    return counts
