"""Reads of plans: versions compared, plans awaiting appraisal, items of a plan."""

import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation.models import (
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    RemediationPlan,
)
from kiemdiem.remediation.permissions import acting_unit_ids
from kiemdiem.remediation.states import PlanStatus

ITEM_LABELS = {
    "content": "Nội dung",
    "responsible_unit": "Tổ chức chịu trách nhiệm",
    "responsible_person": "Cá nhân chịu trách nhiệm",
    "due_date": "Thời hạn",
    "expected_result": "Kết quả dự kiến",
    "findings": "Hạn chế được khắc phục",
}


@dataclass
class ItemChange:
    kind: str  # "added" | "removed" | "changed"
    content: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)


def submission_changes(plan: RemediationPlan) -> list[ItemChange] | None:
    """What changed between the last two submissions (None when there is only one)."""
    last_two = list(plan.submissions.order_by("-number")[:2])
    if len(last_two) < 2:
        return None
    new, old = (s.snapshot.get("items", []) for s in last_two)
    old_by_id = {item["id"]: item for item in old}
    new_by_id = {item["id"]: item for item in new}
    changes: list[ItemChange] = []
    for item in new:
        before = old_by_id.get(item["id"])
        if before is None:
            changes.append(ItemChange("added", item["content"]))
            continue
        diffs = [
            (ITEM_LABELS[key], before.get(key), item.get(key))
            for key in ITEM_LABELS
            if before.get(key) != item.get(key)
        ]
        if diffs:
            changes.append(ItemChange("changed", item["content"], diffs))
    for item in old:
        if item["id"] not in new_by_id:
            changes.append(ItemChange("removed", item["content"]))
    return changes


def plan_actions(plan: RemediationPlan) -> QuerySet[PlanAction]:
    return plan.actions.select_related("responsible_unit", "responsible_person").prefetch_related(
        "findings"
    )


def plan_submissions(plan: RemediationPlan) -> QuerySet[PlanSubmission]:
    return plan.submissions.select_related("submitted_by", "appraisal", "appraisal__decided_by")


def plans_awaiting_appraisal_for(user, qs: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan]:
    """Submitted plans of which the user acts for a recipient (permissions.acting_unit_ids)."""
    access = access_for(user)
    qs = qs.filter(status=PlanStatus.SUBMITTED)
    if access.everything:
        return qs
    recipients = PlanRecipient.objects.filter(unit_id__in=acting_unit_ids(user))
    mine = qs.filter(pk__in=recipients.values("plan_id"))
    # The same refusals as can_appraise_plan, in SQL: not one's own plan, not a plan one
    # submitted last, not a plan whose items one wrote.
    if access.person_id is not None:
        mine = mine.exclude(person_id=access.person_id)
    latest_submitter = Subquery(
        PlanSubmission.objects.filter(plan=OuterRef("pk"))
        .order_by("-number")
        .values("submitted_by_id")[:1]
    )
    mine = mine.annotate(latest_submitter=latest_submitter).filter(  # NULL: no recorded submitter
        Q(latest_submitter__isnull=True) | ~Q(latest_submitter=user.pk)
    )
    written = AuditEvent.objects.filter(
        actor_id=user.pk,
        object_type=PlanAction._meta.label_lower,
        action__in=[AuditAction.CREATE, AuditAction.UPDATE],
    ).values("object_id")
    prepared = PlanAction.objects.annotate(key=Cast("pk", CharField())).filter(key__in=written)
    mine = mine.exclude(pk__in=prepared.values("plan_id"))
    return mine.exclude(unit__path__in=access.office_paths)


def plans_list(qs: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan]:
    return qs.select_related("unit", "person", "cycle", "review").prefetch_related(
        Prefetch("actions", queryset=PlanAction.objects.only("id", "plan_id", "status", "due_date"))
    )


def today() -> datetime.date:
    return timezone.localdate()
