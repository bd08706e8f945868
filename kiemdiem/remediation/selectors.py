"""Reads of plans: versions compared, plans awaiting appraisal, items of a plan."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from kiemdiem.core.permissions import Actor, actor_id
from kiemdiem.org.scoping import Access, access_for
from kiemdiem.remediation.models import (
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.states import PLAN_TRACKABLE, ActionStatus, PlanStatus

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


def recipients_acted_for(access: Access) -> QuerySet[PlanRecipient]:
    """The recipients the holder of `access` acts for: `permissions.acts_for` in SQL (a current
    member of a working group; for a committee, a grant or standing post on it, or a committee
    member it assigned to the plan's unit)."""
    committee = Q(unit_id__in=sorted(access.recipient_unit_ids))
    for unit_id, committee_id in sorted(access.assigned_pairs):
        committee |= Q(plan__unit_id=unit_id, unit_id=committee_id)
    return PlanRecipient.objects.filter(
        (Q(working_group__isnull=True) & committee)
        | Q(working_group_id__in=sorted(access.group_ids))
    )


def plans_awaiting_appraisal_for(
    user: Actor, qs: QuerySet[RemediationPlan]
) -> QuerySet[RemediationPlan]:
    """Submitted plans of `qs` the user may appraise: `can_appraise_plan` in SQL.

    A recipient the user acts for (`recipients_acted_for`; an administrator acts for every
    recipient), not a plan of an office's own unit, not their own plan, not a plan they
    submitted last or ever wrote an item of. `test_selectors_agree_with_decisions` compares the
    two over every demo persona.
    """
    access = access_for(user)
    mine = qs.filter(status=PlanStatus.SUBMITTED)
    if access.everything:  # acts for any recipient, so the plan needs one (recipients_of)
        has = Exists(PlanRecipient.objects.filter(plan=OuterRef("pk")))
        mine = mine.filter(has | Q(unit__parent__isnull=False))
    else:
        mine = mine.filter(pk__in=recipients_acted_for(access).values("plan_id"))
        mine = mine.exclude(unit__path__in=access.office_paths)
    if access.person_id is not None:
        mine = mine.exclude(person_id=access.person_id)
    me = actor_id(user)
    if me is None:  # the system, acting for no person: nothing of its own to refuse
        return mine
    latest_submitter = Subquery(
        PlanSubmission.objects.filter(plan=OuterRef("pk"))
        .order_by("-number")
        .values("submitted_by_id")[:1]
    )
    mine = mine.annotate(latest_submitter=latest_submitter).filter(  # NULL: no recorded submitter
        Q(latest_submitter__isnull=True) | ~Q(latest_submitter=me)
    )
    return mine.exclude(preparers__pk=me)


def items_awaiting_verification_for(user: Actor, qs: QuerySet[PlanAction]) -> QuerySet[PlanAction]:
    """Items of `qs` reported done that the user may verify: `can_verify_action` in SQL.

    Of a plan with a recipient the user acts for, not of their own plan, not reported done
    by themself (the latest "done" report). Compared with the Python rule by the same test.
    """
    access = access_for(user)
    mine = qs.filter(status=ActionStatus.DONE, plan__status__in=PLAN_TRACKABLE)
    if access.everything:
        has = Exists(PlanRecipient.objects.filter(plan=OuterRef("plan_id")))
        mine = mine.filter(has | Q(plan__unit__parent__isnull=False))
    else:
        mine = mine.filter(plan__in=recipients_acted_for(access).values("plan_id"))
    if access.person_id is not None:
        mine = mine.exclude(plan__person_id=access.person_id)
    me = actor_id(user)
    if me is None:
        return mine
    reporter = Subquery(
        ProgressUpdate.objects.filter(action=OuterRef("pk"), status=ActionStatus.DONE)
        .order_by("-reported_at", "-id")
        .values("reported_by_id")[:1]
    )
    return mine.annotate(done_reporter=reporter).filter(
        Q(done_reporter__isnull=True) | ~Q(done_reporter=me)
    )


def plans_list(qs: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan]:
    return qs.select_related("unit", "person", "cycle", "review").prefetch_related(
        Prefetch("actions", queryset=PlanAction.objects.only("id", "plan_id", "status", "due_date"))
    )
