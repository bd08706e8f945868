"""Rule sets of the yearly quality classification, as data, one per rulebook (rules.md §0).

Each year is judged by the rulebook it was issued under: a rating round stores its scheme code
and the settings it was opened with, and nothing here is ever rewritten for a newer rulebook —
a new rulebook is a new `RuleSet` with a new code. What a province adds (its own scoring sheet
under a scheme) is data in the database (`models.ScoringSheet`), checked against the scheme's
criterion groups here.

- `legacy_2014` (HD 27-HD/BTCTW, reviews of 2014–2017): organizations on the old scale
  TSVM / HTTNV / HTNV / Yếu kém, scored (< 50 → Yếu kém); kept for importing history.
- `qd132_2018` (QĐ 132-QĐ/TW, HD 21-HD/BTCTW; 2018–2022): four levels, no points or grades.
- `qd124_2023` (QĐ 124-QĐ/TW, HD 25-HD/BTCTW; 2023–2024): four levels, each criterion graded
  Xuất sắc / Tốt / Trung bình / Kém.
- `qd366_2025` (QĐ 366-QĐ/TW, HD 43-HD/BTCTW; 2025 on): 100 points (30 general + 70 task
  results), bands 90 / 70 / 50.

The functions at the end are pure (no database): the engine (`checks.py`) gathers the facts of
one rating and asks them.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

# --- levels ------------------------------------------------------------------------------------

EXCELLENT = "excellent"  # HTXSNV
GOOD = "good"  # HTTNV
COMPLETED = "completed"  # HTNV
NOT_COMPLETED = "not_completed"  # KHTNV
LEGACY_CLEAN_STRONG = "legacy_clean_strong"  # TSVM (organizations, before 2018)
LEGACY_WEAK = "legacy_weak"  # Yếu kém (organizations, before 2018)


@dataclass(frozen=True)
class Level:
    """A rating level: its code, short code, label and rank (higher is better, 1 the lowest)."""

    code: str
    short: str
    label: Any  # a lazy translation
    rank: int


FOUR_LEVELS = (
    Level(EXCELLENT, "HTXSNV", _("Hoàn thành xuất sắc nhiệm vụ"), 4),
    Level(GOOD, "HTTNV", _("Hoàn thành tốt nhiệm vụ"), 3),
    Level(COMPLETED, "HTNV", _("Hoàn thành nhiệm vụ"), 2),
    Level(NOT_COMPLETED, "KHTNV", _("Không hoàn thành nhiệm vụ"), 1),
)
LEGACY_ORG_LEVELS = (
    Level(LEGACY_CLEAN_STRONG, "TSVM", _("Trong sạch, vững mạnh"), 4),
    Level(GOOD, "HTTNV", _("Hoàn thành tốt nhiệm vụ"), 3),
    Level(COMPLETED, "HTNV", _("Hoàn thành nhiệm vụ"), 2),
    Level(LEGACY_WEAK, "YK", _("Yếu kém"), 1),
)
ALL_LEVELS = {lv.code: lv for lv in FOUR_LEVELS + LEGACY_ORG_LEVELS}
LEVEL_CHOICES = [(lv.code, f"{lv.short} — {lv.label}") for lv in ALL_LEVELS.values()]

# --- subjects ----------------------------------------------------------------------------------

ORGANIZATION = "organization"
LEADERSHIP_COLLECTIVE = "leadership_collective"
MEMBER = "member"
LEADER = "leader"
COLLECTIVE_SUBJECTS = frozenset({ORGANIZATION, LEADERSHIP_COLLECTIVE})
INDIVIDUAL_SUBJECTS = frozenset({MEMBER, LEADER})
ALL_SUBJECTS = COLLECTIVE_SUBJECTS | INDIVIDUAL_SUBJECTS

# --- criteria ----------------------------------------------------------------------------------

GENERAL = "general"
TASK_RESULTS = "task_results"
GROUP_LABELS = {GENERAL: _("Nhóm tiêu chí chung"), TASK_RESULTS: _("Nhóm tiêu chí kết quả")}

# QĐ 124 grades, best first; rank as for levels.
GRADE_EXCELLENT = "excellent"
GRADE_GOOD = "good"
GRADE_AVERAGE = "average"
GRADE_POOR = "poor"
GRADES = {
    GRADE_EXCELLENT: (_("Xuất sắc"), 4),
    GRADE_GOOD: (_("Tốt"), 3),
    GRADE_AVERAGE: (_("Trung bình"), 2),
    GRADE_POOR: (_("Kém"), 1),
}
GRADE_CHOICES = [(code, label) for code, (label, _rank) in GRADES.items()]


@dataclass(frozen=True)
class Criterion:
    """One criterion: points from 0 to `max_points` (schemes with points) or a grade (124)."""

    code: str
    label: Any  # a lazy translation
    group: str
    max_points: Decimal | None = None


@dataclass(frozen=True)
class Condition:
    """A condition that forces the lowest level when it holds (KHTNV triggers): ticked at
    self-assessment or appraisal. `mitigable`: force majeure or self-reporting lets the
    competent level weigh it instead (a human decision with a reason, never automatic)."""

    code: str
    label: Any  # a lazy translation
    subjects: frozenset[str]
    source: str
    mitigable: bool = False


@dataclass(frozen=True)
class RuleSet:
    """Everything the engine needs to judge one year under one rulebook."""

    code: str
    title: str
    years: tuple[int, int | None]  # review years it applies to, inclusive (None: still current)
    source: str  # the documents, for every message that names a rule
    levels: tuple[Level, ...]
    # Subjects rated on another scale (2014: organizations on the old scale).
    levels_by_subject: dict[str, tuple[Level, ...]] = field(default_factory=dict)
    scoring: str = "none"  # "points", "grades" or "none"
    # Default criteria per subject (a province's sheet may replace them, same groups and totals).
    criteria: dict[str, tuple[Criterion, ...]] = field(default_factory=dict)
    group_totals: dict[str, Decimal] = field(default_factory=dict)
    # Score bands: (minimum score, level), best first; below the last → the lowest level.
    bands: tuple[tuple[Decimal, str], ...] = ()
    conditions: tuple[Condition, ...] = ()
    # Quota of the top level against the second level's count in a peer group (None: no quota).
    quota_ratio: Decimal | None = None
    quota_ratio_granted: Decimal | None = None
    quota_source: str = ""
    # Discipline → classification regime (rules.md §6): "366", "124", "132", "2014".
    discipline_regime: str = ""
    # HTXSNV needs every shortcoming of the previous review remedied (QĐ 366 Art. 11).
    top_needs_remediation: bool = False
    # A leader with more than half low-confidence ballots in the year → KHTNV (QĐ 366).
    low_confidence_rule: bool = False
    # A leader whose units did < 70% of tasks or have > 50% of units at the lowest level → KHTNV.
    leader_units_rule: bool = False

    def levels_for(self, subject: str) -> tuple[Level, ...]:
        return self.levels_by_subject.get(subject, self.levels)

    def level(self, subject: str, code: str) -> Level | None:
        return next((lv for lv in self.levels_for(subject) if lv.code == code), None)

    def top(self, subject: str) -> Level:
        return self.levels_for(subject)[0]

    def second(self, subject: str) -> Level:
        return self.levels_for(subject)[1]

    def lowest(self, subject: str) -> Level:
        return self.levels_for(subject)[-1]

    def conditions_for(self, subject: str) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if subject in c.subjects)

    def applies_to(self, year: int) -> bool:
        first, last = self.years
        return year >= first and (last is None or year <= last)


# --- the four rulebooks ------------------------------------------------------------------------

_P = Decimal


def _c(code: str, label: Any, group: str, points: int | None = None) -> Criterion:
    return Criterion(code, label, group, None if points is None else _P(points))


_ALL = frozenset(ALL_SUBJECTS)
_COLL = COLLECTIVE_SUBJECTS
_IND = INDIVIDUAL_SUBJECTS

# QĐ 366 Appendices 1–5 give the groups; the sub-points are the province's (rules.md §1.5). The
# default split below is a neutral one a province replaces with its own sheet.
_366_COLLECTIVE = (
    _c("politics", _("Chính trị tư tưởng, đoàn kết, dân chủ"), GENERAL, 10),
    _c("discipline", _("Kỷ luật, kỷ cương, phòng chống suy thoái"), GENERAL, 10),
    _c("remediation", _("Khắc phục hạn chế, khuyết điểm đã được chỉ ra"), GENERAL, 10),
    _c("tasks", _("Kết quả thực hiện nhiệm vụ được giao (sản phẩm, tiến độ)"), TASK_RESULTS, 50),
    _c("quality", _("Chất lượng, hiệu quả, nhiệm vụ vượt mức"), TASK_RESULTS, 20),
)
_366_INDIVIDUAL = (
    _c("politics", _("Chính trị tư tưởng, đạo đức, lối sống"), GENERAL, 10),
    _c("discipline", _("Ý thức tổ chức kỷ luật, tác phong, nêu gương"), GENERAL, 10),
    _c("remediation", _("Tự phê bình, khắc phục hạn chế đã được chỉ ra"), GENERAL, 10),
    _c("tasks", _("Kết quả thực hiện chức trách, nhiệm vụ (sản phẩm)"), TASK_RESULTS, 50),
    _c("quality", _("Tiến độ, chất lượng, nhiệm vụ vượt mức"), TASK_RESULTS, 20),
)
_124_COLLECTIVE = (
    _c("party_building", _("Xây dựng Đảng về chính trị, tư tưởng, tổ chức"), GENERAL),
    _c("leadership", _("Năng lực lãnh đạo, dân chủ, đoàn kết"), GENERAL),
    _c("inspection", _("Kiểm tra, giám sát, kỷ luật, phòng chống tham nhũng"), GENERAL),
    _c("remediation", _("Khắc phục hạn chế, khuyết điểm đã được chỉ ra"), GENERAL),
    _c("tasks", _("Kết quả thực hiện nhiệm vụ trong năm"), TASK_RESULTS),
)
_124_INDIVIDUAL = (
    _c("politics", _("Chính trị tư tưởng, đạo đức, lối sống"), GENERAL),
    _c("discipline", _("Ý thức tổ chức kỷ luật, những điều không được làm"), GENERAL),
    _c("commitment", _("Thực hiện cam kết tu dưỡng, rèn luyện, phấn đấu"), GENERAL),
    _c("remediation", _("Khắc phục hạn chế, khuyết điểm đã được chỉ ra"), GENERAL),
    _c("tasks", _("Kết quả thực hiện chức trách, nhiệm vụ (sản phẩm)"), TASK_RESULTS),
)
_2014_ORG = (
    _c("party_building", _("Công tác xây dựng Đảng"), GENERAL, 50),
    _c("tasks", _("Lãnh đạo thực hiện nhiệm vụ chính trị"), TASK_RESULTS, 50),
)

S366 = "QĐ 366-QĐ/TW (30/8/2025) Điều 11; HD 43-HD/BTCTW"
S124 = "QĐ 124-QĐ/TW (04/10/2023) Điều 12; HD 25-HD/BTCTW"
S132 = "QĐ 132-QĐ/TW (08/3/2018); HD 21-HD/BTCTW (18/10/2019)"
S2014 = "HD 27-HD/BTCTW (25/9/2014)"

QD366 = RuleSet(
    code="qd366_2025",
    title="Quy định 366-QĐ/TW (từ năm 2025)",
    years=(2025, None),
    source=S366,
    levels=FOUR_LEVELS,
    scoring="points",
    criteria={
        ORGANIZATION: _366_COLLECTIVE,
        LEADERSHIP_COLLECTIVE: _366_COLLECTIVE,
        MEMBER: _366_INDIVIDUAL,
        LEADER: _366_INDIVIDUAL,
    },
    group_totals={GENERAL: _P(30), TASK_RESULTS: _P(70)},
    bands=((_P(90), EXCELLENT), (_P(70), GOOD), (_P(50), COMPLETED)),
    conditions=(
        Condition(
            "disunity",
            _("Cấp có thẩm quyền kết luận vi phạm công tác cán bộ, mất đoàn kết, chạy chức"),
            frozenset({LEADERSHIP_COLLECTIVE, ORGANIZATION}),
            S366,
        ),
        Condition(
            "degradation",
            _("Có kết luận suy thoái, “tự diễn biến”, “tự chuyển hóa”"),
            _ALL,
            S366,
        ),
        Condition(
            "tasks_below_70",
            _("Địa phương, đơn vị hoàn thành dưới 70% nhiệm vụ hoặc không đạt 5 chỉ tiêu cơ bản"),
            frozenset({LEADERSHIP_COLLECTIVE, ORGANIZATION, LEADER}),
            S366,
            mitigable=True,
        ),
        Condition(
            "corruption_under",
            _("Tham nhũng, lãng phí, tiêu cực ở nơi trực tiếp quản lý đã bị xử lý kỷ luật"),
            frozenset({LEADER}),
            S366,
            mitigable=True,
        ),
        Condition(
            "forbidden_conduct",
            _("Vi phạm những điều đảng viên không được làm, trách nhiệm nêu gương"),
            frozenset({MEMBER}),
            S366,
        ),
        Condition(
            "tasks_half_failed",
            _("Trên 50% nhiệm vụ trong năm không hoàn thành"),
            frozenset({MEMBER}),
            S366,
            mitigable=True,
        ),
    ),
    quota_ratio=_P("0.20"),
    quota_ratio_granted=_P("0.25"),
    quota_source="QĐ 366-QĐ/TW Điều 11 điểm 1.5",
    discipline_regime="366",
    top_needs_remediation=True,
    low_confidence_rule=True,
    leader_units_rule=True,
)

QD124 = RuleSet(
    code="qd124_2023",
    title="Quy định 124-QĐ/TW (năm 2023, 2024)",
    years=(2023, 2024),
    source=S124,
    levels=FOUR_LEVELS,
    scoring="grades",
    criteria={
        ORGANIZATION: _124_COLLECTIVE,
        LEADERSHIP_COLLECTIVE: _124_COLLECTIVE,
        MEMBER: _124_INDIVIDUAL,
        LEADER: _124_INDIVIDUAL,
    },
    conditions=(
        Condition(
            "targets_below_50",
            _("Hoàn thành dưới 50% chỉ tiêu, nhiệm vụ; chỉ tiêu chủ yếu không đạt"),
            frozenset({ORGANIZATION, LEADERSHIP_COLLECTIVE, LEADER}),
            S124,
            mitigable=True,
        ),
        Condition(
            "disunity",
            _("Cấp có thẩm quyền kết luận mất đoàn kết"),
            frozenset({LEADERSHIP_COLLECTIVE}),
            S124,
        ),
        Condition(
            "degradation",
            _("Có kết luận suy thoái, “tự diễn biến”, “tự chuyển hóa”"),
            _ALL,
            S124,
        ),
        Condition(
            "forbidden_conduct",
            _("Vi phạm những điều đảng viên không được làm, trách nhiệm nêu gương"),
            _IND,
            S124,
        ),
    ),
    quota_ratio=_P("0.20"),
    quota_source="QĐ 124-QĐ/TW Điều 12",
    discipline_regime="124",
)

QD132 = RuleSet(
    code="qd132_2018",
    title="Quy định 132-QĐ/TW (năm 2018–2022)",
    years=(2018, 2022),
    source=S132,
    levels=FOUR_LEVELS,
    conditions=(
        Condition(
            "disunity",
            _("Mất đoàn kết, có thành viên suy thoái; tập thể bị kỷ luật"),
            frozenset({LEADERSHIP_COLLECTIVE}),
            S132,
        ),
        Condition(
            "targets_below_50",
            _("Đơn vị lãnh đạo hoàn thành dưới 50% chỉ tiêu, chỉ tiêu chủ yếu không đạt"),
            frozenset({LEADERSHIP_COLLECTIVE}),
            S132,
        ),
        Condition(
            "degradation",
            _("Có kết luận suy thoái, “tự diễn biến”, “tự chuyển hóa”"),
            _IND,
            S132,
        ),
        Condition("tasks_below_50", _("Hoàn thành dưới 50% nhiệm vụ"), _IND, S132),
        Condition(
            "civil_service_lowest",
            _("Xếp loại công chức, viên chức mức không hoàn thành nhiệm vụ"),
            _IND,
            S132,
        ),
    ),
    quota_ratio=_P("0.20"),
    quota_source="HD 21-HD/BTCTW (2019)",
    discipline_regime="132",
)

LEGACY2014 = RuleSet(
    code="legacy_2014",
    title="Hướng dẫn 27-HD/BTCTW (năm 2014–2017)",
    years=(2014, 2017),
    source=S2014,
    # Members' labels before 2018 are UNCONFIRMED (rules.md §1.14): the four codes stand in.
    levels=FOUR_LEVELS,
    levels_by_subject={ORGANIZATION: LEGACY_ORG_LEVELS},
    scoring="points",
    criteria={ORGANIZATION: _2014_ORG},
    group_totals={GENERAL: _P(50), TASK_RESULTS: _P(50)},
    bands=((_P(50), COMPLETED),),
    conditions=(
        Condition(
            "disunity",
            _("Cấp ủy mất đoàn kết"),
            frozenset({ORGANIZATION}),
            S2014,
        ),
        Condition(
            "government_lowest",
            _("Chính quyền cùng cấp xếp loại thấp nhất; từ 2 đoàn thể cùng cấp xếp loại thấp nhất"),
            frozenset({ORGANIZATION}),
            S2014,
        ),
        Condition(
            "subunits_weak",
            _(
                "Trên 1/3 tổ chức trực thuộc yếu kém (đảng bộ) hoặc trên 1/2 đảng viên KHTNV (chi "
                "bộ)"
            ),
            frozenset({ORGANIZATION}),
            S2014,
        ),
    ),
    discipline_regime="2014",
)

SCHEMES: dict[str, RuleSet] = {r.code: r for r in (LEGACY2014, QD132, QD124, QD366)}
SCHEME_CHOICES = [(r.code, r.title) for r in SCHEMES.values()]


def scheme_for_year(year: int) -> RuleSet:
    """The rulebook a review year was issued under (rules.md §0)."""
    for rules in SCHEMES.values():
        if rules.applies_to(year):
            return rules
    raise LookupError(year)


def get_scheme(code: str) -> RuleSet:
    return SCHEMES[code]


# --- judging (pure functions) -----------------------------------------------------------------


def rank(code: str) -> int:
    return ALL_LEVELS[code].rank


def short(code: str) -> str:
    level = ALL_LEVELS.get(code)
    return level.short if level else code


def level_for_score(rules: RuleSet, subject: str, score: Decimal) -> str:
    """The best level a total score reaches (366: ≥ 90, ≥ 70, ≥ 50; below → the lowest). For
    2014 the score only decides "Yếu kém" (< 50); the other levels are judged, not scored."""
    levels = rules.levels_for(subject)
    if rules.code == LEGACY2014.code:
        return levels[0].code if score >= _P(50) else levels[-1].code
    for minimum, code in rules.bands:
        if score >= minimum:
            return code
    return levels[-1].code


def level_for_grades(grades: dict[str, str], criteria: tuple[Criterion, ...]) -> str:
    """QĐ 124 Art. 12: any "Kém" → KHTNV; HTXSNV needs every criterion at least "Tốt" and the
    task results "Xuất sắc"; HTTNV every criterion at least "Trung bình" and the task results at
    least "Tốt"; HTNV every criterion at least "Trung bình"."""
    ranks = {c.code: GRADES[grades[c.code]][1] for c in criteria if c.code in grades}
    if not ranks or min(ranks.values()) <= GRADES[GRADE_POOR][1]:
        return NOT_COMPLETED
    task = min(ranks[c.code] for c in criteria if c.group == TASK_RESULTS and c.code in ranks)
    lowest = min(ranks.values())
    if lowest >= GRADES[GRADE_GOOD][1] and task >= GRADES[GRADE_EXCELLENT][1]:
        return EXCELLENT
    if task >= GRADES[GRADE_GOOD][1]:
        return GOOD
    return COMPLETED


class Rounding:
    """How the quota 20% × HTTNV is rounded (UNCONFIRMED, rules.md §1.7: "không vượt quá"
    supports rounding down, the default)."""

    DOWN = "down"
    HALF_UP = "half_up"
    UP = "up"
    CHOICES = [
        (DOWN, _("Làm tròn xuống (mặc định: “không vượt quá”)")),
        (HALF_UP, _("Làm tròn đến số nguyên gần nhất")),
        (UP, _("Làm tròn lên")),
    ]


def quota_cap(good_count: int, ratio: Decimal, rounding: str = Rounding.DOWN) -> int:
    """The most HTXSNV a peer group may have: ratio × its HTTNV count, rounded as configured.
    Exact decimal arithmetic: 20% of 10 is 2, not 1.9999."""
    raw = ratio * good_count
    if rounding == Rounding.UP:
        return math.ceil(raw)
    if rounding == Rounding.HALF_UP:
        return int((raw + _P("0.5")).to_integral_value(rounding="ROUND_FLOOR"))
    return math.floor(raw)


def low_votes_over_half(low: int, base: int) -> bool:
    """More than half of the base low (QĐ 366: > 50%); exactly half is not."""
    return base > 0 and 2 * low > base


def validate_sheet(rules: RuleSet, criteria: list[dict]) -> list[str]:
    """What is wrong with a province's scoring sheet under `rules` (empty: it fits): codes unique,
    groups of the scheme, points where the scheme scores and summing to each group's total."""
    problems: list[str] = []
    codes = [c.get("code", "") for c in criteria]
    if not criteria:
        problems.append(str(_("Bảng điểm phải có ít nhất một tiêu chí.")))
    if len(set(codes)) != len(codes) or not all(codes):
        problems.append(str(_("Mỗi tiêu chí cần một mã riêng, không trùng.")))
    groups = {c.get("group") for c in criteria}
    if groups - set(GROUP_LABELS):
        problems.append(str(_("Nhóm tiêu chí chỉ là “chung” hoặc “kết quả thực hiện nhiệm vụ”.")))
    if rules.scoring == "points":
        for group, total in rules.group_totals.items():
            points = sum(
                _P(str(c.get("max_points") or 0)) for c in criteria if c.get("group") == group
            )
            if points != total:
                problems.append(
                    str(
                        _("%(group)s phải cộng đúng %(total)s điểm (bảng điểm đang có %(points)s).")
                    )
                    % {"group": GROUP_LABELS[group], "total": total, "points": points}
                )
    return problems
