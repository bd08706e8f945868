"""Lifecycles of remediation plans and their items.

A plan is drafted by the reviewed collective or person, then submitted to its recipients (the
parent committee's standing committee and the working group assigned to the unit, both recorded
at submission; see `permissions.acts_for` for who acts for each). Submission is refused until
the review has been through its conference, every item has content, a responsible party and a
deadline inside the cycle's horizon, and every shortcoming is covered. The appraiser returns it
(ticking the grounds: not feasible, no political resolve, no responsible party, no deadline) or
accepts it. A returned plan is prepared again and resubmitted; every submission is kept as a
version. An accepted plan is put to the collective, whose decision (meeting date, resolution)
adopts it. While the plan is with the appraiser or accepted, the review's shortcomings are locked.

An item is added while the plan is prepared (and removed then, until the plan's first
submission), or, once the plan is accepted, by a recipient as the follow-up of an oversight
activity (an inspection that found something more to remedy, perhaps a new shortcoming). Once
the plan is accepted an item is open until progress is reported, done when the unit reports it
finished (with evidence), verified when a recipient checks the evidence, or sent back to "in
progress" with a remark. It is cancelled or replaced (by a new item covering the same
shortcomings) only with a reason. An open item past its deadline is overdue; the overdue sweep
flags it, and the flag goes when the item leaves the open states.

The first submission counts as on time or late by its effective date against the plan's due date.
"""

from typing import Any

from kiemdiem.core.lifecycle import BORN, GONE, Arrow, Flag, Lifecycle, Move, Place
from kiemdiem.remediation.models import (
    ITEM_DEAD,
    ITEM_OPEN,
    ActionStatus,
    PlanAction,
    PlanStatus,
    RemediationPlan,
    ReturnGround,
    items_overdue_q,
)
from kiemdiem.remediation.permissions import (
    can_add_item,
    can_adopt_plan,
    can_appraise_plan,
    can_backdate_item,
    can_backdate_plan,
    can_edit_item,
    can_edit_plan,
    can_report_progress,
    can_verify_action,
)

__all__ = [
    "ACTION",
    "ITEM_DEAD",
    "ITEM_OPEN",
    "PLAN",
    "PLAN_EDITABLE",
    "PLAN_TRACKABLE",
    "ActionStatus",
    "PlanStatus",
    "ReturnGround",
    "items_overdue_q",
]

# Items may be added, edited and removed, and shortcomings changed, only while the plan is
# being prepared.
PLAN_EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})
# Progress is reported and verified once the plan is accepted.
PLAN_TRACKABLE = frozenset({PlanStatus.ACCEPTED, PlanStatus.ADOPTED})


def _plan_place(plan: RemediationPlan) -> Place:
    return Place(
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        cycle_id=plan.cycle_id,
        earliest=plan.cycle.starts_on,
    )


def _item_place(action: PlanAction) -> Place:
    return _plan_place(action.plan)


def _first_submission(plan: Any, move: Move) -> dict[str, int]:
    """On time if its effective date is on or before the plan's due date."""
    on_time = move.effective_on <= plan.due_date
    return {"plans_on_time" if on_time else "plans_late": 1}


PLAN = Lifecycle(
    name="plan",
    labels=dict(PlanStatus.choices),
    place=_plan_place,
    backdate=can_backdate_plan,
    flags=(
        Flag(field="missing_flagged", metric="plans_missing", states=frozenset({PlanStatus.DRAFT})),
    ),
    arrows={
        (PlanStatus.DRAFT, PlanStatus.SUBMITTED): Arrow(
            can=can_edit_plan, counts=_first_submission
        ),
        (PlanStatus.SUBMITTED, PlanStatus.RETURNED): Arrow(
            can=can_appraise_plan, reason=True, counts={"plans_returned": +1}
        ),
        (PlanStatus.SUBMITTED, PlanStatus.ACCEPTED): Arrow(
            can=can_appraise_plan, counts={"plans_accepted": +1}
        ),
        (PlanStatus.RETURNED, PlanStatus.SUBMITTED): Arrow(
            can=can_edit_plan, counts={"plans_returned": -1}
        ),
        # The unit's collective adopts; the recipients who appraised it do not record that.
        (PlanStatus.ACCEPTED, PlanStatus.ADOPTED): Arrow(can=can_adopt_plan, reason=True),
    },
)

_report = Arrow(can=can_report_progress)
_cancel = Arrow(can=can_edit_item, reason=True, counts={"items_total": -1})
_replace = Arrow(can=can_edit_item, reason=True, counts={"items_total": -1})

ACTION = Lifecycle(
    name="item",
    labels=dict(ActionStatus.choices),
    place=_item_place,
    backdate=can_backdate_item,
    flags=(Flag(field="overdue_flagged", metric="items_overdue", states=ITEM_OPEN),),
    arrows={
        # added while the plan is prepared, or later as an oversight follow-up (can_add_item)
        (BORN, ActionStatus.OPEN): Arrow(can=can_add_item, counts={"items_total": +1}),
        (ActionStatus.OPEN, GONE): Arrow(can=can_edit_item, counts={"items_total": -1}),
        (ActionStatus.OPEN, ActionStatus.IN_PROGRESS): _report,
        (ActionStatus.OPEN, ActionStatus.DONE): _report,
        (ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS): _report,
        (ActionStatus.IN_PROGRESS, ActionStatus.DONE): _report,
        (ActionStatus.DONE, ActionStatus.VERIFIED): Arrow(
            can=can_verify_action, counts={"items_done": +1}
        ),
        # the recipient sends a reported item back, saying what is missing
        (ActionStatus.DONE, ActionStatus.IN_PROGRESS): Arrow(can=can_verify_action, reason=True),
        (ActionStatus.OPEN, ActionStatus.CANCELLED): _cancel,
        (ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED): _cancel,
        (ActionStatus.OPEN, ActionStatus.REPLACED): _replace,
        (ActionStatus.IN_PROGRESS, ActionStatus.REPLACED): _replace,
    },
)
