"""Who may run a cycle, write a review, record a conference."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for
from kiemdiem.reviews.models import Review
from kiemdiem.reviews.states import ReviewStatus


def can_manage_cycle(user, unit: Unit) -> Decision:
    """Open, edit and close cycles over a unit's subtree: that committee's office."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức của cấp ủy này mới được quản lý đợt kiểm điểm."))


def can_edit_review(user, review: Review) -> Decision:
    """Collective review: the unit's leaders or office; individual: the person or the leaders."""
    access = access_for(user)
    if review.person_id and access.person_id == review.person_id:
        return ALLOW
    if access.leads(review.unit.path) or access.manages(review.unit.path):
        return ALLOW
    return deny(_("Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị mới được sửa bản kiểm điểm này."))


def can_record_meeting(user, unit: Unit) -> Decision:
    access = access_for(user)
    if access.leads(unit.path) or access.manages(unit.path):
        return ALLOW
    return deny(_("Chỉ lãnh đạo đơn vị hoặc văn phòng cấp ủy mới được ghi nhận hội nghị."))


def can_transition_review(user, review: Review, to: str, meeting) -> Decision:
    """Who moves a review: its writers; 'discussed' needs a recorded conference."""
    if to == ReviewStatus.DISCUSSED:
        if meeting is None:
            return deny(_("Chưa ghi nhận hội nghị kiểm điểm của đơn vị."))
        return can_record_meeting(user, review.unit)
    return can_edit_review(user, review)
