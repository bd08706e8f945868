"""The review lists that export to Excel: a cycle's reviews (with the page's filters), the
shortcomings of one review, the suggested reviews and a unit's commitment roster. Read through
the same selectors and scope as the pages."""

from django.utils.translation import gettext as _

from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of
from kiemdiem.org.scoping import access_for, first_top_unit, visible_units
from kiemdiem.org.selectors import unit_in_scope
from kiemdiem.reviews import selectors
from kiemdiem.reviews.forms import suggestion_filter
from kiemdiem.reviews.models import Finding, Review, SuggestionGround


@exporter("reviews.cycle-reviews")
def cycle_reviews(user, params: dict[str, str]) -> Sheet:
    cycle = one_of(
        selectors.cycles_for(user),
        params.get("cycle", ""),
        _("Không có đợt kiểm điểm này trong phạm vi của đồng chí."),
    )
    rows = selectors.cycle_reviews(
        cycle, user, subject=params.get("doi_tuong", ""), status=params.get("trang_thai", "")
    )
    columns = [
        Column(_("Đối tượng"), lambda r: r.subject_label, width=36),
        Column(_("Loại"), lambda r: r.get_subject_kind_display(), width=12),
        Column(_("Đơn vị"), lambda r: r.unit.name, width=36),
        Column(_("Mã đơn vị"), lambda r: r.unit.code, width=14),
        Column(_("Trạng thái"), lambda r: r.get_status_display(), width=24),
        Column(_("Gửi lúc"), lambda r: r.submitted_at, kind="datetime", width=17),
    ]
    return Sheet(
        title=_("Bản kiểm điểm — %(c)s") % {"c": cycle.title},
        filename=f"ban-kiem-diem-dot-{cycle.pk}",
        columns=columns,
        rows=rows,
    )


@exporter("reviews.findings")
def review_findings(user, params: dict[str, str]) -> Sheet:
    review = one_of(
        Review.objects.visible_to(user).select_related("unit", "person"),
        params.get("review", ""),
        _("Không có bản kiểm điểm này trong phạm vi của đồng chí."),
    )
    columns = [
        Column(_("Hạn chế, khuyết điểm"), lambda f: f.text, width=60),
        Column(_("Lĩnh vực"), lambda f: f.get_area_display(), width=24),
        Column(_("Mức độ"), lambda f: f.get_severity_display(), width=14),
        Column(_("Nguồn"), lambda f: f.get_source_display(), width=20),
        Column(_("Nguyên nhân"), lambda f: f.get_cause_kind_display(), width=16),
        Column(_("Tình trạng"), lambda f: f.get_status_display(), width=18),
        Column(_("Khắc phục xong lúc"), lambda f: f.resolved_at, kind="datetime", width=17),
    ]
    return Sheet(
        title=_("Hạn chế, khuyết điểm — %(s)s") % {"s": review.subject_label},
        filename=f"han-che-khuyet-diem-{review.pk}",
        columns=columns,
        rows=Finding.objects.filter(review=review).order_by("pk"),
        unit_path=review.unit.path,
    )


def _grounds(suggestion) -> str:
    labels = dict(SuggestionGround.choices)
    return "; ".join(str(labels.get(g, g)) for g in suggestion.grounds)


@exporter("reviews.suggestions")
def suggestions(user, params: dict[str, str]) -> Sheet:
    if params.get("don_vi"):
        one_of(visible_units(user), params["don_vi"], _("Không có đơn vị này trong phạm vi."))
    f = suggestion_filter(user, params)
    columns = [
        Column(_("Tập thể, cá nhân được gợi ý"), lambda s: s.subject_label, width=32),
        Column(_("Đơn vị"), lambda s: s.unit.name, width=32),
        Column(_("Đợt kiểm điểm"), lambda s: s.cycle.title, width=32),
        Column(_("Văn bản gợi ý"), lambda s: s.document_number, width=14),
        Column(_("Ngày văn bản"), lambda s: s.document_date, kind="date", width=12),
        Column(_("Cấp gợi ý"), lambda s: s.issuing_unit.name, width=30),
        Column(_("Căn cứ"), _grounds, width=40),
        Column(_("Trạng thái"), lambda s: s.get_status_display(), width=12),
        Column(_("Hồ sơ đã thẩm định đạt"), lambda s: _("Có") if s.vetted else "", width=10),
        Column(_("Đã tổ chức hội nghị"), lambda s: _("Có") if s.held else "", width=10),
    ]
    return Sheet(
        title=_("Gợi ý kiểm điểm"),
        filename="goi-y-kiem-diem",
        columns=columns,
        rows=selectors.suggestions_filtered(user, f),
        unit_path=f.unit.path if f.unit else "",
    )


@exporter("reviews.commitments")
def commitment_roster(user, params: dict[str, str]) -> Sheet:
    if params.get("don_vi"):
        one_of(visible_units(user), params["don_vi"], _("Không có đơn vị này trong phạm vi."))
    unit = unit_in_scope(user, params.get("don_vi")) or first_top_unit(user)
    year = str(params.get("nam", ""))
    if unit is None or not year.isdigit() or len(year) != 4:
        raise ExportRefused(_("Hãy chọn đơn vị và năm của danh sách cam kết."))
    if not access_for(user).leads(unit.path):  # as the page: the roster is the leaders'
        raise ExportRefused(
            _("Danh sách cam kết của %(u)s dành cho lãnh đạo đơn vị.") % {"u": unit}
        )
    columns = [
        Column(_("Đảng viên"), lambda p: p.full_name, width=30),
        Column(_("Số thẻ đảng viên"), lambda p: p.party_card_number or "", width=14),
        Column(
            _("Đã có bản cam kết"), lambda p: _("Có") if p.commitment_id else _("Chưa"), width=12
        ),
    ]
    return Sheet(
        title=_("Bản cam kết năm %(y)s — %(u)s") % {"y": year, "u": unit.name},
        filename=f"ban-cam-ket-{year}",
        columns=columns,
        rows=selectors.commitment_roster(unit, int(year), state=params.get("tinh_trang", "")),
        unit_path=unit.path,
    )
