"""Who may write in a unit's register."""

from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
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
