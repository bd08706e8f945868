"""Who may prepare, appraise and track a remediation plan.

Separation of duties (issue 3, appraisal and tracking):
- a plan is appraised, and its items verified, only on behalf of one of its recipients
  (`PlanRecipient`: the parent committee — its office, standing committee members or
  secretary — and, once the oversight issue lands, the assigned working group). Holding a role
  on some higher ancestor is not enough: scope lets that office see the plan, not appraise it;
- whoever submitted the submission awaiting appraisal, or wrote the plan's items, does not
  appraise it;
- whoever reported an item done does not verify it.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.models import AccessGrant, Position, PositionRole
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation.models import PlanAction, PlanRecipient, RemediationPlan
from kiemdiem.remediation.states import ActionStatus
from kiemdiem.reviews.permissions import can_edit_review

# Positions that sit on a committee's standing committee and may act for it as a recipient.
STANDING_POSITIONS = (
    PositionRole.SECRETARY,
    PositionRole.DEPUTY_SECRETARY,
    PositionRole.STANDING_MEMBER,
)


def can_edit_plan(user, plan: RemediationPlan) -> Decision:
    """The reviewed person, or the unit's leaders/office, prepare the plan."""
    decision = can_edit_review(user, plan.review)
    if not decision:
        return deny(_("Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị mới được lập kế hoạch này."))
    return ALLOW


def recipients_of(plan: RemediationPlan) -> list[PlanRecipient]:
    """The plan's recipients; before its first submission, the parent committee it will go to."""
    recipients = list(plan.recipients.select_related("unit"))
    if not recipients and plan.unit.parent_id:
        recipients = [
            PlanRecipient(
                plan=plan, kind=PlanRecipient.Kind.STANDING_COMMITTEE, unit=plan.unit.parent
            )
        ]
    return recipients


def appraiser_units(plan: RemediationPlan) -> list:
    """Units on whose behalf the plan is appraised: the recipients, else the parent committee."""
    return [r.unit for r in recipients_of(plan)]


def acting_unit_ids(user) -> frozenset[int]:
    """Units the user may act for as a recipient: a current grant on the unit itself (office,
    standing, head) or a standing-committee position there. Cached on the user for the request.

    Exact units, not subtrees: an office of a higher ancestor sees the plan but does not act for
    the parent committee.
    """
    cached = getattr(user, "_kiemdiem_recipient_units", None)
    if cached is not None:
        return cached
    ids: frozenset[int] = frozenset()
    if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
        grants = AccessGrant.objects.current().filter(user=user).values_list("unit_id", flat=True)
        posts = (
            Position.objects.current()
            .filter(person__user=user, role__in=STANDING_POSITIONS)
            .values_list("unit_id", flat=True)
        )
        ids = frozenset(grants) | frozenset(posts)
    if user is not None:
        user._kiemdiem_recipient_units = ids
    return ids


def acting_recipient(user, plan: RemediationPlan) -> PlanRecipient | None:
    """The recipient on whose behalf `user` appraises or verifies (None: not a recipient).

    Administrators act for the first recipient.
    Working-group recipients (the oversight app, not built yet) will be matched on group
    membership; until then a working-group recipient is acted for by its unit, like a committee.
    """
    recipients = recipients_of(plan)
    if not recipients:
        return None
    if access_for(user).everything:
        return recipients[0]
    mine = acting_unit_ids(user)
    return next((r for r in recipients if r.unit_id in mine), None)


def _not_a_recipient(plan: RemediationPlan) -> Decision:
    names = ", ".join(str(r.unit) for r in recipients_of(plan)) or _("(chưa có nơi nhận)")
    return deny(
        _(
            "Chỉ nơi nhận kế hoạch (văn phòng, Ban Thường vụ của %(units)s) mới được thẩm định "
            "và xác nhận; cấp ủy cấp trên khác chỉ được xem."
        )
        % {"units": names}
    )


def _prepared_items(user, plan: RemediationPlan) -> bool:
    """Whether `user` wrote (added or edited) any item of the plan, from the audit trail."""
    ids = [str(pk) for pk in plan.actions.values_list("pk", flat=True)]
    if not ids or getattr(user, "pk", None) is None:
        return False
    return AuditEvent.objects.filter(
        Q(action=AuditAction.CREATE) | Q(action=AuditAction.UPDATE),
        object_type=PlanAction._meta.label_lower,
        object_id__in=ids,
        actor_id=user.pk,
    ).exists()


def _own_plan(access, plan: RemediationPlan) -> bool:
    """Whether the plan is the user's own personal plan (nobody appraises or verifies theirs)."""
    return plan.person_id is not None and plan.person_id == access.person_id


def can_appraise_plan(user, plan: RemediationPlan) -> Decision:
    """A recipient of the plan appraises it; not its own unit's office, not its preparers."""
    access = access_for(user)
    if not access.everything and plan.unit.path in access.office_paths:
        return deny(_("Văn phòng của chính đơn vị lập kế hoạch không tự thẩm định kế hoạch."))
    if _own_plan(access, plan):
        return deny(_("Đồng chí không tự thẩm định kế hoạch khắc phục của chính mình."))
    if acting_recipient(user, plan) is None:
        return _not_a_recipient(plan)
    latest = plan.submissions.order_by("-number").only("submitted_by_id").first()
    if latest is not None and latest.submitted_by_id == user.pk:
        return deny(_("Người nộp kế hoạch không tự thẩm định lần nộp của mình."))
    if _prepared_items(user, plan):
        return deny(
            _("Người đã soạn nội dung khắc phục của kế hoạch không tự thẩm định kế hoạch này.")
        )
    return ALLOW


def can_report_progress(user, action: PlanAction) -> Decision:
    decision = can_edit_plan(user, action.plan)
    if decision:
        return ALLOW
    access = access_for(user)
    if action.responsible_person_id and access.person_id == action.responsible_person_id:
        return ALLOW
    return deny(_("Chỉ người, đơn vị chịu trách nhiệm mới được báo cáo tiến độ."))


def can_verify_action(user, action: PlanAction) -> Decision:
    """A recipient of the plan verifies a reported item; not whoever reported it done, nor the
    person whose own plan it is."""
    if _own_plan(access_for(user), action.plan):
        return deny(_("Đồng chí không tự xác nhận nội dung trong kế hoạch của chính mình."))
    if acting_recipient(user, action.plan) is None:
        return _not_a_recipient(action.plan)
    done = (
        action.updates.filter(status=ActionStatus.DONE)
        .order_by("-reported_at", "-id")
        .only("reported_by_id")
        .first()
    )
    if done is not None and done.reported_by_id == user.pk:
        return deny(_("Người báo cáo hoàn thành không tự xác nhận nội dung đó."))
    return ALLOW


def can_adopt_plan(user, plan: RemediationPlan) -> Decision:
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
