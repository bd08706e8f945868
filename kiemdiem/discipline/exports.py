"""The discipline list as an Excel workbook: the same filters and scope as the page; each case
written into the workbook is recorded as read."""

from django.utils.translation import gettext as _

from kiemdiem.core.audit import reads_recorded
from kiemdiem.core.xlsx import Column
from kiemdiem.discipline import selectors
from kiemdiem.discipline.forms import case_filter
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


@exporter("discipline.cases")
def cases(user, params: dict[str, str]) -> Sheet:
    _check_unit(user, params)
    _form, f = case_filter(user, params)
    rows = selectors.cases_filtered(user, f).select_related("person")
    columns = [
        Column(_("Đối tượng"), lambda c: c.subject_label, width=30),
        Column(_("Tổ chức đảng hay đảng viên"), lambda c: c.get_subject_kind_display(), width=14),
        Column(
            _("Số thẻ đảng viên"),
            lambda c: c.person.party_card_number if c.person_id else "",
            width=14,
        ),
        Column(_("Nơi sinh hoạt, tổ chức đảng"), lambda c: c.unit.name, width=32),
        Column(_("Nội dung vi phạm"), lambda c: c.violation, width=50),
        Column(_("Ngày vi phạm"), lambda c: c.violation_on, kind="date", width=12),
        Column(_("Lĩnh vực"), lambda c: c.get_violation_area_display(), width=24),
        Column(_("Cấp quyết định"), lambda c: c.deciding_unit.name, width=32),
        Column(_("Cơ quan quyết định"), lambda c: c.get_authority_display(), width=20),
        Column(_("Hình thức đã quyết định"), lambda c: c.get_form_display(), width=16),
        Column(_("Số quyết định"), lambda c: c.decision_number, width=16),
        Column(_("Ngày quyết định"), lambda c: c.decided_on, kind="date", width=12),
        Column(_("Ngày có hiệu lực"), lambda c: c.effective_on, kind="date", width=12),
        Column(_("Hình thức đang có hiệu lực"), lambda c: c.get_form_in_force_display(), width=16),
        Column(_("Trạng thái"), lambda c: c.get_status_display(), width=24),
    ]
    return Sheet(
        title=_("Kỷ luật đảng"),
        filename="ky-luat",
        columns=columns,
        rows=reads_recorded(
            rows,
            by=user,
            where=_("Xuất Excel danh sách kỷ luật"),
            place=lambda c: (c.unit.path, c.person_id),
        ),
        unit_path=f.unit.path if f.unit else "",
    )
