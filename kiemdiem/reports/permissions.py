"""Who may write a unit's periodic report and who may read the roll-up of its children."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for
from kiemdiem.reports.models import PeriodicReport


def can_write_report(user: Actor, unit: Unit) -> Decision:
    """The unit's own leaders or its own office (a grant on the unit itself), or an administrator.

    Not the committees above: the report is what the unit sends them, so they read it (it lies
    in their subtree) but do not write it.
    """
    access = access_for(user)
    if access.everything or unit.pk in access.own_unit_ids:
        return ALLOW
    return deny(_("Chỉ lãnh đạo hoặc văn phòng của chính đơn vị mới được lập, gửi báo cáo này."))


def can_write_unit_report(user: Actor, report: PeriodicReport) -> Decision:
    """Write, refresh and send this report: see can_write_report."""
    return can_write_report(user, report.unit)


def can_view_rollup(user: Actor, unit: Unit) -> Decision:
    """The children's reports and their totals: whoever leads or serves the unit's subtree."""
    if access_for(user).leads(unit.path):
        return ALLOW
    return deny(_("Chỉ lãnh đạo, văn phòng cấp ủy mới xem được tổng hợp báo cáo của cấp dưới."))
