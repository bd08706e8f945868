"""The confidence lists as Excel workbooks: the same filters and scope as the pages."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.confidence.selectors import two_years_low
from kiemdiem.core.sheets import Column

POLLS = [
    Column(_("Hội nghị"), lambda p: p.title, width=50),
    Column(_("Cấp tổ chức lấy phiếu"), lambda p: p.body_unit.name, width=32),
    Column(_("Ngày lấy phiếu"), lambda p: p.held_on, "date", 12),
    Column(_("Số được triệu tập"), lambda p: p.convened_count, "int", 10),
    Column(_("Số có mặt"), lambda p: p.present_count, "int", 10),
    Column(_("Số cán bộ"), lambda p: p.n_results, "int", 10),
    Column(_("Trạng thái"), lambda p: p.get_status_display(), width=18),
]

RESULTS = [
    Column(_("Họ và tên"), lambda r: r.person.full_name, width=28),
    Column(_("Số thẻ đảng viên"), lambda r: r.person.party_card_number or "", width=14),
    Column(_("Chức danh"), lambda r: r.title, width=36),
    Column(_("Hội nghị"), lambda r: r.poll.title, width=40),
    Column(_("Cấp tổ chức lấy phiếu"), lambda r: r.poll.body_unit.name, width=30),
    Column(_("Ngày lấy phiếu"), lambda r: r.poll.held_on, "date", 12),
    Column(_("Không lấy phiếu vì"), lambda r: r.get_excluded_reason_display(), width=24),
    Column(_("Tín nhiệm cao"), lambda r: r.high_count, "int", 10),
    Column(_("Tín nhiệm"), lambda r: r.normal_count, "int", 10),
    Column(_("Tín nhiệm thấp"), lambda r: r.low_count, "int", 10),
    Column(_("Phiếu không hợp lệ"), lambda r: r.invalid_count, "int", 10),
    Column(_("Căn cứ tính tỉ lệ"), lambda r: r.base_count, "int", 10),
    Column(_("Hệ quả"), lambda r: r.get_low_flag_display(), width=40),
    Column(
        _("Hai năm liền tín nhiệm thấp"),
        lambda r: _("Có") if two_years_low(r) else "",
        width=12,
    ),
]
