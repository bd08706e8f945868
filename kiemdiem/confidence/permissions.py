"""Who may hold and record a confidence poll.

A poll is organized by the committee's Organization Board (the office role of that committee) or
one above it; results are read as `org.scoping.scope_sensitive` says (the body's office and
inspection committee and those above them, and the person polled).
"""

from django.utils.translation import gettext as _

from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for


def can_hold_poll(user: Actor, body_unit: Unit) -> Decision:
    """Record a poll held by `body_unit`: its office (ban tổ chức) or one above it."""
    if access_for(user).manages(body_unit.path):
        return ALLOW
    return deny(
        _(
            "Chỉ văn phòng, ban tổ chức của cấp ủy tổ chức lấy phiếu (hoặc cấp trên) mới được "
            "ghi nhận kết quả lấy phiếu tín nhiệm."
        )
    )


def can_record_poll(user: Actor, poll: ConfidencePoll) -> Decision:
    return can_hold_poll(user, poll.body_unit)


def can_record_result(user: Actor, result: ConfidenceResult) -> Decision:
    return can_record_poll(user, result.poll)
