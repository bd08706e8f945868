"""Who may import and export: the committee office of some subtree, or an administrator."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.scoping import access_for


def can_use_transfer(user) -> Decision:
    """Open the import/export pages; every row is still checked against the managed subtrees."""
    access = access_for(user)
    if access.everything or access.office_paths:
        return ALLOW
    return deny(
        _("Chỉ văn phòng/ban tổ chức cấp ủy hoặc quản trị hệ thống mới được nhập, xuất dữ liệu.")
    )
