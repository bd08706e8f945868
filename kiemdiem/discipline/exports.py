"""The discipline list as an Excel workbook: the same filters and scope as the page."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.core.sheets import Column

CASES = [
    Column(_("Đối tượng"), lambda c: c.subject_label, width=30),
    Column(_("Tổ chức đảng hay đảng viên"), lambda c: c.get_subject_kind_display(), width=14),
    Column(
        _("Số thẻ đảng viên"),
        lambda c: c.person.party_card_number if c.person_id else "",
        width=14,
    ),
    Column(_("Nơi sinh hoạt, tổ chức đảng"), lambda c: c.unit.name, width=32),
    Column(_("Nội dung vi phạm"), lambda c: c.violation, width=50),
    Column(_("Ngày vi phạm"), lambda c: c.violation_on, "date", 12),
    Column(_("Lĩnh vực"), lambda c: c.get_violation_area_display(), width=24),
    Column(_("Cấp quyết định"), lambda c: c.deciding_unit.name, width=32),
    Column(_("Cơ quan quyết định"), lambda c: c.get_authority_display(), width=20),
    Column(_("Hình thức đã quyết định"), lambda c: c.get_form_display(), width=16),
    Column(_("Số quyết định"), lambda c: c.decision_number, width=16),
    Column(_("Ngày quyết định"), lambda c: c.decided_on, "date", 12),
    Column(_("Ngày có hiệu lực"), lambda c: c.effective_on, "date", 12),
    Column(_("Hình thức đang có hiệu lực"), lambda c: c.get_form_in_force_display(), width=16),
    Column(_("Trạng thái"), lambda c: c.get_status_display(), width=24),
]
