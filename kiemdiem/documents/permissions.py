"""Who may write in a unit's register."""

from typing import Any

from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.documents.kinds import Kind
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for


def can_enter_document(user: Actor, unit: Unit) -> Decision:
    """Entering a document made outside the system: the committee office keeping the register."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny("Chỉ văn phòng cấp ủy giữ sổ văn bản đi của đơn vị này mới được vào sổ.")


def can_manage_templates(user: Actor, unit: Unit) -> Decision:
    """Uploading or withdrawing the templates of a unit and its subtree: its committee office."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny("Chỉ văn phòng cấp ủy của đơn vị này mới được thay mẫu văn bản.")


def can_issue_document(user: Actor, kind: Kind, obj: Any) -> Decision:
    """Giving the object's document its number: the kind's own rule when it has one (who adopts
    the plan…), otherwise the office keeping the unit's register."""
    if kind.may_issue is not None:
        return kind.may_issue(user, obj)
    return can_enter_document(user, kind.unit_of(obj))
