"""The report lists that export to Excel: a unit's reports per period, and the roll-up of its
children's reports for one period (with their figures). Same scope and rules as the pages."""

from django.utils.translation import gettext as _

from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import visible_units
from kiemdiem.reports import selectors, services
from kiemdiem.reports.permissions import can_view_rollup
from kiemdiem.reviews.states import CycleStatus


def _unit(user, params: dict[str, str]) -> Unit:
    return one_of(
        visible_units(user),
        params.get("unit", ""),
        _("Đơn vị này không thuộc phạm vi của đồng chí."),
    )


@exporter("reports.unit-reports")
def unit_reports(user, params: dict[str, str]) -> Sheet:
    unit = _unit(user, params)
    rows = [
        (cycle, period, report)
        for cycle, periods in selectors.unit_periods(unit)
        for period, report in periods
    ]
    columns = [
        Column(_("Đợt kiểm điểm"), lambda r: r[0].title, width=30),
        Column(_("Kỳ báo cáo"), lambda r: r[1].label, width=22),
        Column(_("Từ ngày"), lambda r: r[1].starts_on, kind="date", width=12),
        Column(_("Đến ngày"), lambda r: r[1].ends_on, kind="date", width=12),
        Column(_("Hạn nộp"), lambda r: r[1].due_on, kind="date", width=12),
        Column(
            _("Báo cáo của đơn vị"),
            lambda r: r[2].get_status_display() if r[2] else _("Chưa lập"),
            width=18,
        ),
        Column(_("Gửi lúc"), lambda r: r[2].submitted_at if r[2] else None, kind="datetime"),
        Column(
            _("Số liệu tính đến ngày"),
            lambda r: r[2].figures_as_of if r[2] else None,
            kind="date",
            width=14,
        ),
        *[
            Column(label, lambda r, k=key: r[2].figures.get(k) if r[2] else None, kind="int")
            for key, label in services.FIGURE_LABELS.items()
        ],
    ]
    return Sheet(
        title=_("Báo cáo định kỳ — %(u)s") % {"u": unit.name},
        filename=f"bao-cao-dinh-ky-{unit.pk}",
        columns=columns,
        rows=rows,
        unit_path=unit.path,
    )


@exporter("reports.rollup")
def rollup(user, params: dict[str, str]) -> Sheet:
    unit = _unit(user, params)
    decision = can_view_rollup(user, unit)
    if not decision:
        raise ExportRefused(decision.reason)
    period = one_of(
        selectors.periods_covering(unit).exclude(cycle__status=CycleStatus.DRAFT),
        params.get("period", ""),
        _("Không có kỳ báo cáo này cho đơn vị."),
    )
    data = services.rollup(parent=unit, period=period)
    columns = [
        Column(_("Đơn vị trực thuộc"), lambda r: r[0].name, width=36),
        Column(_("Mã đơn vị"), lambda r: r[0].code, width=14),
        Column(
            _("Trạng thái"),
            lambda r: r[1].get_status_display() if r[1] else _("Chưa lập"),
            width=16,
        ),
        Column(_("Gửi lúc"), lambda r: r[1].submitted_at if r[1] else None, kind="datetime"),
        *[
            Column(label, lambda r, k=key: r[1].figures.get(k) if r[1] else None, kind="int")
            for key, label in services.FIGURE_LABELS.items()
        ],
    ]
    return Sheet(
        title=_("Tổng hợp %(p)s — %(u)s") % {"p": period.label, "u": unit.name},
        filename=f"tong-hop-bao-cao-{unit.pk}-{period.pk}",
        columns=columns,
        rows=data["rows"],
        unit_path=unit.path,
    )
