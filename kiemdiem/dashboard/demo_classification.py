"""Demo: a rated year (the cycle's year) over the commune of the demo login "bithuxa", so a
newcomer sees self-assessments, appraisals that downgrade (as the Hữu Lũng appraisal team did),
decisions within the quota, publication, and one result cancelled and re-rated; and the year
before under its own rulebook, so the statistics compare years and flag two members at the
lowest level both years; and a term round (QĐ 366) ending with the rated year, whose ratings
read both years' published results.

Everything goes through the classification services, in the order the rules ask (members and
sub-units before an organization, the unit before its head); where the rulebook refuses a level
(discipline, low votes, quota, head vs unit), the demo takes the next lower level, as a
competent level would.
"""

import random
from decimal import Decimal

from kiemdiem.classification import cases, rules, services, statistics
from kiemdiem.classification.models import (
    PeerGroup,
    Rating,
    RatingRound,
    RatingStatus,
    RoundPeriod,
    SpecialCase,
    SubjectKind,
    TermRollup,
)
from kiemdiem.classification.services import RuleRefused, decision_problems
from kiemdiem.core.permissions import SYSTEM, Actor
from kiemdiem.org.models import Unit
from kiemdiem.reviews.models import ReviewCycle

TOTALS = {
    rules.EXCELLENT: Decimal(92),
    rules.GOOD: Decimal(80),
    rules.COMPLETED: Decimal(62),
    rules.NOT_COMPLETED: Decimal(45),
}
ORDER = [rules.EXCELLENT, rules.GOOD, rules.COMPLETED, rules.NOT_COMPLETED]
# A collective's share of tasks completed, by level (QĐ 366: below 70% is KHTNV).
SHARES = {
    rules.EXCELLENT: "100",
    rules.GOOD: "100",
    rules.COMPLETED: "92.5",
    rules.NOT_COMPLETED: "65",
}
# The commune's own scoring sheet for leaders (issued after the round opened: the ratings keep
# the default sheet; the sheets page shows it and lets the office edit it).
LEADER_SHEET = [
    {
        "code": "chinh_tri",
        "label": "Bản lĩnh chính trị, nêu gương",
        "group": "general",
        "max_points": 15,
    },
    {
        "code": "doan_ket",
        "label": "Đoàn kết, dân chủ, kỷ luật",
        "group": "general",
        "max_points": 15,
    },
    {
        "code": "chi_tieu",
        "label": "Chỉ tiêu kinh tế - xã hội được giao",
        "group": "task_results",
        "max_points": 40,
    },
    {
        "code": "don_vi",
        "label": "Kết quả của đơn vị trực tiếp phụ trách",
        "group": "task_results",
        "max_points": 30,
    },
]


# Under QĐ 124 each criterion gets a grade: the same grade everywhere reaches the level.
GRADES = {
    rules.EXCELLENT: rules.GRADE_EXCELLENT,
    rules.GOOD: rules.GRADE_GOOD,
    rules.COMPLETED: rules.GRADE_AVERAGE,
    rules.NOT_COMPLETED: rules.GRADE_POOR,
}


def _scores(rating: Rating, level: str) -> dict[str, str]:
    """Scores on the rating's sheet adding up to the level's demo total (each criterion the same
    share of its maximum), or, under a scheme with grades, the level's grade everywhere."""
    from kiemdiem.classification.checks import criteria_for

    criteria = criteria_for(rating)
    if rating.round.rules.scoring == "grades":
        return {c.code: GRADES[level] for c in criteria}
    if rating.round.rules.scoring == "none" or not criteria:
        return {}
    total = TOTALS[level]
    share = total / sum((c.max_points or Decimal(0)) for c in criteria)
    scores = {c.code: ((c.max_points or 0) * share).quantize(Decimal("0.01")) for c in criteria}
    # The rounding remainder goes to the last criterion.
    last = criteria[-1].code
    scores[last] += total - sum(scores.values())
    return {k: str(v) for k, v in scores.items()}


def _intended(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return rules.NOT_COMPLETED
    if roll < 0.16:
        return rules.COMPLETED
    if roll < 0.36:
        return rules.EXCELLENT
    return rules.GOOD


def _walk(rating: Rating, level: str, appraised: str, *, reason: str = "") -> None:
    """Self-assess at `level`, appraise at `appraised`, decide the best level the rules allow,
    publish (left appraised when the rules allow none)."""
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=level,
        reasons="Hoàn thành các nhiệm vụ được giao; còn hạn chế trong báo cáo đúng hạn.",
        version=rating.version,
        scores=_scores(rating, level),
        special_case=rating.special_case,
        special_reason=rating.special_reason,
        task_share=SHARES[level] if rating.person_id is None else None,
    )
    rating.refresh_from_db()
    services.rating_appraise(
        rating=rating,
        by=SYSTEM,
        level=appraised,
        reasons=reason or "Thống nhất mức tự xếp loại.",
        body="Ban Tổ chức",
        version=rating.version,
    )
    rating.refresh_from_db()
    if any("xác minh" in p for p in decision_problems(rating, appraised, {})):
        services.rating_verify(
            rating=rating,
            by=SYSTEM,
            verification="Đã kiểm tra: vụ việc đang xem xét không ảnh hưởng mức xếp loại.",
            version=rating.version,
        )
        rating.refresh_from_db()
    for decided in ORDER[ORDER.index(appraised) :]:
        try:
            services.rating_decide(
                rating=rating,
                by=SYSTEM,
                level=decided,
                version=rating.version,
                decision_number=f"{40 + rating.pk % 50}-QĐ/ĐU",
                note="" if decided == appraised else "Hạ mức theo kết quả kiểm tra của quy định.",
            )
            break
        except RuleRefused:
            continue
    else:
        # No level passes (its counterpart, decided first, ranks above every level its own
        # figures allow): it waits for the competent level, as it would for an office.
        return
    rating.refresh_from_db()
    services.rating_publish(rating=rating, by=SYSTEM, version=rating.version)


def _subject(r: Rating) -> tuple:
    return (r.subject_kind, r.person_id or r.unit_id)


def _rate_round(
    round_: RatingRound,
    commune: Unit,
    rng: random.Random,
    *,
    lowest: set[tuple] | None = None,
    downgrades: int = 2,
    special_cases: bool = False,
) -> dict[int, str]:
    """Walk every rating of the round through the three steps; returns the intended levels.
    `lowest`: subjects kept at the lowest level (the same people as another year's)."""
    ratings = list(
        Rating.objects.filter(round=round_, status=RatingStatus.DRAFT).select_related(
            "unit", "round"
        )
    )
    intended = {
        r.pk: rules.NOT_COMPLETED if lowest and _subject(r) in lowest else _intended(rng)
        for r in ratings
    }
    kinds = {
        SubjectKind.MEMBER: 0,
        SubjectKind.LEADERSHIP_COLLECTIVE: 1,
        SubjectKind.ORGANIZATION: 2,
        SubjectKind.LEADER: 3,
    }

    def order(r: Rating) -> tuple:
        # Members first (they wait for nobody), then the deepest units first; within a step the
        # top level last, so the quota is counted on the group's other levels.
        top_last = intended[r.pk] == rules.EXCELLENT
        if r.subject_kind == SubjectKind.MEMBER:
            return (0, 0, top_last, r.pk)
        return (1, -r.unit.depth, kinds[r.subject_kind], top_last, r.unit.path, r.pk)

    ratings.sort(key=order)
    if special_cases:
        _cases(ratings, intended)
    downgraded = 0
    for rating in ratings:
        level = appraised = intended[rating.pk]
        reason = ""
        grassroots = rating.subject_kind == SubjectKind.ORGANIZATION and rating.unit.depth == (
            commune.depth + 1
        )
        if grassroots and downgraded < downgrades and level != rules.NOT_COMPLETED:
            # As the Hữu Lũng appraisal team did: two grassroots organizations from the top
            # level to the next.
            level, appraised = rules.EXCELLENT, rules.GOOD
            reason = "Chưa có nhiệm vụ hoàn thành vượt mức 30%: đề nghị hạ xuống HTTNV."
            downgraded += 1
        _walk(rating, level, appraised, reason=reason)
    return intended


def generate_classification(
    cycle: ReviewCycle, office: Actor, *, commune: Unit | None, seed: int = 1
) -> dict[str, int]:
    """The rated year over `commune` and the year before it under its own rulebook (QĐ 124
    for 2024), so the statistics compare two years and flag the members at the lowest level
    both years (nothing if the demo has no such commune)."""
    if (
        commune is None
        or RatingRound.objects.filter(year=cycle.year, scope_unit=commune, period="year").exists()
    ):
        return {"ratings": 0}
    rng = random.Random(seed)
    round_ = services.round_open(
        by=SYSTEM,
        title=f"Đánh giá, xếp loại chất lượng năm {cycle.year} — {commune.name}",
        year=cycle.year,
        scope_unit=commune,
    )
    # This year's members meant for the lowest level were there last year too.
    members = Rating.objects.filter(
        round=round_, status=RatingStatus.DRAFT, subject_kind=SubjectKind.MEMBER
    ).order_by("pk")
    twice = {_subject(r) for r in members[:2]}
    # The year before, entered from the paper records: the same subjects (the demo's people
    # joined their cells this year, so the year's population would be empty).
    before = services.round_open(
        by=SYSTEM,
        title=f"Đánh giá, xếp loại chất lượng năm {cycle.year - 1} — {commune.name}",
        year=cycle.year - 1,
        scope_unit=commune,
        imported=True,
        populate=False,
    )
    for r in Rating.objects.filter(round=round_, status=RatingStatus.DRAFT).select_related(
        "unit", "person", "position"
    ):
        services.rating_add(
            round_=before,
            by=SYSTEM,
            subject_kind=r.subject_kind,
            unit=r.unit,
            person=r.person,
            position=r.position,
        )
    _rate_round(before, commune, random.Random(seed + 1), lowest=twice, downgrades=1)
    _rate_round(round_, commune, rng, lowest=twice, special_cases=True)
    published = (
        Rating.objects.filter(
            round=round_, status=RatingStatus.PUBLISHED, subject_kind=SubjectKind.MEMBER
        )
        .exclude(decided_level=rules.NOT_COMPLETED)
        .first()
    )
    if published is not None:
        rerating = services.rating_cancel(
            rating=published,
            by=SYSTEM,
            reason="Phát hiện khuyết điểm sau khi công khai kết quả (đơn phản ánh có cơ sở).",
            decision_number="03-QĐ/ĐU",
            version=published.version,
        )
        _walk(rerating, rules.COMPLETED, rules.COMPLETED)
    _grant_and_sheet(round_, commune)
    if round_.scheme == rules.QD366.code:
        _term(round_, commune, published)
    for r in (before, round_):
        statistics.rebuild(r)
    return {"ratings": Rating.objects.filter(round=round_).count()}


def _term(round_: RatingRound, commune: Unit, rerated: Rating | None) -> None:
    """The term ending with the rated year (QĐ 366 reviews by term): the commune's organization
    and a member whose result was cancelled and re-rated, each with both years' published
    results (the year before under QĐ 124) read on their term rating, still to self-assess."""
    term = services.round_open(
        by=SYSTEM,
        title=f"Đánh giá, xếp loại chất lượng nhiệm kỳ {round_.year - 1}–{round_.year} — "
        f"{commune.name}",
        year=round_.year,
        scope_unit=commune,
        period=RoundPeriod.TERM,
        term_first=round_.year - 1,
        term_rollup=TermRollup.LOWEST,
        populate=False,
    )
    organization = Rating.objects.filter(
        round=round_, unit=commune, subject_kind=SubjectKind.ORGANIZATION
    ).first()
    for r in (organization, rerated):
        if r is not None:
            services.rating_add(
                round_=term,
                by=SYSTEM,
                subject_kind=r.subject_kind,
                unit=r.unit,
                person=r.person,
                position=r.position,
            )


def _cases(ratings: list[Rating], intended: dict[int, str]) -> None:
    """A member on long sick leave (rated on the work done) and the quarterly results of a few
    members (QĐ 366), before the walk, so the year's checks weigh them."""
    members = [r for r in ratings if r.subject_kind == SubjectKind.MEMBER]
    if not members:
        return
    sick = members[0]
    cases.rating_special_case(
        rating=sick,
        by=SYSTEM,
        special_case=SpecialCase.SICK_LEAVE,
        reason="Nghỉ ốm 4 tháng (tháng 3–6); các tháng còn lại hoàn thành phần việc được giao.",
        version=sick.version,
    )
    sick.refresh_from_db()
    for rating in members[1:6]:
        total = TOTALS[intended[rating.pk]]
        for quarter in (1, 2, 3):
            level = rules.level_for_score(rating.round.rules, rating.subject_kind, total)
            cases.quarter_record(
                rating=rating, by=SYSTEM, quarter=quarter, level=level, total=total
            )


def _grant_and_sheet(round_: RatingRound, commune: Unit) -> None:
    """The competent level's 25% grant for one group, and the commune's scoring sheet."""
    group = (
        PeerGroup.objects.filter(round=round_, subject_kind=SubjectKind.MEMBER)
        .order_by("pk")
        .first()
    )
    if group is not None:
        services.peer_group_grant(
            group=group,
            by=SYSTEM,
            reason="Hoàn thành vượt kế hoạch năm, nhiều sản phẩm nổi bật được cấp trên ghi nhận.",
        )
    services.sheet_create(
        by=SYSTEM,
        unit=commune,
        scheme=round_.scheme,
        subject_kind=SubjectKind.LEADER,
        title=f"Bảng điểm cán bộ lãnh đạo, quản lý — {commune.name}",
        criteria=LEADER_SHEET,
    )
