"""The statistics the articles quote, for any subtree and year: discipline by form and subject
("45 cán bộ bị kỷ luật: 14 cảnh cáo, 31 cách chức"), confidence votes and their flags,
suggested reviews issued / vetted / held, commitments filed and kept.

Each number is counted over the very list it links to (the discipline and vote counts over the
records the user may read), so a click shows exactly the people counted.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from kiemdiem.confidence.selectors import confidence_stats
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.discipline.models import DisciplineForm, DisciplineStatus
from kiemdiem.discipline.selectors import DisciplineStats, discipline_stats
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, first_top_unit, visible_subtrees
from kiemdiem.org.selectors import unit_ancestors, unit_in_scope
from kiemdiem.reviews.models import SubjectKind
from kiemdiem.reviews.selectors import (
    commitment_stats,
    covering_paths,
    cycles_within,
    suggestion_stats,
)


@dataclass(frozen=True)
class Figure:
    """One number of the page, with the list it counts."""

    label: str
    value: int
    url: str


def _link(name: str, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse(name)}?{query}"


def discipline_sentence(stats: DisciplineStats, *, individuals: bool) -> str:
    """ "45 đảng viên bị kỷ luật: 14 cảnh cáo, 31 cách chức" (forms in order of severity)."""
    counts = stats.individuals if individuals else stats.collectives
    total = sum(counts.values())
    parts = [f"{n} {DisciplineForm(form).label.lower()}" for form, n in counts.items() if n]
    if individuals:
        head = ngettext("%(n)s đảng viên bị kỷ luật", "%(n)s đảng viên bị kỷ luật", total) % {
            "n": total
        }
    else:
        head = ngettext("%(n)s tổ chức đảng bị kỷ luật", "%(n)s tổ chức đảng bị kỷ luật", total) % {
            "n": total
        }
    return f"{head}: {', '.join(parts)}" if parts else head


def _unit_and_year(request: HttpRequest) -> tuple[Unit | None, int]:
    unit = unit_in_scope(request.user, request.GET.get("don_vi"))
    if unit is None:
        unit = first_top_unit(request.user)
    raw_year = request.GET.get("nam", "")
    today = timezone.localdate()
    year = (
        int(raw_year)
        if raw_year.isdigit() and 1945 <= int(raw_year) <= today.year + 1
        else (today.year)
    )
    return unit, year


# The years of the cycles the user may open (reviews.selectors.cycles_for's rule, over the
# user's subtrees) and a unit's children's keys and names (their links; model instances cost
# ~1 ms for a province's 200): compiled once (core.precompiled), not on each request.
_CYCLE_YEARS = Precompiled(
    lambda paths, covering: cycles_within(paths, covering).values_list("year", flat=True)
)
_CHILDREN = Precompiled(
    lambda parent_id: (
        Unit.objects.filter(parent_id=parent_id).order_by("name").values_list("pk", "name")[:200]
    )
)


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    """Statistics of discipline, confidence votes, suggestions and commitments."""
    user = request.user
    unit, year = _unit_and_year(request)
    access = access_for(user)
    ctx: dict = {"unit": unit, "year": year, "years": range(timezone.localdate().year, 2014, -1)}
    if unit is None:
        return render(request, "reports/records.html", ctx)
    where = {"don_vi": unit.pk, "nam": year}
    d = discipline_stats(user, unit, year)
    cases = "discipline:case-list"
    forms_of = {
        SubjectKind.INDIVIDUAL: [
            f for f in DisciplineForm.values if f != DisciplineForm.DISSOLUTION
        ],
        SubjectKind.COLLECTIVE: [
            DisciplineForm.REPRIMAND,
            DisciplineForm.WARNING,
            DisciplineForm.DISSOLUTION,
        ],
    }
    discipline_rows = []
    for kind, label in SubjectKind.choices:
        counts = d.individuals if kind == SubjectKind.INDIVIDUAL else d.collectives
        discipline_rows.append(
            {
                "label": _("Đảng viên") if kind == SubjectKind.INDIVIDUAL else _("Tổ chức đảng"),
                "total": Figure(
                    label, sum(counts.values()), _link(cases, doi_tuong=kind, **where, hieu_luc=1)
                ),
                "forms": [
                    Figure(
                        DisciplineForm(form).label,
                        counts[form],
                        _link(cases, doi_tuong=kind, hinh_thuc=form, **where),
                    )
                    for form in forms_of[kind]
                ],
            }
        )
    c = confidence_stats(user, unit, year)
    results = "confidence:result-list"
    s = suggestion_stats(user, unit, year)
    sugg = "reviews:suggestion-list"
    # Suggestions belong to a review cycle: with none for this year, point to the nearest year
    # that has one (a cycle for year Y runs at its end and into Y + 1).
    paths = visible_subtrees(access)
    cycle_years = set(_CYCLE_YEARS(paths, covering_paths(paths)))
    if cycle_years and year not in cycle_years:
        ctx["cycle_year"] = min(cycle_years, key=lambda y: (abs(y - year), -y))
    k = commitment_stats(unit, year) if access.leads(unit.path) else None
    roster = "reviews:commitment-list"
    ctx.update(
        {
            "ancestors": unit_ancestors(unit),
            # a province's ~200 children: (key, name) of their links, rendered by Jinja2
            "children": _CHILDREN(unit.pk),
            "sensitive": access.everything or bool(access.sensitive_paths),
            "sentence_people": discipline_sentence(d, individuals=True),
            "sentence_orgs": discipline_sentence(d, individuals=False),
            "forms_header": [DisciplineForm(f).label for f in forms_of[SubjectKind.INDIVIDUAL]],
            "discipline_rows": discipline_rows,
            "discipline_other": [
                Figure(
                    _("Đang xem xét, đề nghị kỷ luật"),
                    d.proposed,
                    _link(cases, don_vi=unit.pk, trang_thai=DisciplineStatus.PROPOSED),
                ),
                Figure(
                    _("Đang giải quyết khiếu nại"),
                    d.appealed,
                    _link(cases, trang_thai=DisciplineStatus.APPEALED, **where),
                ),
                Figure(
                    _("Quyết định bị xóa bỏ (kỷ luật oan, sai)"),
                    d.annulled,
                    _link(cases, trang_thai=DisciplineStatus.ANNULLED, **where),
                ),
            ],
            "confidence": [
                Figure(
                    _("Hội nghị lấy phiếu đã chốt"),
                    c.polls,
                    _link("confidence:poll-list", chot=1, **where),
                ),
                Figure(
                    _("Cán bộ được lấy phiếu"),
                    c.polled,
                    _link(results, loai="lay-phieu", chot=1, **where),
                ),
                Figure(
                    _("Không lấy phiếu (nghỉ hưu, mới bổ nhiệm)"),
                    c.excluded,
                    _link(results, loai="khong", chot=1, **where),
                ),
                Figure(
                    _("Trên 1/2 đến dưới 2/3 tín nhiệm thấp"),
                    c.planning,
                    _link(results, co="planning", chot=1, **where),
                ),
                Figure(
                    _("Từ 2/3 tín nhiệm thấp trở lên"),
                    c.dismissal,
                    _link(results, co="dismissal", chot=1, **where),
                ),
                Figure(
                    _("Hai năm liền tín nhiệm thấp"),
                    c.two_years,
                    _link(results, co="two_years", chot=1, **where),
                ),
            ],
            "suggestions": [
                Figure(
                    _("Gợi ý kiểm điểm"), s["issued"], _link(sugg, trang_thai="issued", **where)
                ),
                Figure(
                    _("Hồ sơ đã thẩm định đạt"),
                    s["vetted"],
                    _link(sugg, trang_thai="issued", giai_doan="vetted", **where),
                ),
                Figure(
                    _("Đã tổ chức hội nghị"),
                    s["held"],
                    _link(sugg, trang_thai="issued", giai_doan="held", **where),
                ),
            ],
            # the roster is the unit's leaders' (as its page and export): others see no count
            "commitments": (
                [
                    Figure(_("Đảng viên"), k["members"], _link(roster, **where)),
                    Figure(
                        _("Đã có bản cam kết"),
                        k["filed"],
                        _link(roster, tinh_trang="da-co", **where),
                    ),
                    Figure(
                        _("Chưa có bản cam kết"),
                        k["missing"],
                        _link(roster, tinh_trang="chua-co", **where),
                    ),
                    Figure(
                        _("Thực hiện tốt mọi nội dung cam kết"),
                        k["kept"],
                        _link(roster, tinh_trang="hoan-thanh", **where),
                    ),
                    Figure(
                        _("Có nội dung thực hiện một phần hoặc chưa thực hiện"),
                        k["short"],
                        _link(roster, tinh_trang="chua-dat", **where),
                    ),
                    Figure(
                        _("Chưa tự đánh giá hết các nội dung"),
                        k["unassessed"],
                        _link(roster, tinh_trang="chua-danh-gia", **where),
                    ),
                ]
                if k is not None
                else None
            ),
        }
    )
    return render(request, "reports/records.html", ctx)
