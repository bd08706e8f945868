"""The documents of a review cycle (rules §1, §10; seeds 000–002):

- the cycle's plan (kế hoạch, KH) its committee writes to carry out the directive that opened it:
  purpose, who is reviewed, the timetable; issued by the cycle's scope committee to the units
  below. A plan, not the công văn itself: the directive is already a document when the cycle is
  entered (its number is one of the cycle's fields), so the cycle cites it ("Thực hiện Công văn
  số 493-CV/TU …") rather than taking a second number for it;
- the review conference's record (biên bản, BB) of a unit, from the recorded ReviewMeeting;
- the collective review report (Mẫu 01, báo cáo, BC) of a collective review;
- the individual self-review (Mẫu 2A for a leader or manager, 2B for a member without a
  leadership post, chosen from the person's posts in the reviewed year; 2C for a member outside
  the political system — retired, a student, working in the private sector —, which the data
  cannot tell, so the member picks it): unnumbered, signed by the member, with the year's
  commitment and the shortcomings carried over from the previous cycle filled in.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from docx.shared import Pt
from docx.table import Table

from kiemdiem.core.dates import vn_date
from kiemdiem.documents.kinds.base import (
    Kind,
    Signer,
    committee_authority,
    lower_first,
    paragraphs,
    person_signs,
    register,
)
from kiemdiem.documents.kinds.plan import live_actions
from kiemdiem.documents.numbering import committee_name
from kiemdiem.documents.template_default import LEFT, Page
from kiemdiem.org.models import CELL_KINDS, LEADER_ROLES, Position, Unit, UnitKind
from kiemdiem.remediation.models import PlanAction
from kiemdiem.reviews import rules, selectors
from kiemdiem.reviews.models import (
    CycleKind,
    Review,
    ReviewCycle,
    ReviewMeeting,
    ReviewStatus,
    SubjectKind,
    SuggestionItem,
    SuggestionStatus,
)

DOTS = "……………………………………"
# The types a directive's number names (rules §8), for "Thực hiện Công văn số 493-CV/TU …".
DIRECTIVE_TYPES = {
    "CV": "Công văn",
    "KH": "Kế hoạch",
    "HD": "Hướng dẫn",
    "CT": "Chỉ thị",
    "NQ": "Nghị quyết",
    "KL": "Kết luận",
    "TB": "Thông báo",
    "QĐ": "Quyết định",
}
# Up to this many units below the cycle's committee are named one by one in "Nơi nhận".
RECIPIENTS_NAMED = 8


def _hd43_code(number: str, year: int) -> str:
    """ "Mẫu 01-HD KĐ.ĐG 2025" (HD 43, reviews of 2025 on, rules §10). The HD 25 forms of the
    2023–2024 reviews are written here the same way with "2023": UNCONFIRMED."""
    return f"Mẫu {number}-HD KĐ.ĐG {2025 if year >= 2025 else 2023}"


def _directive(cycle: ReviewCycle, issuer: str) -> str:
    """ "Công văn số 493-CV/TU ngày 20/11/2025 của Ban Thường vụ Tỉnh ủy"; without "của …" when
    the plan's issuer wrote the directive itself (its name starts with the directive's issuer)."""
    abbreviation = cycle.directive_number.split("-", 1)[-1].split("/", 1)[0].upper()
    name = DIRECTIVE_TYPES.get(abbreviation, "Văn bản")
    text = f"{name} số {cycle.directive_number} ngày {vn_date(cycle.directive_date)}"
    if issuer.casefold().startswith(cycle.directive_issuer.strip().casefold()):
        return text
    return f"{text} của {cycle.directive_issuer}"


def _findings(findings: Any) -> list[dict[str, Any]]:
    return [
        {
            "n": i,
            "area": f.get_area_display(),
            "text": f.text,
            "severity": f.get_severity_display(),
            "cause": f.get_cause_kind_display(),
        }
        for i, f in enumerate(findings, start=1)
    ]


def _carried(review: Review) -> list[dict[str, Any]]:
    """The previous cycle's shortcomings carried into this review, with how far they were fixed
    (Mẫu 01 §III and the individual forms: "đã khắc phục / đang khắc phục, mức độ / chưa")."""
    rows = []
    for i, f in enumerate(selectors.review_carried(review), start=1):
        result = f.get_carry_assessment_display() if f.carry_assessment else "Chưa tự đánh giá"
        if f.carry_percent is not None and f.carry_assessment == "partly_fixed":
            result = f"{result} ({f.carry_percent}%)"
        rows.append(
            {
                "n": i,
                "text": f.text,
                "since": f.carried_from.review.cycle.title if f.carried_from else "",
                "result": result,
                "cause": f.carry_cause,
            }
        )
    return rows


def _suggested(review: Review) -> list[dict[str, Any]]:
    """The points the upper committee asked the review to explain (Mẫu 01 §IV), answered."""
    items = (
        SuggestionItem.objects.filter(
            suggestion__review=review, suggestion__status=SuggestionStatus.ISSUED
        )
        .select_related("suggestion", "suggestion__issuing_unit")
        .order_by("suggestion__document_date", "suggestion_id", "position")
    )
    return [
        {
            "n": i,
            "text": item.text,
            "source": f"{item.suggestion.document_number} của {item.suggestion.issuing_unit.name}",
            "account": item.account or DOTS,
            "causes_objective": item.causes_objective or DOTS,
            "causes_subjective": item.causes_subjective or DOTS,
            "responsibility": "; ".join(
                r for r in (item.responsibility_collective, item.responsibility_personal) if r
            )
            or DOTS,
        }
        for i, item in enumerate(items, start=1)
    ]


def _directions(review: Review) -> list[dict[str, Any]]:
    """The items of the remediation plan answering the review, when there is one."""
    actions = live_actions(PlanAction.objects.filter(plan__review=review))
    return [
        {"n": i, "content": a.content, "deadline": vn_date(a.due_date)}
        for i, a in enumerate(actions, start=1)
    ]


def _review_texts(review: Review) -> dict[str, Any]:
    """What every review document shares: its texts (empty ones left as dots to fill in by
    hand), its shortcomings in the order of the areas, the carried-over ones, the suggested
    points and the directions."""
    findings = selectors.review_findings(review).order_by("area", "id")
    return {
        "strengths": paragraphs(review.strengths) or [DOTS],
        "shortcomings": paragraphs(review.shortcomings_summary),
        "findings": _findings(findings),
        "causes_objective": paragraphs(review.causes_objective) or [DOTS],
        "causes_subjective": paragraphs(review.causes_subjective) or [DOTS],
        "responsibility": paragraphs(review.responsibility) or [DOTS],
        "carried": _carried(review),
        "suggested": _suggested(review),
        "directions": _directions(review),
        # QĐ 366 (reviews of 2025 on) scores out of 100 before the level (rules §1.5)
        "scored": review.cycle.year >= 2025,
    }


REVIEW_SAMPLE: dict[str, Any] = {
    "strengths": ["…"],
    "shortcomings": ["…"],
    "findings": [{"n": 1, "area": "…", "text": "…", "severity": "Hạn chế", "cause": "Chủ quan"}],
    "causes_objective": ["…"],
    "causes_subjective": ["…"],
    "responsibility": ["…"],
    "carried": [{"n": 1, "text": "…", "since": "…", "result": "Đã khắc phục", "cause": "…"}],
    "suggested": [
        {
            "n": 1,
            "text": "…",
            "source": "…",
            "account": "…",
            "causes_objective": "…",
            "causes_subjective": "…",
            "responsibility": "…",
        }
    ],
    "directions": [{"n": 1, "content": "…", "deadline": "30/06/2026"}],
    "scored": True,
}


def _table(page: Page, *args: Any, **kw: Any) -> Table:
    """`Page.table` and a small gap under it (the next paragraph was glued to the table)."""
    table = page.table(*args, **kw)
    gap = page.doc.add_paragraph()
    gap.paragraph_format.space_after = Pt(0)
    gap.paragraph_format.line_spacing = Pt(6)
    return table


def _heading(page: Page, text: str) -> None:
    """`Page.heading`, kept on the page of what follows it (a heading alone at a page's foot)."""
    page.heading(text).paragraph_format.keep_with_next = True


def _say(page: Page, text: str, **kw: Any) -> Callable[[], None]:
    """A paragraph to write later (the `write` of `Page.when`)."""

    def write() -> None:
        page.text(text, **kw)

    return write


def _lines(page: Page, name: str, *, indent: bool = True) -> None:
    """One body paragraph per element of the list `name`."""
    page.each(f"line in {name}", "{{ line }}", indent=indent)


def _open(page: Page, clause: str) -> None:
    """A paragraph holding only a Jinja block tag ({%p … %}): docxtpl removes it whole."""
    page.text(f"{{%p {clause} %}}", indent=False)


def _findings_table(page: Page) -> None:
    _table(
        page,
        ("TT", "Lĩnh vực", "Hạn chế, khuyết điểm", "Mức độ"),
        ("{{ f.n }}", "{{ f.area }}", "{{ f.text }}", "{{ f.severity }}"),
        (12, 40, 83, 30),
        loop="f in findings",
    )


def _shortcomings(page: Page, number: str) -> None:
    _heading(page, f"{number}. HẠN CHẾ, KHUYẾT ĐIỂM VÀ NGUYÊN NHÂN")
    page.text("1. Hạn chế, khuyết điểm", bold=True, indent=False)
    _lines(page, "shortcomings")
    page.when("findings", lambda: _findings_table(page))
    page.when("not findings and not shortcomings", _say(page, "Không có."))
    page.text("2. Nguyên nhân", bold=True, indent=False)
    page.text("a) Nguyên nhân khách quan:", italic=True, indent=False)
    _lines(page, "causes_objective")
    page.text("b) Nguyên nhân chủ quan:", italic=True, indent=False)
    _lines(page, "causes_subjective")


def _carried_section(page: Page, number: str) -> None:
    _heading(
        page,
        f"{number}. KẾT QUẢ KHẮC PHỤC NHỮNG HẠN CHẾ, KHUYẾT ĐIỂM ĐÃ ĐƯỢC CẤP CÓ THẨM QUYỀN "
        "KẾT LUẬN HOẶC ĐƯỢC CHỈ RA Ở CÁC KỲ KIỂM ĐIỂM TRƯỚC",
    )

    def table() -> None:
        _table(
            page,
            ("TT", "Hạn chế, khuyết điểm", "Kết quả khắc phục", "Nguyên nhân, ghi chú"),
            ("{{ c.n }}", "{{ c.text }}", "{{ c.result }}", "{{ c.cause }}"),
            (12, 73, 45, 35),
            loop="c in carried",
        )

    page.when("carried", table)
    page.when("not carried", _say(page, "Không có hạn chế, khuyết điểm kỳ trước chuyển sang."))


def _suggested_section(page: Page, number: str) -> None:
    _heading(page, f"{number}. GIẢI TRÌNH NHỮNG VẤN ĐỀ ĐƯỢC GỢI Ý KIỂM ĐIỂM")
    page.when("not suggested", _say(page, "Không có vấn đề được gợi ý kiểm điểm."))
    _open(page, "for s in suggested")
    page.text("{{ s.n }}. {{ s.text }} (theo {{ s.source }})", bold=True, indent=False)
    page.text("- Sự việc, nội dung: {{ s.account }}")
    page.text("- Nguyên nhân khách quan: {{ s.causes_objective }}")
    page.text("- Nguyên nhân chủ quan: {{ s.causes_subjective }}")
    page.text("- Trách nhiệm: {{ s.responsibility }}")
    _open(page, "endfor")


def _directions_section(page: Page, number: str) -> None:
    _heading(page, f"{number}. PHƯƠNG HƯỚNG, BIỆN PHÁP KHẮC PHỤC HẠN CHẾ, KHUYẾT ĐIỂM")

    def table() -> None:
        _table(
            page,
            ("TT", "Nội dung, biện pháp khắc phục", "Thời hạn"),
            ("{{ d.n }}", "{{ d.content }}", "{{ d.deadline }}"),
            (12, 123, 30),
            loop="d in directions",
        )

    page.when("directions", table)
    page.when("not directions", _say(page, DOTS))


def _rating_section(page: Page, number: str) -> None:
    """The self-rating, written by hand: the rating itself is kept by the classification round,
    which this layer does not read."""
    _heading(page, f"{number}. TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG")
    page.text(
        "{% if scored %}Tổng số điểm tự chấm: ………… điểm; {% endif %}"
        "tự nhận mức xếp loại chất lượng: …………………………",
        align=LEFT,
    )


# ----- 1. the cycle's plan (KH) -------------------------------------------------------------


def _cycle_objects(user: Any) -> Any:
    """The cycles whose page the user may open (those run in their scope and those covering it:
    the plan is sent down to the units it covers)."""
    return selectors.cycles_for(user).select_related(
        "scope_unit", "scope_unit__parent", "previous_cycle"
    )


def _below(unit: Unit, day: datetime.date) -> list[str]:
    children = [
        committee_name(u) for u in Unit.objects.filter(parent=unit).valid_on(day).order_by("name")
    ]
    if len(children) <= RECIPIENTS_NAMED:
        return children
    return [f"Các cấp ủy, tổ chức đảng trực thuộc ({len(children)} đơn vị)"]


def _cycle_context(cycle: ReviewCycle, day: datetime.date) -> dict[str, Any]:
    unit = cycle.scope_unit
    issuer = unit.name if unit.kind in CELL_KINDS else f"Ban Thường vụ {committee_name(unit)}"
    kinds = [
        lower_first(str(UnitKind(k).label))
        for k in cycle.participating_kinds
        if k in UnitKind.values
    ]
    return {
        "doc_type_name": "Kế hoạch",
        "summary": lower_first(cycle.title.strip()),
        "directive": _directive(cycle, issuer),
        "issuer": issuer,
        "scope": unit.name,
        "year": cycle.year,
        "collectives": "; ".join(kinds) or "các cấp ủy, tổ chức đảng trong phạm vi",
        "individuals": cycle.include_individuals,
        "previous": cycle.previous_cycle.title if cycle.previous_cycle else "",
        "steps": [
            {"n": 1, "what": "Triển khai, quán triệt kế hoạch", "due": vn_date(cycle.starts_on)},
            {
                "n": 2,
                "what": "Tập thể, cá nhân hoàn thành báo cáo, bản tự kiểm điểm",
                "due": vn_date(cycle.self_review_due),
            },
            {
                "n": 3,
                "what": "Tổ chức hội nghị kiểm điểm ở các cấp",
                "due": vn_date(cycle.conference_due),
            },
            {
                "n": 4,
                "what": "Gửi kế hoạch khắc phục hạn chế, khuyết điểm lên cấp trên",
                "due": vn_date(cycle.plan_due),
            },
            {
                "n": 5,
                "what": "Hoàn thành khắc phục hạn chế, khuyết điểm",
                "due": vn_date(cycle.horizon_end),
            },
        ],
        "plan_due": vn_date(cycle.plan_due),
        "authority": committee_authority(unit),
        "recipients": _below(unit, day),
    }


def _cycle_body(page: Page) -> None:
    page.text(
        "Thực hiện {{ directive }}, {{ issuer }} xây dựng kế hoạch {{ summary }} trong "
        "{{ scope }} như sau:"
    )
    _heading(page, "I. MỤC ĐÍCH, YÊU CẦU")
    page.text(
        "1. Kiểm điểm tự phê bình và phê bình nghiêm túc, thực chất; đánh giá đúng ưu điểm, kết "
        "quả đạt được; chỉ rõ hạn chế, khuyết điểm, nguyên nhân và trách nhiệm của tập thể, cá "
        "nhân; đề ra phương hướng, biện pháp khắc phục cụ thể, có thời hạn hoàn thành."
    )
    page.text(
        "2. Việc kiểm điểm tiến hành công khai, dân chủ, khách quan, đúng quy định của Đảng; "
        "gắn với kết quả khắc phục hạn chế, khuyết điểm đã được chỉ ra ở các kỳ kiểm điểm trước."
    )
    _heading(page, "II. ĐỐI TƯỢNG KIỂM ĐIỂM")
    page.text("1. Tập thể: {{ collectives }} thuộc {{ scope }}.")
    page.when(
        "individuals",
        _say(
            page,
            "2. Cá nhân: đảng viên, cán bộ lãnh đạo, quản lý các cấp (trừ đảng viên được miễn công "
            "tác và sinh hoạt đảng, đảng viên đang bị đình chỉ sinh hoạt đảng, đảng viên mới kết "
            "nạp chưa đủ 6 tháng).",
        ),
    )
    _heading(page, "III. NỘI DUNG")
    page.text(
        "Tập thể kiểm điểm theo Mẫu 01, cá nhân kiểm điểm theo Mẫu 2A (cán bộ lãnh đạo, quản lý), "
        "Mẫu 2B (đảng viên không giữ chức vụ lãnh đạo, quản lý), Mẫu 2C (đảng viên ngoài hệ thống "
        "chính trị); làm rõ việc thực hiện cam kết tu dưỡng, rèn luyện, phấn đấu năm {{ year }} và "
        "những vấn đề được cấp trên gợi ý kiểm điểm (nếu có)."
    )
    page.when(
        "previous",
        _say(
            page,
            "Kiểm điểm kết quả khắc phục những hạn chế, khuyết điểm đã được chỉ ra ở đợt "
            "“{{ previous }}”.",
        ),
    )
    _heading(page, "IV. THỜI GIAN THỰC HIỆN")
    _table(
        page,
        ("TT", "Nội dung công việc", "Thời hạn"),
        ("{{ s.n }}", "{{ s.what }}", "{{ s.due }}"),
        (12, 118, 35),
        loop="s in steps",
    )
    _heading(page, "V. TỔ CHỨC THỰC HIỆN")
    page.text(
        "1. Các cấp ủy, tổ chức đảng trực thuộc căn cứ Kế hoạch này xây dựng kế hoạch, tổ chức "
        "kiểm điểm ở cấp mình và hướng dẫn cấp dưới; người đứng đầu trực tiếp chỉ đạo, chủ trì "
        "hội nghị kiểm điểm."
    )
    page.text(
        "2. Sau kiểm điểm, tập thể, cá nhân xây dựng kế hoạch khắc phục hạn chế, khuyết điểm, gửi "
        "{{ issuer }} (qua Văn phòng) trước ngày {{ plan_due }}."
    )


CYCLE_PLAN = register(
    Kind(
        code="ke-hoach-kiem-diem",
        label="Kế hoạch kiểm điểm của đợt",
        doc_type="KH",
        objects=_cycle_objects,
        unit_of=lambda cycle: cycle.scope_unit,
        unit_field="scope_unit",
        context=_cycle_context,
        body=_cycle_body,
        title_of=lambda cycle: f"Kế hoạch {lower_first(cycle.title.strip())}",
        sample={
            "directive": "Công văn số 493-CV/TU …",
            "issuer": "Ban Thường vụ …",
            "scope": "…",
            "year": 2025,
            "collectives": "…",
            "individuals": True,
            "previous": "…",
            "steps": [{"n": 1, "what": "…", "due": "31/12/2025"}],
            "plan_due": "15/01/2026",
        },
    )
)


# ----- 2. the review conference's record (BB) ------------------------------------------------


def _meeting_objects(user: Any) -> Any:
    return ReviewMeeting.objects.visible_to(user).select_related(
        "unit", "unit__parent", "cycle", "chair"
    )


def _post_of(person_id: int, unit: Unit, day: datetime.date) -> str:
    post = (
        Position.objects.current(day)
        .filter(person_id=person_id, unit=unit, role__in=LEADER_ROLES)
        .order_by("role")
        .first()
    )
    return f", {post.get_role_display().lower()} {unit.name}" if post else ""


def _meeting_context(meeting: ReviewMeeting, day: datetime.date) -> dict[str, Any]:
    unit, cycle = meeting.unit, meeting.cycle
    reviews = Review.objects.filter(cycle=cycle, unit=unit).select_related("person")
    collective = next((r for r in reviews if r.person_id is None), None)
    people = [
        r.person.full_name
        for r in sorted(reviews, key=lambda r: r.person.sort_key if r.person else "")
        if r.person is not None
        and r.status in (ReviewStatus.SUBMITTED, ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED)
    ]
    upper = [p.full_name for p in meeting.supervisor_people.order_by("sort_key")]
    supervisors = "; ".join(x for x in (", ".join(upper), meeting.supervisors.strip()) if x)
    members = selectors.members_of(unit, meeting.held_on).count() if unit.is_cell else None
    findings: Any = (
        selectors.review_findings(collective).order_by("area", "id") if collective else []
    )
    return {
        "doc_type_name": "Biên bản",
        "summary": f"hội nghị {lower_first(cycle.title.strip())}",
        "held_on": f"ngày {meeting.held_on.day:02d} tháng {meeting.held_on.month:02d} năm "
        f"{meeting.held_on.year}",
        "unit_name": unit.name,
        "title": lower_first(cycle.title.strip()),
        "chair": meeting.chair.full_name + _post_of(meeting.chair_id, unit, meeting.held_on),
        "attendee_count": meeting.attendee_count,
        "members": members,
        "attendees": ", ".join(p.full_name for p in meeting.attendees.order_by("sort_key")),
        "supervisors": supervisors,
        "delegation": meeting.delegation.strip(),
        "people": ", ".join(people),
        "people_count": len(people),
        "findings": _findings(findings),
        "comments_count": meeting.comments_count,
        "comments": paragraphs(meeting.comments),
        "minutes": paragraphs(meeting.minutes) or [DOTS],
        "authority": "Chủ trì hội nghị",
        "recipients": [committee_name(unit.parent)] if unit.parent else [],
    }


def _meeting_signers(meeting: ReviewMeeting, day: datetime.date) -> list[Signer]:
    return person_signs(meeting.chair)


def _meeting_body(page: Page) -> None:
    page.text(
        "Hôm nay, hồi … giờ …, {{ held_on }}, tại " + DOTS + ", {{ unit_name }} tổ chức hội nghị "
        "{{ title }}."
    )
    _heading(page, "I. THÀNH PHẦN")
    page.text("- Chủ trì hội nghị: đồng chí {{ chair }}.")
    page.text("- Thư ký hội nghị: đồng chí " + DOTS + ".")
    page.text(
        "- Số người dự: {{ attendee_count }}{% if members is not none %} (tổng số đảng viên "
        "của chi bộ: {{ members }}){% endif %}."
    )
    page.when("attendees", _say(page, "- Người dự: {{ attendees }}."))
    page.when("supervisors", _say(page, "- Đại biểu cấp trên dự, chỉ đạo: {{ supervisors }}."))
    page.when(
        "delegation",
        _say(page, "- Đoàn, tổ công tác cấp trên dự, chỉ đạo: {{ delegation }}."),
    )
    _heading(page, "II. NỘI DUNG")
    page.text(
        "1. Hội nghị nghe trình bày báo cáo kiểm điểm của tập thể {{ unit_name }}"
        "{% if people %} và bản tự kiểm điểm của {{ people_count }} đồng chí: {{ people }}"
        "{% endif %}."
    )
    page.text("2. Hạn chế, khuyết điểm của tập thể được hội nghị thảo luận:")
    page.when("findings", lambda: _findings_table(page))
    page.when("not findings", _say(page, "Không có hạn chế, khuyết điểm được ghi nhận."))
    page.text("3. Hội nghị có {{ comments_count }} ý kiến góp ý, phát biểu.")
    _lines(page, "comments")
    _heading(page, "III. KẾT LUẬN CỦA HỘI NGHỊ")
    _lines(page, "minutes")
    page.text(
        "Hội nghị kết thúc vào hồi … giờ … cùng ngày. Biên bản đã được đọc lại trước hội nghị "
        "và được hội nghị nhất trí thông qua."
    )


MEETING_RECORD = register(
    Kind(
        code="bien-ban-hoi-nghi-kiem-diem",
        label="Biên bản hội nghị kiểm điểm",
        doc_type="BB",
        objects=_meeting_objects,
        unit_of=lambda meeting: meeting.unit,
        cycle_field="cycle",
        context=_meeting_context,
        body=_meeting_body,
        signers=_meeting_signers,
        minutes=True,
        title_of=lambda m: f"Biên bản hội nghị {lower_first(m.cycle.title.strip())}",
        sample={
            "held_on": "ngày 20 tháng 12 năm 2025",
            "unit_name": "…",
            "title": "…",
            "chair": "…",
            "attendee_count": 10,
            "members": 12,
            "attendees": "…",
            "supervisors": "…",
            "delegation": "…",
            "people": "…",
            "people_count": 1,
            "findings": REVIEW_SAMPLE["findings"],
            "comments_count": 3,
            "comments": ["…"],
            "minutes": ["…"],
            "recipients": ["…"],
        },
    )
)


# ----- 3. the collective review report (Mẫu 01, BC) -----------------------------------------


def _collective_objects(user: Any) -> Any:
    return (
        Review.objects.visible_to(user)
        .filter(subject_kind=SubjectKind.COLLECTIVE)
        .select_related("unit", "unit__parent", "cycle")
    )


def _subject_year(review: Review) -> str:
    cycle = review.cycle
    if cycle.kind == CycleKind.ANNUAL:
        return f"năm {cycle.year}"
    return f"({lower_first(cycle.title.strip())})"


def _collective_context(review: Review, day: datetime.date) -> dict[str, Any]:
    unit = review.unit
    return {
        "doc_type_name": "Báo cáo",
        "summary": f"kiểm điểm, đánh giá, xếp loại chất lượng tập thể {unit.name} "
        f"{_subject_year(review)}",
        "form_code": _hd43_code("01", review.cycle.year),
        **_review_texts(review),
        "authority": committee_authority(unit),
        "recipients": [committee_name(unit.parent)] if unit.parent else [],
    }


def _collective_body(page: Page) -> None:
    _heading(page, "I. ƯU ĐIỂM, KẾT QUẢ ĐẠT ĐƯỢC")
    _lines(page, "strengths")
    _shortcomings(page, "II")
    _carried_section(page, "III")
    _suggested_section(page, "IV")
    _heading(page, "V. TRÁCH NHIỆM CỦA TẬP THỂ, CÁ NHÂN ĐỐI VỚI HẠN CHẾ, KHUYẾT ĐIỂM")
    _lines(page, "responsibility")
    _directions_section(page, "VI")
    _rating_section(page, "VII")


COLLECTIVE_REPORT = register(
    Kind(
        code="bao-cao-kiem-diem-tap-the",
        label="Báo cáo kiểm điểm tập thể (Mẫu 01)",
        doc_type="BC",
        objects=_collective_objects,
        unit_of=lambda review: review.unit,
        cycle_field="cycle",
        context=_collective_context,
        body=_collective_body,
        title_of=lambda r: f"Báo cáo kiểm điểm tập thể {r.unit.name} {_subject_year(r)}",
        form_code=_hd43_code("01", 2025),
        sample=dict(REVIEW_SAMPLE),
    )
)


# ----- 4. the individual forms (2A/2B, 2C): unnumbered, signed by the member ------------------


def _personal_objects(user: Any) -> Any:
    """Individual reviews the user may read (the reviews app's own scoping: the person, their
    cell's leaders and the committees above)."""
    return (
        Review.objects.visible_to(user)
        .filter(subject_kind=SubjectKind.INDIVIDUAL)
        .select_related("unit", "unit__parent", "cycle", "person")
    )


def _leading_posts(review: Review) -> list[str]:
    """The person's leadership posts held at some time in the reviewed year."""
    year = review.cycle.year
    posts = (
        Position.objects.filter(person=review.person, role__in=LEADER_ROLES)
        .filter(valid_from__lte=datetime.date(year, 12, 31))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1)))
        .select_related("unit")
        .order_by("role", "unit__path")
    )
    return [f"{p.get_role_display()} {p.unit.name}" for p in posts]


def _commitment(review: Review) -> tuple[str, list[dict[str, Any]]]:
    commitment = rules.commitment_for(review)
    if commitment is None:
        return "", []
    items = [
        {
            "n": item.position,
            "text": item.text,
            "fulfilment": item.get_fulfilment_display() if item.fulfilment else "",
            "note": item.note,
        }
        for item in commitment.items.order_by("position")
    ]
    return vn_date(commitment.filed_on), items


def _personal_context(review: Review, day: datetime.date, form: str = "") -> dict[str, Any]:
    """The form's data; `form` "2C" when the member chose it, else "2A" for a leader or manager
    (a leadership post in the reviewed year) and "2B" for the others (rules §1.3, §10)."""
    person = review.person
    assert person is not None
    posts = _leading_posts(review)
    form = form or ("2A" if posts else "2B")
    filed_on, items = _commitment(review)
    return {
        "doc_type_name": "Bản kiểm điểm cá nhân",
        "summary": _subject_year(review).strip("()"),
        "form_code": _hd43_code(form, review.cycle.year),
        "form": form,
        "full_name": person.full_name,
        "birth_date": vn_date(person.birth_date) if person.birth_date else DOTS,
        "posts": "; ".join(posts) or "Không",
        "cell": review.unit.name,
        "leader": form == "2A",
        "commitment_filed": filed_on,
        "commitment": items,
        **_review_texts(review),
        "authority": "Người tự kiểm điểm",
        "recipients": [],
    }


def _personal_signers(review: Review, day: datetime.date) -> list[Signer]:
    assert review.person is not None
    return person_signs(review.person)


def _personal_body(page: Page) -> None:
    page.text("- Họ và tên: {{ full_name }}; ngày sinh: {{ birth_date }}.", indent=False)
    page.text("- Chức vụ lãnh đạo, quản lý: {{ posts }}.", indent=False)
    page.text("- Nơi sinh hoạt đảng: {{ cell }}.", indent=False)
    _heading(page, "I. ƯU ĐIỂM, KẾT QUẢ ĐẠT ĐƯỢC")
    page.when(
        "leader",
        _say(
            page,
            "(Về tư tưởng chính trị, phẩm chất đạo đức, lối sống, ý thức tổ chức kỷ luật; kết "
            "quả thực hiện chức trách, nhiệm vụ được giao và kết quả lãnh đạo, quản lý của cơ "
            "quan, đơn vị phụ trách.)",
            italic=True,
        ),
    )
    page.when(
        "not leader",
        _say(
            page,
            "(Về tư tưởng chính trị, phẩm chất đạo đức, lối sống, ý thức tổ chức kỷ luật, tác "
            "phong, lề lối làm việc; kết quả thực hiện nhiệm vụ được giao.)",
            italic=True,
        ),
    )
    _lines(page, "strengths")
    _heading(page, "II. VIỆC THỰC HIỆN CAM KẾT TU DƯỠNG, RÈN LUYỆN, PHẤN ĐẤU")

    def commitment() -> None:
        page.text("Bản cam kết ngày {{ commitment_filed }}:")
        _table(
            page,
            ("TT", "Nội dung cam kết", "Mức độ thực hiện", "Ghi chú"),
            ("{{ c.n }}", "{{ c.text }}", "{{ c.fulfilment }}", "{{ c.note }}"),
            (12, 83, 35, 35),
            loop="c in commitment",
        )

    page.when("commitment", commitment)
    page.when("not commitment", _say(page, "Chưa có bản cam kết của năm. " + DOTS))
    _shortcomings(page, "III")
    _carried_section(page, "IV")
    _suggested_section(page, "V")
    _heading(
        page,
        "VI. TRÁCH NHIỆM CỦA CÁ NHÂN{% if leader %} ĐỐI VỚI HẠN CHẾ, KHUYẾT ĐIỂM CỦA TẬP THỂ "
        "(NẾU CÓ){% endif %}",
    )
    _lines(page, "responsibility")
    _directions_section(page, "VII")
    _rating_section(page, "VIII")


PERSONAL_SAMPLE: dict[str, Any] = {
    "form": "2B",
    "full_name": "…",
    "birth_date": "01/01/1980",
    "posts": "…",
    "cell": "…",
    "leader": False,
    "commitment_filed": "05/01/2025",
    "commitment": [{"n": 1, "text": "…", "fulfilment": "Thực hiện tốt", "note": "…"}],
    **REVIEW_SAMPLE,
}

PERSONAL_REVIEW = register(
    Kind(
        code="ban-kiem-diem-ca-nhan",
        label="Bản kiểm điểm cá nhân (Mẫu 2A, 2B)",
        doc_type=None,
        objects=_personal_objects,
        unit_of=lambda review: review.unit,
        cycle_field="cycle",
        context=_personal_context,
        body=_personal_body,
        signers=_personal_signers,
        title_of=lambda r: f"Bản kiểm điểm cá nhân {r.subject_label} {_subject_year(r)}",
        form_code=_hd43_code("2B", 2025),
        sample=PERSONAL_SAMPLE,
    )
)

PERSONAL_REVIEW_2C = register(
    Kind(
        code="ban-kiem-diem-ca-nhan-2c",
        label="Bản kiểm điểm cá nhân (Mẫu 2C, đảng viên ngoài hệ thống chính trị)",
        doc_type=None,
        objects=_personal_objects,
        unit_of=lambda review: review.unit,
        cycle_field="cycle",
        context=lambda review, day: _personal_context(review, day, "2C"),
        body=_personal_body,
        signers=_personal_signers,
        title_of=lambda r: f"Bản kiểm điểm cá nhân {r.subject_label} {_subject_year(r)}",
        form_code=_hd43_code("2C", 2025),
        sample=PERSONAL_SAMPLE,
    )
)

__all__ = [
    "COLLECTIVE_REPORT",
    "CYCLE_PLAN",
    "MEETING_RECORD",
    "PERSONAL_REVIEW",
    "PERSONAL_REVIEW_2C",
]
