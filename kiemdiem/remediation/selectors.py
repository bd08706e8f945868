"""Reads of plans: versions compared, the queues (awaiting appraisal, awaiting verification),
items of a plan."""

import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.text import fold
from kiemdiem.org.scoping import access_for, scope
from kiemdiem.remediation.models import (
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.permissions import acting_unit_ids
from kiemdiem.remediation.states import ActionStatus, PlanStatus, ReturnGround

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
    return plan.submissions.select_related(
        "submitted_by", "submitted_by__person", "appraisal", "appraisal__decided_by"
    )


def accepted_on(submissions: list[PlanSubmission]) -> datetime.date | None:
    """The day the appraisal accepted the plan (the earliest day its adoption may bear)."""
    for submission in reversed(submissions):
        appraisal = getattr(submission, "appraisal", None)
        if appraisal is not None and appraisal.decision == appraisal.Decision.ACCEPTED:
            return timezone.localtime(appraisal.decided_at).date()
    return None


def last_return(submissions: list[PlanSubmission]):
    """The latest decision that sent the plan back (grounds as labels), or None."""
    grounds = dict(ReturnGround.choices)
    for submission in reversed(submissions):
        appraisal = getattr(submission, "appraisal", None)
        if appraisal is not None and appraisal.decision == appraisal.Decision.RETURNED:
            appraisal.ground_labels = [str(grounds.get(g, g)) for g in appraisal.grounds]
            return appraisal
    return None


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


def plans_filtered(user, filters: dict | None) -> QuerySet[RemediationPlan]:
    """The plans of the user's scope matching the plan list's filters (PlanFilterForm's cleaned
    data; None: all), in the list's order. The list page and its Excel export both read this."""
    plans = RemediationPlan.objects.visible_to(user)
    filters = filters or {}
    if filters.get("status"):
        plans = plans.filter(status=filters["status"])
    if filters.get("q"):
        unit_q, person_q = Q(), Q()
        for word in fold(filters["q"]).split():
            unit_q &= Q(unit__search_text__contains=word)
            person_q &= Q(person__search_text__contains=word)
        # A unit's name finds all its plans (the collective's and its members'), a person's
        # name their own plan.
        plans = plans.filter(unit_q | person_q)
    if filters.get("late"):
        plans = plans.filter(
            Q(missing_flagged=True) | Q(first_submitted_at__date__gt=F("due_date"))
        )
    return plans.order_by("-cycle__year", "unit__path", "person__sort_key", "pk")


def plans_list(qs: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan]:
    return qs.select_related("unit", "person", "cycle", "review").prefetch_related(
        Prefetch("actions", queryset=PlanAction.objects.only("id", "plan_id", "status", "due_date"))
    )


def today() -> datetime.date:
    return timezone.localdate()


def _latest_submission(field: str) -> Subquery:
    return Subquery(
        PlanSubmission.objects.filter(plan=OuterRef("pk")).order_by("-number").values(field)[:1]
    )


def appraisal_queue(user) -> QuerySet[RemediationPlan]:
    """ "Chờ tôi thẩm định": the plans awaiting the user's appraisal, oldest submission first,
    each with its round (submission number) and the time it was submitted."""
    plans = plans_awaiting_appraisal_for(user, RemediationPlan.objects.visible_to(user))
    return (
        plans.annotate(
            round=_latest_submission("number"), waiting_since=_latest_submission("submitted_at")
        )
        .select_related("unit", "person", "cycle")
        .order_by("waiting_since", "pk")
    )


def actions_awaiting_verification_for(user, qs: QuerySet[PlanAction]) -> QuerySet[PlanAction]:
    """Items of `qs` reported done that the user may verify now: the rules of
    permissions.can_verify_action in SQL, for items in the state where the verify form shows
    (done, in an accepted or adopted plan).

    - a recipient of the plan the user acts for (permissions.acting_unit_ids), or the parent
      committee while the plan has no recipient recorded (permissions.recipients_of);
      an administrator acts for any plan that has a recipient or a parent;
    - not an item of the user's own personal plan;
    - not an item the user reported done (their last "done" progress report).
    """
    access = access_for(user)
    qs = qs.filter(
        status=ActionStatus.DONE, plan__status__in=[PlanStatus.ACCEPTED, PlanStatus.ADOPTED]
    )
    if access.person_id is not None:
        qs = qs.exclude(plan__person_id=access.person_id)
    has_recipient = Exists(PlanRecipient.objects.filter(plan_id=OuterRef("plan_id")))
    if access.everything:
        qs = qs.filter(has_recipient | Q(plan__unit__parent__isnull=False))
    else:
        acting = acting_unit_ids(user)
        mine = PlanRecipient.objects.filter(unit_id__in=acting).values("plan_id")
        qs = qs.filter(Q(plan_id__in=mine) | (~has_recipient & Q(plan__unit__parent_id__in=acting)))
    last_done = ProgressUpdate.objects.filter(
        action=OuterRef("pk"), status=ActionStatus.DONE
    ).order_by("-reported_at", "-id")
    return qs.annotate(
        done_by=Subquery(last_done.values("reported_by_id")[:1]),
        done_at=Subquery(last_done.values("reported_at")[:1]),
    ).filter(Q(done_by__isnull=True) | ~Q(done_by=user.pk))


def verification_queue(user) -> QuerySet[PlanAction]:
    """ "Chờ tôi xác nhận": items reported done awaiting the user's verification, oldest report
    first."""
    visible = scope(PlanAction.objects.all(), user, via="plan__unit")
    return (
        actions_awaiting_verification_for(user, visible)
        .select_related("plan", "plan__unit", "plan__person", "plan__cycle")
        .order_by(F("done_at").asc(nulls_first=True), "pk")
    )
