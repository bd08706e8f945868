"""Who may prepare, appraise and track a remediation plan."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.scoping import access_for
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reviews.permissions import can_edit_review


def can_edit_plan(user, plan: RemediationPlan) -> Decision:
    """The reviewed person, or the unit's leaders/office, prepare the plan."""
    decision = can_edit_review(user, plan.review)
    if not decision:
        return deny(_("Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị mới được lập kế hoạch này."))
    return ALLOW


def appraiser_units(plan: RemediationPlan) -> list:
    """Units on whose behalf the plan is appraised: the recipients, else the parent committee."""
    units = [r.unit for r in plan.recipients.select_related("unit")]
    if not units and plan.unit.parent_id:
        units = [plan.unit.parent]
    return units


def can_appraise_plan(user, plan: RemediationPlan) -> Decision:
    """The office of a recipient committee (the upper standing committee's office) appraises.

    The working groups of the oversight issue plug in as further recipients.
    """
    access = access_for(user)
    if access.everything:
        return ALLOW
    if plan.unit.path in access.office_paths:
        return deny(_("Văn phòng của chính đơn vị lập kế hoạch không tự thẩm định kế hoạch."))
    if any(access.manages(unit.path) for unit in appraiser_units(plan)):
        return ALLOW
    return deny(
        _("Chỉ văn phòng/ban tổ chức cấp ủy cấp trên (nơi nhận kế hoạch) mới được thẩm định.")
    )


def can_report_progress(user, action: PlanAction) -> Decision:
    decision = can_edit_plan(user, action.plan)
    if decision:
        return ALLOW
    access = access_for(user)
    if action.responsible_person_id and access.person_id == action.responsible_person_id:
        return ALLOW
    return deny(_("Chỉ người, đơn vị chịu trách nhiệm mới được báo cáo tiến độ."))


def can_verify_action(user, action: PlanAction) -> Decision:
    if can_appraise_plan(user, action.plan):
        return ALLOW
    return deny(_("Chỉ cấp thẩm định kế hoạch mới được xác nhận hoàn thành."))
