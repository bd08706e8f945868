"""The rule sets as data: each scheme at every boundary the issue lists (no database)."""

from decimal import Decimal

import pytest

from kiemdiem.classification import rules
from kiemdiem.classification.rules import (
    COMPLETED,
    EXCELLENT,
    GOOD,
    LEGACY2014,
    LEGACY_CLEAN_STRONG,
    LEGACY_WEAK,
    NOT_COMPLETED,
    QD124,
    QD132,
    QD366,
    Rounding,
)

P = Decimal


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (2014, "legacy_2014"),
        (2017, "legacy_2014"),
        (2018, "qd132_2018"),
        (2022, "qd132_2018"),
        (2023, "qd124_2023"),
        (2024, "qd124_2023"),
        (2025, "qd366_2025"),
        (2031, "qd366_2025"),
    ],
)
def test_each_year_is_judged_by_the_rulebook_it_was_issued_under(year, code):
    assert rules.scheme_for_year(year).code == code


def test_a_year_before_2014_has_no_rulebook():
    with pytest.raises(LookupError):
        rules.scheme_for_year(2013)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("100", EXCELLENT),
        ("90", EXCELLENT),
        ("89.9", GOOD),
        ("70", GOOD),
        ("69.9", COMPLETED),
        ("50", COMPLETED),
        ("49.9", NOT_COMPLETED),
        ("0", NOT_COMPLETED),
    ],
)
def test_366_score_bands_at_every_boundary(score, level):
    for subject in rules.ALL_SUBJECTS:
        assert rules.level_for_score(QD366, subject, P(score)) == level


def test_366_default_sheets_are_30_plus_70_points():
    for subject in rules.ALL_SUBJECTS:
        criteria = QD366.criteria[subject]
        general = sum(c.max_points for c in criteria if c.group == rules.GENERAL)
        tasks = sum(c.max_points for c in criteria if c.group == rules.TASK_RESULTS)
        assert (general, tasks) == (30, 70)


def test_2014_organizations_have_the_old_scale_and_fall_to_weak_below_50():
    assert [lv.short for lv in LEGACY2014.levels_for(rules.ORGANIZATION)] == [
        "TSVM",
        "HTTNV",
        "HTNV",
        "YK",
    ]
    assert rules.level_for_score(LEGACY2014, rules.ORGANIZATION, P(50)) == LEGACY_CLEAN_STRONG
    assert rules.level_for_score(LEGACY2014, rules.ORGANIZATION, P("49.9")) == LEGACY_WEAK
    assert LEGACY2014.quota_ratio is None


def test_132_and_124_have_the_four_levels_and_the_20_percent_quota():
    for scheme in (QD132, QD124, QD366):
        assert [lv.short for lv in scheme.levels] == ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
        assert scheme.quota_ratio == P("0.20")
    assert QD366.quota_ratio_granted == P("0.25")
    assert QD124.quota_ratio_granted is None
    assert QD132.scoring == "none"


# --- QĐ 124 grades ------------------------------------------------------------------------


def _grades(general, tasks):
    criteria = QD124.criteria[rules.MEMBER]
    return {c.code: (tasks if c.group == rules.TASK_RESULTS else general) for c in criteria}


@pytest.mark.parametrize(
    ("general", "tasks", "level"),
    [
        ("good", "excellent", EXCELLENT),
        ("excellent", "excellent", EXCELLENT),
        ("average", "excellent", GOOD),  # a criterion only "Trung bình": not HTXSNV
        ("good", "good", GOOD),
        ("average", "good", GOOD),
        ("average", "average", COMPLETED),
        ("poor", "excellent", NOT_COMPLETED),  # any "Kém" → KHTNV
        ("good", "poor", NOT_COMPLETED),
    ],
)
def test_124_grades_give_the_best_level_reachable(general, tasks, level):
    criteria = QD124.criteria[rules.MEMBER]
    assert rules.level_for_grades(_grades(general, tasks), criteria) == level


# --- quota --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "cap"),
    [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3)],
)
def test_quota_is_20_percent_of_the_good_count_rounded_down(good, cap):
    assert rules.quota_cap(good, P("0.20")) == cap


@pytest.mark.parametrize(("good", "cap"), [(1, 0), (3, 0), (4, 1), (8, 2), (10, 2), (12, 3)])
def test_quota_granted_is_25_percent(good, cap):
    assert rules.quota_cap(good, P("0.25")) == cap


@pytest.mark.parametrize(
    ("good", "rounding", "cap"),
    [
        (3, Rounding.HALF_UP, 1),  # 0.6
        (2, Rounding.HALF_UP, 0),  # 0.4
        (1, Rounding.UP, 1),  # 0.2
        (4, Rounding.DOWN, 0),  # 0.8
    ],
)
def test_quota_rounding_is_configurable(good, rounding, cap):
    assert rules.quota_cap(good, P("0.20"), rounding) == cap


# --- confidence votes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "base", "over"),
    [(10, 20, False), (11, 20, True), (5, 11, False), (6, 11, True), (0, 0, False)],
)
def test_low_confidence_is_more_than_half_not_exactly_half(low, base, over):
    assert rules.low_votes_over_half(low, base) is over


# --- provincial sheets --------------------------------------------------------------------


def test_a_province_sheet_must_add_up_to_the_scheme_groups():
    good = [
        {"code": "a", "label": "A", "group": "general", "max_points": 30},
        {"code": "b", "label": "B", "group": "task_results", "max_points": 40},
        {"code": "c", "label": "C", "group": "task_results", "max_points": "30"},
    ]
    assert rules.validate_sheet(QD366, good) == []
    bad = [dict(good[0], max_points=25), good[1], dict(good[2], code="b")]
    problems = rules.validate_sheet(QD366, bad)
    assert any("không trùng" in p for p in problems)
    assert any("30 điểm" in p and "25" in p for p in problems)
