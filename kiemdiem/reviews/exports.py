"""The suggestion list and the commitment roster as Excel workbooks (same filters and scope as
their pages)."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.core.sheets import Column
from kiemdiem.reviews.models import SuggestionGround


def _grounds(suggestion) -> str:
    labels = dict(SuggestionGround.choices)
    return "; ".join(str(labels.get(g, g)) for g in suggestion.grounds)


SUGGESTIONS = [
    Column(_("Tập thể, cá nhân được gợi ý"), lambda s: s.subject_label, width=32),
    Column(_("Đơn vị"), lambda s: s.unit.name, width=32),
    Column(_("Đợt kiểm điểm"), lambda s: s.cycle.title, width=32),
    Column(_("Văn bản gợi ý"), lambda s: s.document_number, width=14),
    Column(_("Ngày văn bản"), lambda s: s.document_date, "date", 12),
    Column(_("Cấp gợi ý"), lambda s: s.issuing_unit.name, width=30),
    Column(_("Căn cứ"), _grounds, width=40),
    Column(_("Trạng thái"), lambda s: s.get_status_display(), width=12),
    Column(_("Hồ sơ đã thẩm định đạt"), lambda s: _("Có") if s.vetted else "", width=10),
    Column(_("Đã tổ chức hội nghị"), lambda s: _("Có") if s.held else "", width=10),
]

ROSTER = [
    Column(_("Đảng viên"), lambda p: p.full_name, width=30),
    Column(_("Số thẻ đảng viên"), lambda p: p.party_card_number or "", width=14),
    Column(_("Đã có bản cam kết"), lambda p: _("Có") if p.commitment_id else _("Chưa"), width=12),
]
