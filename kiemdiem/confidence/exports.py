"""The confidence lists as Excel workbooks: the same filters and scope as the pages; each
person's result written into a workbook is recorded as read."""

from django.utils.translation import gettext as _

from kiemdiem.confidence import selectors
from kiemdiem.confidence.forms import polls_filtered, result_filter
from kiemdiem.core.audit import reads_recorded
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import Sheet, exporter, one_of
from kiemdiem.org.scoping import visible_units


def _check_unit(user, params: dict[str, str]) -> None:
    """A unit named by the filters must be in the user's scope (the page ignores one that is
    not; an export refuses it, as every export does)."""
    if params.get("don_vi"):
        one_of(
            visible_units(user),
            params["don_vi"],
            _("Không có đơn vị này trong phạm vi của đồng chí."),
        )


@exporter("confidence.polls")
def polls(user, params: dict[str, str]) -> Sheet:
    _check_unit(user, params)
    rows, unit, _year, _finalized = polls_filtered(user, params)
    columns = [
        Column(_("Hội nghị"), lambda p: p.title, width=50),
        Column(_("Cấp tổ chức lấy phiếu"), lambda p: p.body_unit.name, width=32),
        Column(_("Ngày lấy phiếu"), lambda p: p.held_on, kind="date", width=12),
        Column(_("Số được triệu tập"), lambda p: p.convened_count, kind="int", width=10),
        Column(_("Số có mặt"), lambda p: p.present_count, kind="int", width=10),
        Column(_("Số cán bộ"), lambda p: p.n_results, kind="int", width=10),
        Column(_("Trạng thái"), lambda p: p.get_status_display(), width=18),
    ]
    return Sheet(
        title=_("Lấy phiếu tín nhiệm"),
        filename="lay-phieu-tin-nhiem",
        columns=columns,
        rows=rows,
        unit_path=unit.path if unit else "",
    )


@exporter("confidence.results")
def results(user, params: dict[str, str]) -> Sheet:
    _check_unit(user, params)
    _form, f = result_filter(user, params)
    columns = [
        Column(_("Họ và tên"), lambda r: r.person.full_name, width=28),
        Column(_("Số thẻ đảng viên"), lambda r: r.person.party_card_number or "", width=14),
        Column(_("Chức danh"), lambda r: r.title, width=36),
        Column(_("Hội nghị"), lambda r: r.poll.title, width=40),
        Column(_("Cấp tổ chức lấy phiếu"), lambda r: r.poll.body_unit.name, width=30),
        Column(_("Ngày lấy phiếu"), lambda r: r.poll.held_on, kind="date", width=12),
        Column(_("Không lấy phiếu vì"), lambda r: r.get_excluded_reason_display(), width=24),
        Column(_("Tín nhiệm cao"), lambda r: r.high_count, kind="int", width=10),
        Column(_("Tín nhiệm"), lambda r: r.normal_count, kind="int", width=10),
        Column(_("Tín nhiệm thấp"), lambda r: r.low_count, kind="int", width=10),
        Column(_("Phiếu không hợp lệ"), lambda r: r.invalid_count, kind="int", width=10),
        Column(_("Căn cứ tính tỉ lệ"), lambda r: r.base_count, kind="int", width=10),
        Column(_("Hệ quả"), lambda r: r.get_low_flag_display(), width=40),
        Column(
            _("Hai năm liền tín nhiệm thấp"),
            lambda r: _("Có") if selectors.two_years_low(r) else "",
            width=12,
        ),
    ]
    return Sheet(
        title=_("Kết quả lấy phiếu tín nhiệm"),
        filename="ket-qua-lay-phieu",
        columns=columns,
        rows=reads_recorded(
            selectors.results_filtered(user, f),
            by=user,
            where=_("Xuất Excel kết quả lấy phiếu"),
            place=lambda r: (r.poll.body_unit.path, r.person_id),
        ),
        unit_path=f.unit.path if f.unit else "",
    )
