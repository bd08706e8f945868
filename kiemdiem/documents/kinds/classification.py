"""Documents of the yearly quality classification (rules.md §1.8–1.10, §10):

- the decision recognizing a round's results (QĐ), issued by the committee of the round's scope
  for the subjects it decides;
- the decision to re-rate (Mẫu 03, QĐ), issued by the committee that cancelled a result;
- the checklist of the round's records (Mẫu 04), sent up before 01/02;
- the statistics tables of the round (BC), the DOCX twin of the statistics page's XLSX export
  (`classification.statistics`).

A kind takes one object. The round (`RatingRound`) is the object of the three round documents and
its scope unit their issuing body: a round is opened by the committee that runs the year over its
subtree (its office manages the round), and that committee decides the subjects directly under it,
keeps the records and reports the figures. A committee deciding inside a wider round (a commune
in a province's round) gets no results decision of its own from this kind: that would need a
(round, deciding unit) object. The re-rating decision's object is the cancelled rating (it
carries the Mẫu 03 number, the date and the cancelling committee; the reason is in its history).
Several kinds share the round: each keeps its own entry in the register (`source_of` names the
kind).
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from kiemdiem.classification import rules, statistics
from kiemdiem.classification.models import (
    STANDING_COMMITTEE_KINDS,
    Rating,
    RatingRound,
    RatingStatus,
    SubjectKind,
)
from kiemdiem.classification.states import DONE
from kiemdiem.core.dates import vn_date
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import Actor, Decision, deny
from kiemdiem.documents.kinds.base import Kind, committee_authority, register
from kiemdiem.documents.numbering import committee_name
from kiemdiem.documents.template_default import CENTER, LEFT, Page
from kiemdiem.org.models import Unit, UnitKind
from kiemdiem.org.scoping import access_for, paths_q
from kiemdiem.reviews.models import (
    CycleKind,
    Review,
    ReviewMeeting,
    ReviewStatus,
    ReviewSuggestion,
)
from kiemdiem.reviews.models import SubjectKind as ReviewSubject

KIND_ORDER = {code: i for i, code in enumerate(SubjectKind.values)}
HD43 = "Hướng dẫn số 43-HD/BTCTW của Ban Tổ chức Trung ương"


@dataclass(frozen=True)
class ClassificationKind(Kind):
    def source_of(self, obj: Any) -> str:
        """The round carries three kinds: the register's entry names the kind."""
        return f"{obj._meta.label_lower}:{obj.pk}:{self.code}"[:80]


# --- shared -----------------------------------------------------------------------------------


def _rounds(user: Actor) -> QuerySet[RatingRound]:
    """Rounds whose whole scope the user manages (the readers of its statistics, QĐ 366 Art. 15:
    `statistics.may_see`): anyone else gets 404."""
    qs = RatingRound.objects.select_related("scope_unit", "scope_unit__parent")
    access = access_for(user)
    if access.everything:
        return qs
    return qs.filter(paths_q(access.audit_paths, "scope_unit__path"))


def _body_name(unit: Unit) -> str:
    """The collective that decides and signs: "Ban Thường vụ Đảng ủy xã …", "Chi bộ …"."""
    if unit.kind in STANDING_COMMITTEE_KINDS:
        return f"Ban Thường vụ {committee_name(unit)}"
    if unit.kind in (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.PARTIAL_COMMITTEE):
        return f"Ban Chấp hành {unit.name}"
    return unit.name


def _level_label(round_: RatingRound, kind: str, code: str) -> str:
    level = round_.rules.level(kind, code) or rules.ALL_LEVELS.get(code)
    return str(level.label) if level else code


def _superior(unit: Unit) -> list[str]:
    """Whom the results are reported to: the committee above, the Central Organization Board for
    a province (it consolidates the provinces' results, rules.md §1.9)."""
    if unit.parent is None or unit.parent.kind == UnitKind.CENTRAL_COMMITTEE:
        return ["Ban Tổ chức Trung ương (báo cáo)"]
    return [f"Ban Thường vụ {committee_name(unit.parent)} (báo cáo)"]


# The rulebook and its guidance a year was rated under (rules.md §0; dates as rules.md gives them).
BASES = {
    "qd366_2025": (
        "Quy định số 366-QĐ/TW ngày 30/8/2025 của Bộ Chính trị",
        "Hướng dẫn số 43-HD/BTCTW của Ban Tổ chức Trung ương",
    ),
    "qd124_2023": (
        "Quy định số 124-QĐ/TW ngày 04/10/2023 của Bộ Chính trị",
        "Hướng dẫn số 25-HD/BTCTW của Ban Tổ chức Trung ương",
    ),
    "qd132_2018": (
        "Quy định số 132-QĐ/TW ngày 08/3/2018 của Bộ Chính trị",
        "Hướng dẫn số 21-HD/BTCTW ngày 18/10/2019 của Ban Tổ chức Trung ương",
    ),
}
ABOUT = "về kiểm điểm và đánh giá, xếp loại chất lượng hằng năm"


def _bases(round_: RatingRound) -> list[str]:
    rule, guide = BASES.get(round_.scheme, ("", ""))
    if not rule:  # 2014: Hướng dẫn 27 alone
        return [f"Căn cứ {round_.rules.source} {ABOUT};"]
    return [f"Căn cứ {rule} {ABOUT};", f"Căn cứ {guide} {ABOUT};"]


# --- 1. the decision recognizing the results (QĐ) ---------------------------------------------


def _decided(round_: RatingRound) -> list[Rating]:
    ratings = (
        Rating.objects.filter(
            round=round_, deciding_unit=round_.scope_unit, status__in=sorted(DONE)
        )
        .select_related("unit", "unit__parent", "person", "peer_group")
        .order_by("unit__path", "person__sort_key", "pk")
    )
    return sorted(ratings, key=lambda r: KIND_ORDER.get(r.subject_kind, 9))


def _quota_lines(round_: RatingRound, ratings: list[Rating]) -> list[str]:
    """The HTXSNV quota of each peer group (QĐ 366 Art. 11.1.5) over the decided levels."""
    r = round_.rules
    if r.quota_ratio is None:
        return []
    counts: dict[int, Counter] = {}
    groups = {}
    for rating in ratings:
        group = rating.peer_group
        if group is None:
            continue
        groups[group.pk] = group
        counts.setdefault(group.pk, Counter())[rating.decided_level] += 1
    lines = []
    for pk, group in sorted(groups.items(), key=lambda item: item[1].name):
        top, second = r.top(group.subject_kind), r.second(group.subject_kind)
        tops, seconds = counts[pk][top.code], counts[pk][second.code]
        granted = group.quota_granted and r.quota_ratio_granted is not None
        ratio = r.quota_ratio_granted if granted and r.quota_ratio_granted else r.quota_ratio
        cap = rules.quota_cap(seconds, ratio, round_.quota_rounding)
        verdict = "trong tỉ lệ cho phép" if tops <= cap else "VƯỢT tỉ lệ cho phép"
        lines.append(
            f"Nhóm “{group.name}”: {tops} {top.short} trên {seconds} {second.short}, "
            f"tối đa {cap} ({int(ratio * 100)}% số {second.short}"
            f"{', được nâng tỉ lệ' if granted else ''}) — {verdict}."
        )
    return lines


def _results_context(round_: RatingRound, day: datetime.date) -> dict[str, Any]:
    unit = round_.scope_unit
    body = _body_name(unit)
    ratings = _decided(round_)
    levels = list(round_.rules.levels)
    kinds: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for code, label in SubjectKind.choices:
        mine = [r for r in ratings if r.subject_kind == code]
        if not mine:
            continue
        per_level = Counter(r.decided_level for r in mine)
        kinds.append(
            {
                "heading": f"{len(kinds) + 1}. {label} ({len(mine)})",
                "rows": [
                    {
                        "n": i,
                        "name": r.subject_label,
                        # a member's cell; the committee an organization belongs to
                        "unit": r.unit.name
                        if r.person_id or r.unit.parent is None
                        else r.unit.parent.name,
                        "level": _level_label(round_, code, r.decided_level),
                        "decision": " ".join(
                            x for x in (r.decision_number, vn_date(r.decided_on)) if x
                        ),
                    }
                    for i, r in enumerate(mine, start=1)
                ],
            }
        )
        counts.append(
            {
                "label": str(label),
                "c": [per_level.get(lv.code, 0) for lv in levels],
                "total": len(mine),
            }
        )
    period = round_.period_label
    return {
        "doc_type_name": "Quyết định",
        "summary": f"công nhận kết quả đánh giá, xếp loại chất lượng {period}",
        "bases": [
            *_bases(round_),
            "Xét kết quả tự đánh giá, xếp loại và đề xuất của cơ quan thẩm định,",
        ],
        "deciding_body": body.upper(),
        "article1": (
            f"Điều 1. Công nhận kết quả đánh giá, xếp loại chất lượng {period} của "
            f"{len(ratings)} tổ chức, tập thể và cá nhân do {body} quyết định, như sau:"
            if ratings
            else f"Điều 1. Chưa có tổ chức, tập thể, cá nhân nào do {body} quyết định mức xếp "
            f"loại trong {round_.title}."
        ),
        "levels": [lv.short for lv in levels],
        "counts": counts,
        "kinds": kinds,
        "quota_title": f"Tỉ lệ {levels[0].short} ({round_.rules.quota_source}):",
        "quotas": _quota_lines(round_, ratings),
        "article2": (
            "Điều 2. Kết quả đánh giá, xếp loại được thông báo đến tổ chức, tập thể, cá nhân "
            "được đánh giá và cấp trực tiếp quản lý, được công khai theo quy định; là căn cứ để "
            "khắc phục hạn chế, khuyết điểm, thực hiện công tác cán bộ và khen thưởng."
        ),
        "article3": (
            f"Điều 3. Văn phòng, Ban Tổ chức {committee_name(unit)}, các tổ chức đảng và tập "
            "thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này."
        ),
        "authority": committee_authority(unit),
        "recipients": [*_superior(unit), "Như Điều 3"],
    }


def _per_level(values: str) -> tuple[str, ...]:
    """A table's four cells, one per level: "{{ values[0] }}" … "{{ values[3] }}"."""
    return tuple(f"{{{{ {values}[{i}] }}}}" for i in range(4))


def _results_body(page: Page) -> None:
    page.each("b in bases", "{{ b }}", italic=True)
    page.text("{{ deciding_body }}", align=CENTER, indent=False, bold=True)
    page.text("QUYẾT ĐỊNH:", align=CENTER, indent=False, bold=True)
    page.text("{{ article1 }}")

    def counts() -> None:
        page.table(
            (
                "Đối tượng",
                *_per_level("levels"),
                "Cộng",
            ),
            (
                "{{ k.label }}",
                *_per_level("k.c"),
                "{{ k.total }}",
            ),
            (45, 24, 24, 24, 24, 24),
            loop="k in counts",
            size=12,
        )

    page.when("counts", counts)
    page.text("{%p for k in kinds %}", align=LEFT, indent=False)
    page.heading("{{ k.heading }}")
    page.table(
        ("TT", "Tên tổ chức, tập thể, cá nhân", "Thuộc", "Mức xếp loại", "Quyết định"),
        ("{{ r.n }}", "{{ r.name }}", "{{ r.unit }}", "{{ r.level }}", "{{ r.decision }}"),
        (11, 46, 40, 40, 28),
        loop="r in k.rows",
    )
    page.text("{%p endfor %}", align=LEFT, indent=False)

    def quotas() -> None:
        page.heading("{{ quota_title }}")
        page.each("q in quotas", "- {{ q }}")

    page.when("quotas", quotas)
    page.text("{{ article2 }}")
    page.text("{{ article3 }}")


RESULTS = register(
    ClassificationKind(
        code="ket-qua-xep-loai",
        label="Quyết định công nhận kết quả đánh giá, xếp loại chất lượng",
        # A decision (QĐ): the competent level decides (QĐ 366 Art. 12 step 3, rules.md §1.8) and
        # each rating records the number of the decision that decided it (`decision_number`).
        # The results are then notified and made public (Art. 15): the notice is not a separate
        # kind. The seeds quote no results document (seed 003 names only the appraisal team).
        doc_type="QĐ",
        objects=_rounds,
        unit_of=lambda round_: round_.scope_unit,
        unit_field="scope_unit",  # a subtree's bundle: the rounds over its units
        context=_results_context,
        body=_results_body,
        title_of=lambda round_: f"Công nhận kết quả xếp loại — {round_.title}",
        sample={
            "bases": ["Căn cứ …;"],
            "deciding_body": "BAN THƯỜNG VỤ …",
            "article1": "Điều 1. …",
            "levels": ["HTXSNV", "HTTNV", "HTNV", "KHTNV"],
            "counts": [{"label": "Đảng viên", "c": [1, 2, 3, 0], "total": 6}],
            "kinds": [
                {
                    "heading": "1. Đảng viên (1)",
                    "rows": [{"n": 1, "name": "…", "unit": "…", "level": "…", "decision": "…"}],
                }
            ],
            "quota_title": "Tỉ lệ HTXSNV (…):",
            "quotas": ["…"],
            "article2": "Điều 2. …",
            "article3": "Điều 3. …",
        },
    )
)


# --- 2. the decision to re-rate (Mẫu 03) ------------------------------------------------------


def _cancelled(user: Actor) -> QuerySet[Rating]:
    return (
        Rating.objects.visible_to(user)
        .filter(status=RatingStatus.CANCELLED)
        .select_related(
            "round",
            "unit",
            "person",
            "deciding_unit",
            "deciding_unit__parent",  # the canceller when none was recorded (_canceller)
            "cancelled_by_unit",
            "cancelled_by_unit__parent",
        )
    )


def _canceller(rating: Rating) -> Unit:
    return rating.cancelled_by_unit or rating.deciding_unit.parent or rating.deciding_unit


def _cancel_reason(rating: Rating) -> str:
    """The reason given when the result was cancelled (kept in the rating's history)."""
    return (
        AuditEvent.objects.filter(
            object_type=rating._meta.label_lower,
            object_id=str(rating.pk),
            changes__has_key="cancel_decision_number",
        )
        .order_by("-at")
        .values_list("reason", flat=True)
        .first()
        or ""
    )


def _rerating(rating: Rating) -> Rating | None:
    return (
        Rating.objects.filter(rerating_of=rating).select_related("deciding_unit").first()
        if rating.pk
        else None
    )


def _rerate_context(rating: Rating, day: datetime.date) -> dict[str, Any]:
    round_ = rating.round
    unit = _canceller(rating)
    kind = SubjectKind(rating.subject_kind)
    noun = str(statistics.NOUNS[kind])
    subject = rating.subject_label
    if rating.person_id:
        subject = f"đồng chí {subject} ({rating.unit.name})"
    decider = _body_name(rating.deciding_unit)
    old = _level_label(round_, rating.subject_kind, rating.decided_level)
    old_decision = " ".join(
        x
        for x in (
            f"số {rating.decision_number}" if rating.decision_number else "",
            f"ngày {vn_date(rating.decided_on)}" if rating.decided_on else "",
        )
        if x
    )
    new = _rerating(rating)
    if new is not None and new.status in DONE:
        level = _level_label(round_, new.subject_kind, new.decided_level)
        outcome = (
            f"Kết quả đánh giá, xếp loại lại: {level} ({decider} quyết định"
            + (f" số {new.decision_number}" if new.decision_number else "")
            + (f" ngày {vn_date(new.decided_on)}" if new.decided_on else "")
            + ")."
        )
    elif new is not None:
        outcome = (
            "Kết quả đánh giá, xếp loại lại: chưa quyết định "
            f"({RatingStatus(new.status).label.lower()})."
        )
    else:
        outcome = "Kết quả đánh giá, xếp loại lại: chưa quyết định."
    reason = _cancel_reason(rating)
    return {
        "doc_type_name": "Quyết định",
        "summary": f"về việc đánh giá, xếp loại lại chất lượng {noun} {round_.period_label}",
        "number_symbol": rating.cancel_decision_number or "",
        "bases": [
            *_bases(round_),
            "Căn cứ thẩm quyền của cấp ủy cấp trên trực tiếp của cấp quyết định xếp loại;",
            "Xét đề nghị của cơ quan tham mưu và lý do nêu tại Điều 1,",
        ],
        "deciding_body": _body_name(unit).upper(),
        "article1": (
            f"Điều 1. Hủy kết quả đánh giá, xếp loại chất lượng {round_.period_label} của "
            f"{subject}: mức “{old}” do {decider} quyết định"
            + (f" ({old_decision})" if old_decision else "")
            + "."
        ),
        "reason": f"Lý do: {reason}" if reason else "Lý do: (chưa ghi).",
        "article2": (
            f"Điều 2. {decider} tổ chức đánh giá, xếp loại lại chất lượng {round_.period_label} "
            f"của {subject} theo đúng quy định và báo cáo kết quả về {_body_name(unit)}."
        ),
        "outcome": outcome,
        "article3": (
            f"Điều 3. {decider}, các tổ chức, cá nhân có liên quan và {subject} chịu trách nhiệm "
            "thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký."
        ),
        "authority": committee_authority(unit),
        "recipients": [_body_name(rating.deciding_unit), "Như Điều 3"],
    }


def _rerate_body(page: Page) -> None:
    page.each("b in bases", "{{ b }}", italic=True)
    page.text("{{ deciding_body }}", align=CENTER, indent=False, bold=True)
    page.text("QUYẾT ĐỊNH:", align=CENTER, indent=False, bold=True)
    page.text("{{ article1 }}")
    page.text("{{ reason }}")
    page.text("{{ article2 }}")
    page.text("{{ outcome }}", italic=True)
    page.text("{{ article3 }}")


def _may_issue_rerate(user: Actor, rating: Rating) -> Decision:
    """The decision took its number when the cancel was recorded: never a second one."""
    return deny(
        f"Quyết định đánh giá, xếp loại lại đã có số {rating.cancel_decision_number} khi ghi "
        "nhận hủy kết quả; văn phòng vào sổ văn bản đi số đó (văn bản làm ngoài hệ thống)."
    )


RERATE = register(
    ClassificationKind(
        code="xep-loai-lai",
        label="Quyết định đánh giá, xếp loại lại (Mẫu 03)",
        doc_type="QĐ",
        objects=_cancelled,
        unit_of=_canceller,
        unit_field="cancelled_by_unit",  # a subtree's bundle: the decisions its committees made
        context=_rerate_context,
        body=_rerate_body,
        title_of=lambda rating: f"Đánh giá, xếp loại lại — {rating.subject_label}",
        signers=None,
        may_issue=_may_issue_rerate,
        form_code="Mẫu 03-HD KĐ.ĐG 2025",
        sample={
            "bases": ["Căn cứ …;"],
            "deciding_body": "BAN THƯỜNG VỤ …",
            "article1": "Điều 1. …",
            "reason": "Lý do: …",
            "article2": "Điều 2. …",
            "outcome": "…",
            "article3": "Điều 3. …",
        },
    )
)


# --- 3. the records checklist (Mẫu 04) --------------------------------------------------------


def _review_counts(round_: RatingRound) -> Counter:
    """Reviews of the round's year (annual cycles) in the scope's subtree, by kind and status."""
    rows = (
        Review.objects.filter(
            cycle__year=round_.year,
            cycle__kind=CycleKind.ANNUAL,
            unit__path__startswith=round_.scope_unit.path,
        )
        .order_by()
        .values_list("subject_kind", "status")
        .annotate(n=Count("pk"))
    )
    return Counter({(kind, status): n for kind, status, n in rows})


def _of_total(
    done: int, total: int, what: str, pending: str = "chưa hoàn chỉnh"
) -> tuple[str, str]:
    if not total:
        return "Chưa có", f"Chưa có {what} trong hệ thống"
    missing = total - done
    return f"{done}/{total}", ("Đủ" if not missing else f"Còn {missing} {pending}")


def _checklist_context(round_: RatingRound, day: datetime.date) -> dict[str, Any]:
    unit = round_.scope_unit
    reviews = _review_counts(round_)
    in_cycle = {
        "cycle__year": round_.year,
        "cycle__kind": CycleKind.ANNUAL,
        "unit__path__startswith": unit.path,
    }
    meetings = ReviewMeeting.objects.filter(**in_cycle).count()
    suggestions = ReviewSuggestion.objects.filter(**in_cycle).count()
    by_status = (
        Rating.objects.filter(round=round_).order_by().values_list("status").annotate(n=Count("pk"))
    )
    statuses = Counter(dict(by_status))
    rated = sum(
        n for s, n in statuses.items() if s not in (RatingStatus.CANCELLED, RatingStatus.EXEMPT)
    )
    decided = sum(statuses[s] for s in DONE)
    appraised = decided + statuses[RatingStatus.APPRAISED]
    cancelled = statuses[RatingStatus.CANCELLED]
    complaints = Rating.objects.filter(round=round_).exclude(complaints="")
    n_complaints = complaints.count()
    n_verified = complaints.exclude(verification="").count()

    def review_row(kind: str, what: str) -> tuple[str, str]:
        total = sum(n for (k, _s), n in reviews.items() if k == kind)
        return _of_total(reviews[(kind, ReviewStatus.FINALIZED)], total, what)

    collective = review_row(ReviewSubject.COLLECTIVE, "báo cáo")
    individual = review_row(ReviewSubject.INDIVIDUAL, "bản kiểm điểm")
    outside = ("Không theo dõi", "Lưu tại đơn vị")
    items = [
        ("Báo cáo kiểm điểm của tập thể (Mẫu 01)", *collective),
        ("Bản kiểm điểm, tự đánh giá, xếp loại của cá nhân (Mẫu 2A, 2B, 2C)", *individual),
        ("Nhận xét của chi ủy nơi cư trú đối với đảng viên", *outside),
        ("Biên bản hội nghị kiểm điểm", str(meetings) if meetings else "Chưa có", ""),
        (
            "Văn bản gợi ý kiểm điểm của cấp trên",
            str(suggestions) if suggestions else "Không có",
            "Nếu có",
        ),
        ("Ý kiến của các cơ quan có liên quan", *outside),
        (
            "Tổng hợp kết quả thẩm định, đề xuất mức xếp loại",
            *_of_total(appraised, rated, "đối tượng", "chưa thẩm định"),
        ),
        (
            "Kết luận, quyết định xếp loại của cấp có thẩm quyền",
            *_of_total(decided, rated, "đối tượng", "chưa quyết định"),
        ),
        (
            "Quyết định đánh giá, xếp loại lại (Mẫu 03)",
            str(cancelled) if cancelled else "Không có",
            "Nếu có",
        ),
        (
            "Hồ sơ đơn thư, phản ánh và kết quả kiểm tra, xác minh",
            f"{n_verified}/{n_complaints}" if n_complaints else "Không có",
            "Nếu có",
        ),
        ("Biểu thống kê kết quả đánh giá, xếp loại chất lượng", "Lập từ hệ thống", ""),
    ]
    central = unit.kind in (UnitKind.PROVINCE, UnitKind.CENTRAL_LEVEL_COMMITTEE)
    to = (
        "Ban Tổ chức Trung ương"
        if central or unit.parent is None
        else f"Ban Tổ chức {committee_name(unit.parent)}"
    )
    return {
        "doc_type_name": "Danh mục",
        "summary": f"hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng {round_.period_label}",
        "intro": (
            f"Hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng {round_.period_label} của "
            f"{unit.name} gửi {to} trước ngày 01/02/{round_.year + 1} ({HD43}, mục 4). "
            f"Cột “Có trong hệ thống” ghi số hồ sơ đã hoàn chỉnh trên tổng số, đến ngày "
            f"{vn_date(day)}."
        ),
        "items": [
            {"n": i, "name": name, "have": have, "note": note}
            for i, (name, have, note) in enumerate(items, start=1)
        ],
        "authority": committee_authority(unit),
        "recipients": [],
    }


def _checklist_body(page: Page) -> None:
    page.text("{{ intro }}")
    page.table(
        ("TT", "Hồ sơ, tài liệu", "Có trong hệ thống", "Ghi chú"),
        ("{{ i.n }}", "{{ i.name }}", "{{ i.have }}", "{{ i.note }}"),
        (11, 86, 30, 38),
        loop="i in items",
    )


CHECKLIST = register(
    ClassificationKind(
        code="danh-muc-ho-so",
        label="Danh mục hồ sơ kiểm điểm, đánh giá, xếp loại (Mẫu 04)",
        # A list accompanying the records, not a document of the register (no number; whether
        # HD 43's form carries one is UNCONFIRMED).
        doc_type=None,
        objects=_rounds,
        unit_of=lambda round_: round_.scope_unit,
        unit_field="scope_unit",  # a subtree's bundle: the rounds over its units
        context=_checklist_context,
        body=_checklist_body,
        title_of=lambda round_: f"Danh mục hồ sơ — {round_.title}",
        form_code="Mẫu 04-HD KĐ.ĐG 2025",
        sample={
            "intro": "Hồ sơ …",
            "items": [{"n": 1, "name": "…", "have": "1/2", "note": "…"}],
        },
    )
)


# --- 4. the statistics tables (BC) ------------------------------------------------------------


def _percent(n: int, share: float) -> str:
    return f"{n} ({share:.1f}%)".replace(".", ",") if n else "0"


def _statistics_context(round_: RatingRound, day: datetime.date) -> dict[str, Any]:
    unit = round_.scope_unit
    cells = statistics.figures_of([round_], unit)[round_.pk]
    year = statistics.year_figures(round_, cells)
    codes = [lv.code for lv in year.rule_set.levels]
    rows = []
    for kf in year.kinds:
        shown = [
            (_percent(n, share) if lv.code in codes else f"{lv.short}: {_percent(n, share)}")
            for lv, n, share in kf.levels
        ]
        rows.append(
            {
                "label": kf.label,
                "c": shown + [""] * (4 - len(shown)),
                "decided": kf.decided,
                "open": kf.open,
                "exempt": kf.exempt,
            }
        )
    children = statistics.children_of(round_, unit)
    rule, guide = BASES.get(round_.scheme, (year.rule_set.source, ""))
    basis = f"{rule} và {guide}" if guide else rule
    return {
        "doc_type_name": "Báo cáo",
        "summary": f"số liệu kết quả đánh giá, xếp loại chất lượng {round_.period_label}",
        "intro": (
            f"Thực hiện {basis}, {_body_name(unit)} báo cáo số liệu kết "
            f"quả đánh giá, xếp loại chất lượng {round_.period_label} của {unit.name} và các đơn "
            f"vị trực thuộc (số liệu đến ngày {vn_date(day)}) như sau:"
        ),
        "levels": [lv.short for lv in year.rule_set.levels],
        "rows": rows,
        "downgrades": [f"{d.n} {d.sentence}." for d in year.downgrades],
        "twice": (
            f"{year.twice} đối tượng ở mức thấp nhất cả năm {round_.year - 1} và năm "
            f"{round_.year}: cấp ủy xem xét theo quy định."
            if year.twice
            else "Không có đối tượng nào hai năm liền ở mức thấp nhất."
        ),
        "units": [
            {
                "name": c["name"],
                "c": [c["kinds"].get(k, 0) for k in SubjectKind.values],
                "lowest": c["lowest"],
            }
            for c in children
        ],
        "authority": committee_authority(unit),
        "recipients": _superior(unit),
    }


def _statistics_body(page: Page) -> None:
    page.text("{{ intro }}")
    page.heading("1. Số lượng, tỉ lệ theo mức xếp loại (đã quyết định)")
    page.table(
        (
            "Đối tượng",
            *_per_level("levels"),
            "Đã QĐ",
            "Chưa QĐ",
            "Không XL",
        ),
        (
            "{{ r.label }}",
            *_per_level("r.c"),
            "{{ r.decided }}",
            "{{ r.open }}",
            "{{ r.exempt }}",
        ),
        (25, 23, 23, 23, 23, 16, 16, 16),
        loop="r in rows",
        size=11,
    )
    page.heading("2. Hạ mức khi thẩm định")
    page.each("d in downgrades", "- {{ d }}")

    def none_downgraded() -> None:
        page.text("Không có trường hợp nào bị hạ mức.")

    page.when("not downgrades", none_downgraded)
    page.heading("3. Hai năm liền ở mức thấp nhất")
    page.text("{{ twice }}")

    def units() -> None:
        page.heading("4. Số đã quyết định theo đơn vị trực thuộc")
        page.table(
            (
                "Đơn vị",
                "Tổ chức đảng",
                "Tập thể lãnh đạo",
                "Đảng viên",
                "Cán bộ lãnh đạo",
                "Mức thấp nhất",
            ),
            (
                "{{ u.name }}",
                *_per_level("u.c"),
                "{{ u.lowest }}",
            ),
            (55, 22, 22, 22, 22, 22),
            loop="u in units",
            size=12,
        )

    page.when("units", units)


STATISTICS = register(
    ClassificationKind(
        code="thong-ke-xep-loai",
        label="Báo cáo thống kê kết quả đánh giá, xếp loại chất lượng",
        doc_type="BC",
        # Year rounds only: statistics are kept for them (a term round has none).
        objects=lambda user: _rounds(user).filter(period="year"),
        unit_of=lambda round_: round_.scope_unit,
        unit_field="scope_unit",  # a subtree's bundle: the rounds over its units
        context=_statistics_context,
        body=_statistics_body,
        title_of=lambda round_: f"Thống kê kết quả xếp loại — {round_.title}",
        sample={
            "intro": "Thực hiện …",
            "levels": ["HTXSNV", "HTTNV", "HTNV", "KHTNV"],
            "rows": [
                {
                    "label": "Đảng viên",
                    "c": ["1 (10,0%)", "0", "0", "0"],
                    "decided": 1,
                    "open": 0,
                    "exempt": 0,
                }
            ],
            "downgrades": ["…"],
            "twice": "…",
            "units": [{"name": "…", "c": [0, 0, 1, 0], "lowest": 0}],
        },
    )
)
