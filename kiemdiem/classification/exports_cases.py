"""The lists of a round's cases that export to Excel: its peer groups (counts against the quota,
grants), the committees' scoring sheets with their criteria, a rating's quarterly results.
Same scope as the pages: a round or a rating the user cannot see is refused with a Vietnamese
message (the pages answer 404)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kiemdiem.classification import rules, selectors
from kiemdiem.classification.case_checks import quarters_of
from kiemdiem.classification.listing import group_rows, sheets_for
from kiemdiem.classification.models import PeerGroup, ScoringSheet
from kiemdiem.classification.terms import years_of
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import Sheet, exporter, one_of
from kiemdiem.org.scoping import access_for


@exporter("classification.round-groups")
def round_groups(user, params: dict[str, str]) -> Sheet:
    round_ = one_of(
        selectors.rounds_for(user),
        params.get("round", ""),
        _("Không có đợt đánh giá, xếp loại này trong phạm vi."),
    )
    groups = PeerGroup.objects.filter(round=round_).select_related("deciding_unit")
    if params.get("cua_toi"):  # the page's "only the groups my level decides"
        access = access_for(user)
        if not access.everything:
            groups = groups.filter(deciding_unit_id__in=sorted(access.recipient_unit_ids))
    groups = groups.order_by("deciding_unit__path", "subject_kind", "pk")
    return Sheet(
        title=_("Nhóm tương đồng"),
        filename=f"xep-loai-{round_.year}-nhom-tuong-dong",
        columns=[
            Column(_("Nhóm"), lambda r: r.group.name, width=40),
            Column(_("Đối tượng"), lambda r: r.group.get_subject_kind_display(), width=18),
            Column(_("Cấp quyết định"), lambda r: r.group.deciding_unit.name, width=36),
            Column(_("Số HTXSNV"), lambda r: r.tops, kind="int", width=10),
            Column(_("Số HTTNV"), lambda r: r.seconds, kind="int", width=10),
            Column(_("Tối đa HTXSNV"), lambda r: r.cap, kind="int", width=10),
            Column(_("Tỉ lệ (%)"), lambda r: r.percent, kind="int", width=8),
            Column(_("Vượt tỉ lệ"), lambda r: _("Có") if r.over else "", width=10),
            Column(
                _("Được nâng 25%"), lambda r: _("Có") if r.group.quota_granted else "", width=10
            ),
            Column(_("Lý do nâng tỉ lệ"), lambda r: r.group.grant_reason, width=40),
        ],
        rows=list(group_rows(round_, groups)),
        unit_path=round_.scope_unit.path,
    )


@dataclass
class _Criterion:
    sheet: ScoringSheet
    code: str
    label: str
    group: str
    max_points: Any


def _criteria(sheets) -> Iterator[_Criterion]:
    for sheet in sheets:
        for c in sheet.criteria or [{}]:  # a sheet without criteria still shows as a row
            group = c.get("group") or ""
            yield _Criterion(
                sheet,
                c.get("code") or "",
                c.get("label") or "",
                str(rules.GROUP_LABELS.get(group, group)),
                c.get("max_points"),
            )


@exporter("classification.sheets")
def sheets(user, params: dict[str, str]) -> Sheet:
    qs = sheets_for(user).order_by("unit__path", "scheme", "subject_kind", "-pk")
    return Sheet(
        title=_("Bảng điểm tiêu chí"),
        filename="bang-diem-tieu-chi",
        columns=[
            Column(_("Bảng điểm"), lambda c: c.sheet.title, width=36),
            Column(_("Cấp ủy ban hành"), lambda c: c.sheet.unit.name, width=32),
            Column(_("Quy định"), lambda c: c.sheet.get_scheme_display(), width=24),
            Column(_("Đối tượng"), lambda c: c.sheet.get_subject_kind_display(), width=18),
            Column(_("Mã tiêu chí"), lambda c: c.code, width=10),
            Column(_("Tiêu chí"), lambda c: c.label, width=48),
            Column(_("Nhóm tiêu chí"), lambda c: c.group, width=24),
            Column(_("Điểm tối đa"), lambda c: c.max_points, width=10),
        ],
        rows=list(_criteria(qs)),
    )


@exporter("classification.rating-quarters")
def rating_quarters(user, params: dict[str, str]) -> Sheet:
    rating = one_of(
        selectors.ratings_for(user),
        params.get("rating", ""),
        _("Không có kết quả đánh giá, xếp loại này trong phạm vi."),
    )
    return Sheet(
        title=_("Kết quả các quý"),
        filename=f"xep-loai-{rating.round.year}-quy-{rating.pk}",
        columns=[
            Column(_("Được đánh giá"), lambda q: rating.subject_label, width=32),
            Column(_("Năm"), lambda q: rating.round.year, kind="int", width=8),
            Column(_("Quý"), lambda q: q.quarter, kind="int", width=6),
            Column(_("Mức xếp loại quý"), lambda q: q.get_level_display(), width=28),
            Column(_("Điểm"), lambda q: q.total, width=8),
            Column(_("Nhận xét"), lambda q: q.note, width=40),
        ],
        rows=quarters_of(rating),
        unit_path=rating.unit.path,
    )


@exporter("classification.rating-term-years")
def rating_term_years(user, params: dict[str, str]) -> Sheet:
    """A term rating's annual results (QĐ 366), each under its own year's rulebook; a missing
    year with why."""
    rating = one_of(
        selectors.ratings_for(user),
        params.get("rating", ""),
        _("Không có kết quả đánh giá, xếp loại này trong phạm vi."),
    )
    return Sheet(
        title=_("Kết quả các năm"),
        filename=f"xep-loai-nhiem-ky-{rating.round.year}-{rating.pk}",
        columns=[
            Column(_("Được đánh giá"), lambda y: rating.subject_label, width=32),
            Column(_("Năm"), lambda y: y.year, kind="int", width=8),
            Column(_("Mức xếp loại năm"), lambda y: y.label or _("Thiếu kết quả"), width=36),
            Column(_("Quy định"), lambda y: y.scheme, width=30),
            Column(_("Ghi chú"), lambda y: y.missing, width=40),
        ],
        rows=years_of(rating),
        unit_path=rating.unit.path,
    )
