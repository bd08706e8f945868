"""Who may change the organization tree and the people in it."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.models import Person, Unit
from kiemdiem.org.scoping import access_for


def can_manage_unit(user, unit: Unit) -> Decision:
    """Create sub-units, edit or move a unit: the committee office above it, or an administrator."""
    access = access_for(user)
    if access.manages(unit.path):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy quản lý đơn vị này mới được thay đổi."))


def can_move_unit(user, unit: Unit, new_parent: Unit) -> Decision:
    """Moving needs management rights over both the unit and its new parent."""
    decision = can_manage_unit(user, unit)
    if not decision:
        return decision
    if unit.parent_id is None:
        return deny(_("Không thể chuyển đơn vị gốc."))
    if not access_for(user).manages(new_parent.path):
        return deny(_("Bạn không quản lý đơn vị cấp trên mới."))
    return ALLOW


def can_edit_person(user, person: Person) -> Decision:
    """Edit a person's record: the committee office over one of their cells, or an administrator."""
    access = access_for(user)
    if access.everything:
        return ALLOW
    paths = person.memberships.values_list("unit__path", flat=True)
    if any(access.manages(p) for p in paths):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy quản lý đảng viên này mới được sửa hồ sơ."))


def can_manage_access(user, unit: Unit) -> Decision:
    """Grant or revoke roles on a unit: the committee office above it, or an administrator."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy quản lý đơn vị này mới được phân quyền."))
