"""Reads of plans: versions compared, the queues (awaiting appraisal, awaiting verification),
the plan list's filters, items of a plan."""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from kiemdiem.core.models import SummaryDelta
from kiemdiem.core.paging import filter_unindexed
from kiemdiem.core.permissions import Actor, actor_id
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.summaries import summed
from kiemdiem.core.text import fold
from kiemdiem.org.models import OversightAssignment, Unit
from kiemdiem.org.scoping import Access, access_for, scope_by, visible_subtrees
from kiemdiem.remediation.models import (
    Appraisal,
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    RemediationPlan,
)
from kiemdiem.remediation.states import PLAN_TRACKABLE, ActionStatus, PlanStatus, ReturnGround
from kiemdiem.reviews.models import Finding, ReviewCycle
from kiemdiem.reviews.selectors import covering_paths, cycles_within, scope_paths
from kiemdiem.reviews.states import CycleStatus

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


def submission_changes(submissions: list[PlanSubmission]) -> list[ItemChange] | None:
    """What changed between the last two of the plan's `submissions` (plan_submissions, read
    for the page already); None when there is only one."""
    last_two = sorted(submissions, key=lambda s: s.number, reverse=True)[:2]
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


# A plan's rows on its page, compiled once (core.precompiled), in the plan's own order: by
# position (number) only; the models' default ordering starts with the plan, which joined the
# plan's unit and person to sort rows that all share them.
_PLAN_ACTIONS = Precompiled(
    lambda plan_id: (
        PlanAction.objects.filter(plan_id=plan_id)
        .select_related("responsible_unit", "responsible_person")
        .prefetch_related("findings")
        .order_by("position", "id")
    )
)
_PLAN_SUBMISSIONS = Precompiled(
    lambda plan_id: (
        PlanSubmission.objects.filter(plan_id=plan_id)
        .select_related(
            "submitted_by", "submitted_by__person", "appraisal", "appraisal__decided_by"
        )
        .order_by("number")
    )
)


_PLAN_ITEMS = Precompiled(
    lambda plan_id: (
        PlanAction.objects.filter(plan_id=plan_id)
        .select_related("responsible_unit", "responsible_person")
        .order_by("position", "id")
    )
)
_PLAN_ITEM_FINDINGS = Precompiled(  # (item id, finding id) of the plan's items
    lambda plan_id: (
        PlanAction.findings.through.objects.filter(planaction__plan_id=plan_id)
        .order_by()
        .values_list("planaction_id", "finding_id")
    )
)


def plan_actions(plan: RemediationPlan, findings: list[Finding] | None = None) -> list[PlanAction]:
    """The plan's items in order, with who is responsible and the findings each remedies.

    Given the review's `findings` (read for the page already), each item's findings are taken
    from them by the link rows (no joined finding rows read a second time); an item names only
    findings of its plan's review (services._check_findings), else they are read as usual."""
    if findings is None:
        return _PLAN_ACTIONS(plan.pk, known={"plan": plan})
    items = _PLAN_ITEMS(plan.pk, known={"plan": plan})
    links = _PLAN_ITEM_FINDINGS(plan.pk)
    by_id = {f.pk: f for f in findings}
    if any(finding_id not in by_id for _item, finding_id in links):
        prefetch_related_objects(items, "findings")
        return items
    per_item: dict[int, list[Finding]] = {}
    for item_id, finding_id in links:
        per_item.setdefault(item_id, []).append(by_id[finding_id])
    for item in items:
        # as prefetch_related leaves them: a.findings.all() answers from memory, in the
        # findings' order (by id within one review)
        rows = item.findings.all()
        rows._result_cache = sorted(per_item.get(item.pk, []), key=lambda f: f.pk)
        rows._prefetch_done = True  # type: ignore[attr-defined]
        item._prefetched_objects_cache = {"findings": rows}  # type: ignore[attr-defined]
    return items


def plan_submissions(plan: RemediationPlan) -> list[PlanSubmission]:
    """The plan's submissions in order, with their submitter and appraisal."""
    return _PLAN_SUBMISSIONS(plan.pk, known={"plan": plan})


def accepted_on(submissions: list[PlanSubmission]) -> datetime.date | None:
    """The day the appraisal accepted the plan (the earliest day its adoption may bear)."""
    for submission in reversed(submissions):
        appraisal = getattr(submission, "appraisal", None)
        if appraisal is not None and appraisal.decision == appraisal.Decision.ACCEPTED:
            return timezone.localtime(appraisal.decided_at).date()
    return None


def last_return(submissions: list[PlanSubmission]) -> Appraisal | None:
    """The latest decision that sent the plan back (grounds as labels), or None."""
    grounds = dict(ReturnGround.choices)
    for submission in reversed(submissions):
        appraisal = getattr(submission, "appraisal", None)
        if appraisal is not None and appraisal.decision == appraisal.Decision.RETURNED:
            appraisal.ground_labels = [str(grounds.get(g, g)) for g in appraisal.grounds]
            return appraisal
    return None


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
    """Submitted plans of `qs` the user may appraise: `can_appraise_plan` in SQL
    (`awaiting_appraisal`)."""
    return awaiting_appraisal(access_for(user), actor_id(user), qs)


def awaiting_appraisal(
    access: Access, me: int | None, qs: QuerySet[RemediationPlan]
) -> QuerySet[RemediationPlan]:
    """Submitted plans of `qs` the holder of `access` (user `me`) may appraise.

    A recipient they act for (`recipients_acted_for`; an administrator acts for every
    recipient), not a plan of an office's own unit, not their own plan, not a plan they
    submitted last or ever wrote an item of. `test_selectors_agree_with_decisions` compares the
    two over every demo persona.
    """
    mine = qs.filter(status=PlanStatus.SUBMITTED)
    if access.everything:  # acts for any recipient, so the plan needs one (recipients_of)
        has = Exists(PlanRecipient.objects.filter(plan=OuterRef("pk")))
        mine = mine.filter(has | Q(unit__parent__isnull=False))
    else:
        mine = mine.filter(pk__in=recipients_acted_for(access).values("plan_id"))
        mine = mine.exclude(unit__path__in=access.office_paths)
    if access.person_id is not None:
        mine = mine.exclude(person_id=access.person_id)
    if me is None:  # the system, acting for no person: nothing of its own to refuse
        return mine
    # the plan's own copy of its latest submitter (NULL: none recorded, not excluded)
    mine = mine.exclude(last_submitted_by_id=me)
    return mine.exclude(preparers__pk=me)


def items_awaiting_verification_for(user: Actor, qs: QuerySet[PlanAction]) -> QuerySet[PlanAction]:
    """Items of `qs` reported done that the user may verify: `can_verify_action` in SQL
    (`awaiting_verification`)."""
    return awaiting_verification(access_for(user), actor_id(user), qs)


def awaiting_verification(
    access: Access, me: int | None, qs: QuerySet[PlanAction]
) -> QuerySet[PlanAction]:
    """Items of `qs` reported done that the holder of `access` (user `me`) may verify.

    Of a plan with a recipient they act for, not of their own plan, not reported done by
    themself (the latest "done" report). Compared with the Python rule by the same test.
    """
    mine = qs.filter(status=ActionStatus.DONE, plan__status__in=PLAN_TRACKABLE)
    if access.everything:
        has = Exists(PlanRecipient.objects.filter(plan=OuterRef("plan_id")))
        mine = mine.filter(has | Q(plan__unit__parent__isnull=False))
    else:
        mine = mine.filter(plan__in=recipients_acted_for(access).values("plan_id"))
    if access.person_id is not None:
        mine = mine.exclude(plan__person_id=access.person_id)
    if me is None:
        return mine
    # the item's own copy of who reported it done last (NULL: none recorded, not excluded)
    return mine.exclude(done_by_id=me)


def _latest_submission(field: str) -> Subquery:
    return Subquery(
        PlanSubmission.objects.filter(plan=OuterRef("pk")).order_by("-number").values(field)[:1]
    )


# The queues' orders, which remediation_plan_waiting_idx and remediation_action_waiting_idx
# serve: the plans by the time of their latest submission, the items by that of their latest
# "done" report (columns kept by plan_submit and action_record_progress), oldest first.
APPRAISAL_ORDER = ("last_submitted_at", "pk")
VERIFICATION_ORDER = ("done_at", "pk")


def appraisal_lines(plans: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan]:
    """`plans` as the appraisal queue shows them: each with its round (the number of its
    latest submission, looked up for the rows read only) and `waiting_since`."""
    return plans.annotate(round=_latest_submission("number"), waiting_since=F("last_submitted_at"))


def appraisal_queue(user: Actor) -> QuerySet[RemediationPlan]:
    """The queue "Chờ tôi thẩm định" of the user (`appraisal_queue_of`)."""
    return appraisal_queue_of(access_for(user), actor_id(user))


def appraisal_queue_of(access: Access, me: int | None) -> QuerySet[RemediationPlan]:
    """The queue "Chờ tôi thẩm định": the plans awaiting the appraisal of the holder of
    `access` (awaiting_appraisal over their scope), oldest submission first, each with its
    round (submission number) and the time it was submitted. A page reads the waiting plans in
    the order of the index and stops."""
    plans = awaiting_appraisal(
        access, me, scope_by(RemediationPlan.objects.all(), access, via="unit")
    )
    return appraisal_rows(plans).order_by(*APPRAISAL_ORDER)


def appraisal_rows(plans: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan]:
    """`plans` as the appraisal queue's page and export show them (appraisal_lines, with the
    plan's unit, person and cycle)."""
    return appraisal_lines(plans).select_related("unit", "person", "cycle")


def verification_queue(user: Actor) -> QuerySet[PlanAction]:
    """The queue "Chờ tôi xác nhận" of the user (`verification_queue_of`)."""
    return verification_queue_of(access_for(user), actor_id(user))


def verification_queue_of(access: Access, me: int | None) -> QuerySet[PlanAction]:
    """The queue "Chờ tôi xác nhận": items reported done awaiting the verification of the
    holder of `access` (awaiting_verification over their scope), with the time of the "done"
    report (`done_at`), oldest first."""
    visible = scope_by(PlanAction.objects.all(), access, via="plan__unit")
    return verification_rows(awaiting_verification(access, me, visible)).order_by(
        *VERIFICATION_ORDER
    )


def queue_values(access: Access, me: int | None) -> tuple:
    """The fields of an Access both queues' rules read (the scope, recipients_acted_for, the
    user's own plans and items) with the user, as the values of a precompiled read (the
    queue pages' first keys, the home page's queue lines); `queue_access` makes them an Access
    again. The scope goes as `visible_paths`, already collapsed: the rules see it as their
    `unit_paths`. Not for an administrator (`everything` is not among them)."""
    return (
        access.visible_paths,
        access.person_id,
        tuple(sorted(access.recipient_unit_ids)),
        tuple(sorted(access.assigned_pairs)),
        tuple(sorted(access.group_ids)),
        me,
    )


def queue_access(
    paths: tuple[str, ...],
    person_id: int | None,
    recipients: tuple[int, ...],
    pairs: tuple[tuple[int, int], ...],
    groups: tuple[int, ...],
    *,
    office_paths: tuple[str, ...] = (),
) -> Access:
    """An Access with the fields `queue_values` took of one (and the office's paths, which
    the appraisal queue reads too)."""
    return Access(
        unit_paths=paths,
        office_paths=office_paths,
        person_id=person_id,
        recipient_unit_ids=frozenset(recipients),
        assigned_pairs=frozenset(pairs),
        group_ids=frozenset(groups),
    )


@functools.cache
def queue_first_keys(n: int) -> tuple[Precompiled[int], Precompiled[int]]:
    """The first `n` keys of each queue in its order (the values: `queue_values`, after the
    office's paths for the appraisal queue), compiled once per shape of the values: a queue
    page counts its list up to the cap from them (core.paging.CappedCountPaginator `first`).
    Building and compiling the queue's rule for them cost 0.5–0.7 ms of Python on each page
    (issue 17, part 16d)."""

    def appraisal(office_paths: tuple[str, ...], *values: Any) -> QuerySet:
        access = queue_access(*values[:-1], office_paths=office_paths)
        return appraisal_queue_of(access, values[-1]).values_list("pk", flat=True)[:n]

    def verification(*values: Any) -> QuerySet:  # no office's paths: the rule reads none
        access = queue_access(*values[:-1])
        return verification_queue_of(access, values[-1]).values_list("pk", flat=True)[:n]

    return Precompiled(appraisal), Precompiled(verification)


def appraisal_first_keys(user: Actor, n: int) -> list[int]:
    """The first `n` keys of `appraisal_queue(user)`, through a query compiled once (but for
    an administrator: `queue_values` carry no `everything`)."""
    access = access_for(user)
    if access.everything:
        return list(appraisal_queue(user).values_list("pk", flat=True)[:n])
    return queue_first_keys(n)[0](access.office_paths, *queue_values(access, actor_id(user)))


def verification_first_keys(user: Actor, n: int) -> list[int]:
    """The first `n` keys of `verification_queue(user)`, as `appraisal_first_keys`."""
    access = access_for(user)
    if access.everything:
        return list(verification_queue(user).values_list("pk", flat=True)[:n])
    return queue_first_keys(n)[1](*queue_values(access, actor_id(user)))


def verification_rows(items: QuerySet[PlanAction]) -> QuerySet[PlanAction]:
    """`items` as the verification queue's page and export show them: with their plan, its
    unit, person and cycle."""
    return items.select_related("plan", "plan__unit", "plan__person", "plan__cycle")


def plans_filtered(user: Actor, filters: dict | None) -> QuerySet[RemediationPlan]:
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
    if filters.get("cycle"):
        plans = plans.filter(cycle_id=filters["cycle"])
    if filters.get("unit"):
        plans = plans.filter(unit__path__startswith=_unit_path(filters["unit"]))
    if filters.get("group") or filters.get("member"):
        # The list behind the dashboard's "Kế hoạch đã thẩm định" (one cycle, one subtree).
        appraised = plans_appraised_by(
            cycle_id=filters.get("cycle"),
            unit_path=_unit_path(filters["unit"]) if filters.get("unit") else "",
            group_id=filters.get("group"),
            person_id=filters.get("member"),
        )
        plans = plans.filter(pk__in=appraised.values("pk"))
    return plans.order_by("-cycle__year", *PLAN_ORDER_IN_YEAR)


# The plan list's order inside one year (after "-cycle__year").
PLAN_ORDER_IN_YEAR = ("unit__path", "person__sort_key", "pk")


# The plan list's reads of plans_per_cycle_summarized, compiled once per process and shape of
# their values (core.precompiled): ~1 ms of Python on each plan list (issue 17, part 16d).
_CYCLES_STARTED = Precompiled(
    lambda paths, covering: (
        cycles_within(paths, covering)
        .exclude(status=CycleStatus.DRAFT)
        .select_related("scope_unit")
    )
)
_PLANS_CHANGING = Precompiled(
    lambda cycle_ids: SummaryDelta.objects.filter(
        cycle_id_ref__in=cycle_ids, changes__has_key="plans_expected"
    ).values_list("pk")[:1]
)


def plans_per_cycle_summarized(user: Actor) -> dict[int, int] | None:
    """The number of plans of each cycle in the user's scope, from the campaign summaries
    (core.summaries.summed, one indexed read) when they are exact: every cycle the user may
    see has its summary rows and no change record adding or removing a plan waits to be
    merged. Otherwise None (count the plans)."""
    paths = visible_subtrees(access_for(user))
    cycles = _CYCLES_STARTED(paths, covering_paths(paths))
    if not cycles or _PLANS_CHANGING.first(tuple(c.pk for c in cycles)) is not None:
        return None
    scopes = {c.pk: scope for c in cycles if (scope := scope_paths(c, user))}
    figures = summed(scopes)
    if set(figures) != set(scopes):
        return None
    return {pk: f["plans_expected"] for pk, f in figures.items() if f["plans_expected"]}


def plan_year_groups(
    plans: QuerySet[RemediationPlan], per_cycle: dict[int, int] | None = None
) -> list:
    """The plan list's groups for core.paging.GroupedKeysPaginator, newest year first: each
    keeps the plans of that year's cycles in PLAN_ORDER_IN_YEAR (which an index serves: the
    units walked in path order) and gives their number: `per_cycle` when the page has it (the
    unfiltered list: plans_per_cycle_summarized), else one grouped scan of the scope instead
    of the COUNT, and no sort of the whole scope by year first (issue 17)."""
    # grouped by cycle only (an index-only scan of (unit, cycle)), the years read apart: the
    # join to the cycle in the grouped scan doubled its time on PostgreSQL
    if per_cycle is None:
        per_cycle = dict(plans.order_by().values_list("cycle_id").annotate(n=Count("pk")))
    years: dict[int, dict[int, int]] = {}
    for cycle_id, year in ReviewCycle.objects.filter(pk__in=per_cycle).values_list("pk", "year"):
        years.setdefault(year, {})[cycle_id] = per_cycle[cycle_id]

    def keep(ids: list[int]) -> Callable[[QuerySet], QuerySet]:
        return lambda qs: filter_unindexed(qs, "cycle_id", ids).order_by(*PLAN_ORDER_IN_YEAR)

    return [
        (keep(sorted(cycles)), sum(cycles.values()))
        for _year, cycles in sorted(years.items(), reverse=True)
    ]


def _unit_path(unit_id: int) -> str:
    """The unit's path, or one no unit has (an unknown unit filters everything out)."""
    return Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "-"


def plans_appraised_by(
    *,
    cycle_id: int | None,
    unit_path: str,
    group_id: int | None = None,
    person_id: int | None = None,
) -> QuerySet[RemediationPlan]:
    """The plans of the cycle within the subtree `unit_path` that a working group appraised, or
    that a committee member assigned in person appraised for themself (not for a group) in a
    unit they oversee now. The dashboard's oversight panel counts these, and the plan list's
    `group` / `member` filters list them, so the figure and its list agree."""
    decided = Appraisal.objects.filter(submission__plan__unit__path__startswith=unit_path)
    if cycle_id:
        decided = decided.filter(submission__plan__cycle_id=cycle_id)
    if group_id:
        decided = decided.filter(working_group_id=group_id)
    elif person_id:
        overseen = (
            OversightAssignment.objects.current()
            .filter(person_id=person_id, unit__path__startswith=unit_path)
            .values("unit_id")
        )
        decided = decided.filter(
            working_group__isnull=True,
            decided_by__person__pk=person_id,
            submission__plan__unit_id__in=overseen,
        )
    else:
        return RemediationPlan.objects.none()
    return RemediationPlan.objects.filter(pk__in=decided.values("submission__plan_id"))


def plans_list(qs: QuerySet[RemediationPlan]) -> QuerySet[RemediationPlan, Any]:
    # review__unit, review__person: the row's label (Review.subject_label).
    # n_actions: the items per plan as a correlated count over the plan_id index (50 lookups);
    # prefetching the items to count them built ~150 model instances a page.
    items = (
        PlanAction.objects.filter(plan=OuterRef("pk"))
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # only the columns the rows show (jinja2/remediation/plan_rows.html), as tuples: the
    # plan, review, unit, person and cycle rows carry texts and timestamps the list never
    # prints, and 50 rows made ~300 model instances (issue 17)
    return qs.annotate(n_actions=Coalesce(Subquery(items), 0)).values_list(
        *PLAN_ROW_FIELDS, named=True
    )


PLAN_ROW_FIELDS = (
    "pk",
    "status",
    "due_date",
    "first_submitted_at",
    "first_submitted_on",
    "person_id",
    "unit__name",
    "cycle__title",
    "review__person_id",
    "review__person__full_name",
    "review__unit__name",
    "n_actions",
)
