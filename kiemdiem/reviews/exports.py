"""The review lists that export to Excel: a cycle's reviews (with the page's filters) and the
shortcomings of one review. Read through the same selectors and scope as the pages."""

from django.utils.translation import gettext as _

from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import Sheet, exporter, one_of
from kiemdiem.reviews import selectors
from kiemdiem.reviews.models import Finding, Review


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
