"""The classification lists that export to Excel: rounds, the ratings of a round (with the round
page's filters), the statistics tables (levels, downgrades, earlier years; the sub-units), the
list behind each number and the subjects at the lowest level two years running.

Each builder reads through the same selectors and scope as its page; a round or unit outside
the user's scope is refused with a Vietnamese message (the pages answer 404 for it).
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

import kiemdiem.classification.exports_cases  # noqa: F401 - registers the cases' lists
import kiemdiem.classification.exports_recheck  # noqa: F401 - registers the re-checks' lists
from kiemdiem.classification import rules, selectors, statistics
from kiemdiem.classification.models import RatingRound, RatingStatus, SubjectKind
from kiemdiem.classification.views_statistics import list_filters, round_and_unit
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of
from kiemdiem.org.models import Unit

OUTSIDE = _("Không có đợt đánh giá, xếp loại hoặc đơn vị này trong phạm vi của bạn.")


def _round_unit(user, params: dict[str, str]) -> tuple[RatingRound, Unit]:
    try:
        return round_and_unit(user, params)
    except Http404:
        raise ExportRefused(str(OUTSIDE)) from None


def _rating_columns() -> list[Column]:
    return [
        Column(_("Đối tượng được đánh giá"), lambda r: r.subject_label, width=30),
        Column(_("Loại đối tượng"), lambda r: r.get_subject_kind_display(), width=22),
        Column(_("Đơn vị"), lambda r: r.unit.name, width=32),
        Column(_("Năm"), lambda r: r.round.year, kind="int", width=8),
        Column(_("Tự xếp loại"), lambda r: r.self_short, width=10),
        Column(_("Thẩm định đề xuất"), lambda r: r.appraised_short, width=10),
        Column(_("Hạ mức khi thẩm định"), lambda r: _("Có") if r.downgraded else "", width=10),
        Column(_("Lý do thẩm định"), lambda r: r.appraisal_reasons, width=40),
        Column(_("Mức quyết định"), lambda r: r.decided_short, width=10),
        Column(_("Cấp quyết định"), lambda r: r.deciding_unit.name, width=30),
        Column(_("Số quyết định"), lambda r: r.decision_number, width=16),
        Column(_("Ngày quyết định"), lambda r: r.decided_on, kind="date", width=12),
        Column(_("Trạng thái"), lambda r: r.get_status_display(), width=20),
        Column(_("Ngày công khai"), lambda r: r.published_on, kind="date", width=12),
        Column(_("Quyết định hủy (Mẫu 03)"), lambda r: r.cancel_decision_number, width=16),
    ]


@exporter("classification.rounds")
def rounds(user, params: dict[str, str]) -> Sheet:
    return Sheet(
        title=_("Đợt đánh giá, xếp loại"),
        filename="dot-xep-loai",
        columns=[
            Column(_("Đợt"), lambda r: r.title, width=40),
            Column(_("Năm"), lambda r: r.year, kind="int", width=8),
            Column(_("Phạm vi"), lambda r: r.scope_unit.name, width=32),
            Column(_("Quy định áp dụng"), lambda r: r.get_scheme_display(), width=36),
            Column(_("Hạn hoàn thành"), lambda r: r.deadline, kind="date", width=12),
            Column(_("Trạng thái"), lambda r: r.get_status_display(), width=20),
        ],
        rows=selectors.rounds_for(user).order_by("-year", "scope_unit__path"),
    )


def round_ratings_filtered(user, round_: RatingRound, params: dict[str, str]):
    """The round page's list with its filters (đối tượng, trạng thái, mức)."""
    ratings = selectors.ratings_for(user).filter(round=round_)
    kind, status, level = (params.get(k, "") for k in ("doi_tuong", "trang_thai", "muc"))
    if kind in SubjectKind.values:
        ratings = ratings.filter(subject_kind=kind)
    if status in RatingStatus.values:
        ratings = ratings.filter(status=status)
    if level in rules.ALL_LEVELS:
        ratings = ratings.filter(decided_level=level, status__in=["decided", "published"])
    return ratings.order_by("unit__path", "subject_kind", "person__sort_key", "pk")


@exporter("classification.round-ratings")
def round_ratings(user, params: dict[str, str]) -> Sheet:
    round_ = one_of(selectors.rounds_for(user), params.get("dot", ""), str(OUTSIDE))
    return Sheet(
        title=_("Kết quả xếp loại"),
        filename=f"ket-qua-xep-loai-{round_.year}",
        columns=_rating_columns(),
        rows=round_ratings_filtered(user, round_, params),
        unit_path=round_.scope_unit.path,
    )


@dataclass
class Line:
    year: int
    scheme: str
    kind: str
    figure: str
    n: int
    share: float | None = None


@exporter("classification.statistics")
def statistics_table(user, params: dict[str, str]) -> Sheet:
    """The statistics page's tables as rows: per year (this one and the earlier ones, each under
    its scheme), kind of subject and level; the decided, open and exempt counts; the downgrades."""
    round_, unit = _round_unit(user, params)
    rounds_ = statistics.history(round_, unit)
    cells = statistics.figures_of(rounds_, unit)
    lines: list[Line] = []
    for r in rounds_:
        year = statistics.year_figures(r, cells[r.pk])
        title = year.rule_set.title
        for kf in year.kinds:
            for lv, n, share in kf.levels:
                lines.append(Line(r.year, title, kf.label, f"{lv.short} — {lv.label}", n, share))
            lines.append(Line(r.year, title, kf.label, _("Đã quyết định"), kf.decided))
            lines.append(Line(r.year, title, kf.label, _("Chưa quyết định"), kf.open))
            lines.append(Line(r.year, title, kf.label, _("Không xếp loại"), kf.exempt))
        for d in year.downgrades:
            kind = str(SubjectKind(d.kind).label)
            figure = _("Hạ mức khi thẩm định: %(a)s → %(b)s") % {
                "a": rules.short(d.down_from),
                "b": rules.short(d.down_to),
            }
            lines.append(Line(r.year, title, kind, figure, d.n))
    return Sheet(
        title=_("Thống kê xếp loại"),
        filename=f"thong-ke-xep-loai-{round_.year}",
        columns=[
            Column(_("Năm"), lambda x: x.year, kind="int", width=8),
            Column(_("Quy định"), lambda x: x.scheme, width=34),
            Column(_("Đối tượng"), lambda x: x.kind, width=26),
            Column(_("Chỉ tiêu"), lambda x: x.figure, width=40),
            Column(_("Số lượng"), lambda x: x.n, kind="int", width=10),
            Column(
                _("Tỉ lệ"),
                lambda x: None if x.share is None else x.share / 100,
                kind="percent",
                width=10,
            ),
        ],
        rows=lines,
        unit_path=unit.path,
    )


@exporter("classification.statistics-units")
def statistics_units(user, params: dict[str, str]) -> Sheet:
    """The page's table per direct sub-unit."""
    round_, unit = _round_unit(user, params)
    columns = [Column(_("Đơn vị"), lambda c: c["name"], width=36)]
    for kind, label in SubjectKind.choices:
        columns.append(
            Column(str(label), lambda c, k=kind: c["kinds"].get(k, 0), kind="int", width=14)
        )
    columns.append(Column(_("Mức thấp nhất"), lambda c: c["lowest"], kind="int", width=12))
    return Sheet(
        title=_("Theo đơn vị trực thuộc"),
        filename=f"thong-ke-xep-loai-don-vi-{round_.year}",
        columns=columns,
        rows=statistics.children_of(round_, unit),
        unit_path=unit.path,
    )


@exporter("classification.statistics-ratings")
def statistics_ratings(user, params: dict[str, str]) -> Sheet:
    """The list behind a number of the statistics."""
    round_, unit = _round_unit(user, params)
    filters = list_filters(params)
    return Sheet(
        title=_("Danh sách xếp loại"),
        filename=f"danh-sach-xep-loai-{round_.year}",
        columns=_rating_columns(),
        rows=statistics.filtered_ratings(user, round_, unit, **filters),
        unit_path=unit.path,
    )


@exporter("classification.lowest-two-years")
def lowest_two_years(user, params: dict[str, str]) -> Sheet:
    round_, unit = _round_unit(user, params)
    return Sheet(
        title=_("Hai năm liền KHTNV"),
        filename=f"hai-nam-lien-khong-hoan-thanh-{round_.year}",
        columns=_rating_columns(),
        rows=statistics.lowest_two_years(round_, unit),
        unit_path=unit.path,
    )
