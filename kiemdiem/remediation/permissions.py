"""Who may prepare, appraise and track a remediation plan.

Separation of duties (issue 3, appraisal and tracking; issue 15 #4):
- a plan is appraised, and its items verified, only on behalf of one of its recipients
  (`PlanRecipient`: the parent committee — its office, standing committee members or secretary,
  and the committee members it assigned to the plan's unit — and the working group assigned to
  the unit, whose current members act for it). Holding a role on some higher ancestor is not
  enough: scope lets that office see the plan, not appraise it;
- whoever submitted the submission awaiting appraisal, or ever wrote an item of the plan (added,
  edited or removed one: `RemediationPlan.preparers`), does not appraise it;
- whoever reported an item done does not verify it; nobody appraises or verifies their own plan.

The lists "Chờ tôi thẩm định" and "Chờ tôi xác nhận" apply the same rules in SQL
(`remediation.selectors`); a test compares the two over every demo persona.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Actor, Decision, actor_id, deny
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.permissions import can_backdate
from kiemdiem.org.scoping import Access, access_for
from kiemdiem.org.selectors import groups_assigned_to
from kiemdiem.remediation.models import (
    ActionStatus,
    PlanAction,
    PlanRecipient,
    PlanStatus,
    PlanSubmission,
    RemediationPlan,
)
from kiemdiem.reviews.permissions import can_edit_review


def can_edit_plan(user: Actor, plan: RemediationPlan) -> Decision:
    """The reviewed person, or the unit's leaders/office, prepare the plan."""
    # The review's unit is the plan's own, which callers have loaded: not read a second time.
    decision = can_edit_review(user, plan.review_sharing_rows())
    if not decision:
        return deny(_("Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị mới được lập kế hoạch này."))
    return ALLOW


def can_edit_item(user: Actor, action: PlanAction) -> Decision:
    """Items are written (added, changed, cancelled, replaced) by whoever prepares the plan."""
    return can_edit_plan(user, action.plan)


def recipients_due(plan: RemediationPlan) -> list[PlanRecipient]:
    """Where the plan goes when submitted today (unsaved): the parent committee's standing
    committee, and each working group assigned to the plan's unit."""
    recipients = []
    if plan.unit.parent_id:
        recipients.append(
            PlanRecipient(
                plan=plan, kind=PlanRecipient.Kind.STANDING_COMMITTEE, unit=plan.unit.parent
            )
        )
    for group in groups_assigned_to(plan.unit):
        recipients.append(
            PlanRecipient(
                plan=plan,
                kind=PlanRecipient.Kind.WORKING_GROUP,
                unit=group.committee,
                working_group=group,
            )
        )
    return recipients


_RECIPIENTS = Precompiled(  # compiled once (core.precompiled)
    lambda plan_id: (
        PlanRecipient.objects.filter(plan_id=plan_id)
        .select_related("unit", "working_group")
        .order_by("pk")
    )
)


def recipients_of(plan: RemediationPlan) -> list[PlanRecipient]:
    """The plan's recipients (recorded at submission); before its first submission, those it
    will go to (`recipients_due`). A page that checks several permissions on one plan reads
    them once: `remember_recipients(plan)` (never before a service changes them)."""
    remembered = getattr(plan, "_recipients_remembered", None)
    if remembered is not None:
        return remembered
    recipients = _RECIPIENTS(plan.pk, known={"plan": plan})
    return recipients or recipients_due(plan)


def remember_recipients(plan: RemediationPlan) -> list[PlanRecipient]:
    """Read the plan's recipients once for the rest of a page's rendering (the plan page asked
    for them four times: 5–8 queries). Only after every service of the request has run."""
    plan.__dict__.pop("_recipients_remembered", None)
    recipients = recipients_of(plan)
    plan.__dict__["_recipients_remembered"] = recipients
    return recipients


def remember_submissions(
    plan: RemediationPlan, submissions: Iterable[PlanSubmission]
) -> list[PlanSubmission]:
    """Keep the plan's submissions as a page read them (`selectors.plan_submissions`: it lists
    them) for the rest of its rendering: can_appraise_plan reads the latest one from them. Only
    after every service of the request has run."""
    submissions = list(submissions)
    plan.__dict__["_submissions_remembered"] = submissions
    return submissions


def _latest_submitter(plan: RemediationPlan) -> int | None | bool:
    """The latest submission's submitter id (None: not recorded; False: never submitted)."""
    remembered = plan.__dict__.get("_submissions_remembered")
    if remembered is not None:
        latest = max(remembered, key=lambda s: s.number, default=None)
    else:
        latest = plan.submissions.order_by("-number").only("submitted_by_id", "plan_id").first()
    return False if latest is None else latest.submitted_by_id


def acts_for(access: Access, recipient: PlanRecipient, plan: RemediationPlan) -> bool:
    """Whether the holder of `access` acts for `recipient` of `plan`.

    A working group: a current member of it. A committee: a grant on that very unit or a
    standing post there (`Access.recipient_unit_ids`), or a committee member the committee
    assigned in person to the plan's unit (`Access.assigned_pairs`). The SQL twin is
    `remediation.selectors.recipients_acted_for`.
    """
    if recipient.working_group_id is not None:
        return recipient.working_group_id in access.group_ids
    return (
        recipient.unit_id in access.recipient_unit_ids
        or (plan.unit_id, recipient.unit_id) in access.assigned_pairs
    )


def acting_recipient(user: Actor, plan: RemediationPlan) -> PlanRecipient | None:
    """The recipient on whose behalf `user` appraises or verifies (None: not a recipient).
    Administrators act for the first recipient; everyone else as `acts_for` says."""
    recipients = recipients_of(plan)
    if not recipients:
        return None
    access = access_for(user)
    if access.everything:
        return recipients[0]
    return next((r for r in recipients if acts_for(access, r, plan)), None)


def _not_a_recipient(plan: RemediationPlan) -> Decision:
    names = ", ".join(
        str(r.working_group) if r.working_group_id else str(r.unit) for r in recipients_of(plan)
    ) or _("(chưa có nơi nhận)")
    return deny(
        _(
            "Chỉ nơi nhận kế hoạch (văn phòng, Ban Thường vụ, cấp ủy viên được phân công phụ "
            "trách, tổ công tác được phân công: %(units)s) mới được thẩm định và xác nhận; cấp ủy "
            "cấp trên khác chỉ được xem."
        )
        % {"units": names}
    )


def _own_plan(access: Access, plan: RemediationPlan) -> bool:
    """Whether the plan is the user's own personal plan (nobody appraises or verifies theirs)."""
    return plan.person_id is not None and plan.person_id == access.person_id


def can_appraise_plan(user: Actor, plan: RemediationPlan) -> Decision:
    """A recipient of the plan appraises it; not its own unit's office, not its preparers."""
    access = access_for(user)
    if not access.everything and plan.unit.path in access.office_paths:
        return deny(_("Văn phòng của chính đơn vị lập kế hoạch không tự thẩm định kế hoạch."))
    if _own_plan(access, plan):
        return deny(_("Đồng chí không tự thẩm định kế hoạch khắc phục của chính mình."))
    if acting_recipient(user, plan) is None:
        return _not_a_recipient(plan)
    latest = _latest_submitter(plan)
    if latest is not False and latest == actor_id(user):
        return deny(_("Người nộp kế hoạch không tự thẩm định lần nộp của mình."))
    me = actor_id(user)
    if me is not None and plan.preparers.filter(pk=me).exists():
        return deny(
            _("Người đã soạn nội dung khắc phục của kế hoạch không tự thẩm định kế hoạch này.")
        )
    return ALLOW


def can_report_progress(user: Actor, action: PlanAction) -> Decision:
    """The plan's preparers, or the person named responsible for the item."""
    decision = can_edit_plan(user, action.plan)
    if decision:
        return ALLOW
    access = access_for(user)
    if action.responsible_person_id and access.person_id == action.responsible_person_id:
        return ALLOW
    return deny(_("Chỉ người, đơn vị chịu trách nhiệm mới được báo cáo tiến độ."))


def can_verify_action(user: Actor, action: PlanAction) -> Decision:
    """A recipient of the plan verifies a reported item; not whoever reported it done, nor the
    person whose own plan it is."""
    if _own_plan(access_for(user), action.plan):
        return deny(_("Đồng chí không tự xác nhận nội dung trong kế hoạch của chính mình."))
    if acting_recipient(user, action.plan) is None:
        return _not_a_recipient(action.plan)
    done = (
        action.updates.filter(status=ActionStatus.DONE)
        .order_by("-reported_at", "-id")
        # with its item's id: the related manager sets each row's item, which would otherwise
        # read the deferred id back (a query more)
        .only("reported_by_id", "action_id")
        .first()
    )
    if done is not None and done.reported_by_id == actor_id(user):
        return deny(_("Người báo cáo hoàn thành không tự xác nhận nội dung đó."))
    return ALLOW


def can_adopt_plan(user: Actor, plan: RemediationPlan) -> Decision:
    """The collective that prepared the plan records its decision adopting it: whoever may
    prepare the plan, except the recipients who appraised it (their part ended with the
    appraisal)."""
    decision = can_edit_plan(user, plan)
    if not decision:
        return decision
    if not access_for(user).everything and acting_recipient(user, plan) is not None:
        return deny(
            _(
                "Nơi nhận đã thẩm định kế hoạch; việc ghi nhận quyết định ban hành là của tập "
                "thể đơn vị lập kế hoạch."
            )
        )
    return ALLOW


def can_add_followup(user: Actor, action: PlanAction) -> Decision:
    """Add an item to an accepted plan as the follow-up of an oversight activity (an inspection
    found something to remedy): a recipient of the plan, not the unit itself (which changes an
    accepted plan only by replacing an item)."""
    plan = action.plan
    if plan.status not in (PlanStatus.ACCEPTED, PlanStatus.ADOPTED):
        return deny(
            _(
                "Chỉ bổ sung nội dung theo dõi vào kế hoạch đã được thẩm định đạt; kế hoạch đang "
                "chuẩn bị thì đơn vị tự đưa ý kiến vào, kế hoạch đang chờ thẩm định thì trả lại "
                "kèm ý kiến."
            )
        )
    if _own_plan(access_for(user), plan):
        return deny(_("Đồng chí không tự bổ sung nội dung vào kế hoạch của chính mình."))
    if acting_recipient(user, plan) is None:
        return _not_a_recipient(plan)
    return ALLOW


def can_add_item(user: Actor, action: PlanAction) -> Decision:
    """Add an item: its preparers (while the plan is prepared, or replacing an item of an
    accepted plan); once it is accepted, also a recipient adding an oversight follow-up
    (`can_add_followup`, which `action_add_followup` requires on its own)."""
    decision = can_edit_item(user, action)
    if decision or action.plan.status not in (PlanStatus.ACCEPTED, PlanStatus.ADOPTED):
        return decision
    return can_add_followup(user, action)


def can_backdate_plan(user: Actor, plan: RemediationPlan) -> Decision:
    """Enter a past submission, appraisal or decision from paper records: an office over it."""
    return can_backdate(user, plan.unit)


def can_backdate_item(user: Actor, action: PlanAction) -> Decision:
    """Enter past progress or a past verification from paper records: an office over it."""
    return can_backdate(user, action.plan.unit)
