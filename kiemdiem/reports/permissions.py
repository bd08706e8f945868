"""Who may write a unit's periodic report and who may read the roll-up of its children."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.models import LEADER_ROLES, AccessGrant, Position, Unit
from kiemdiem.org.scoping import access_for


def can_write_report(user, unit: Unit) -> Decision:
    """The unit's own leaders or its own office (a grant on the unit itself), or an administrator.

    Not the committees above: the report is what the unit sends them, so they read it (it lies
    in their subtree) but do not write it.
    """
    access = access_for(user)
    if access.everything:
        return ALLOW
    if access.leads(unit.path):
        if AccessGrant.objects.current().filter(user=user, unit=unit).exists():
            return ALLOW
        if (
            Position.objects.current()
            .filter(person__user=user, unit=unit, role__in=LEADER_ROLES)
            .exists()
        ):
            return ALLOW
    return deny(_("Chỉ lãnh đạo hoặc văn phòng của chính đơn vị mới được lập, gửi báo cáo này."))


def can_view_rollup(user, unit: Unit) -> Decision:
    """The children's reports and their totals: whoever leads or serves the unit's subtree."""
    if access_for(user).leads(unit.path):
        return ALLOW
    return deny(_("Chỉ lãnh đạo, văn phòng cấp ủy mới xem được tổng hợp báo cáo của cấp dưới."))
