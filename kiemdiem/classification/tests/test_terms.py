"""Term ratings under QĐ 366 (rules.md §1.10, §1.12): the annual results feed the term rating.
A term round reads the PUBLISHED results of the subject's year rounds (a cancelled year reads its
re-rating), lists missing years, and checks the term level at decision by the round's roll-up."""

import datetime

import pytest
from django.urls import reverse

from kiemdiem.classification import cases, services, statistics
from kiemdiem.classification.models import Rating, RatingStatus, RoundPeriod, SubjectKind
from kiemdiem.classification.rules import COMPLETED, EXCELLENT, GOOD
from kiemdiem.classification.terms import term_ceiling, years_of
from kiemdiem.classification.tests.conftest import walk_to_appraised
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import SYSTEM


def _year_rating(round_, person, level, *, status=RatingStatus.PUBLISHED, **extra):
    """A member's annual result in a year round, already at `status`."""
    rated = status in (RatingStatus.PUBLISHED, RatingStatus.CANCELLED, RatingStatus.DECIDED)
    return Rating.objects.create(
        round=round_,
        subject_kind=SubjectKind.MEMBER,
        unit=person.memberships.first().unit,
        person=person,
        deciding_unit=round_.scope_unit,
        status=status,
        self_level=level,
        appraised_level=level,
        decided_level=level if rated else "",
        **extra,
    )


@pytest.fixture
def term(org_tree, office, travel_to):
    """Year rounds 2025 and 2026 and a term round 2025–2026 over province A (lowest roll-up),
    with the term rating of a member whose 2025 result was cancelled and re-rated."""
    travel_to(datetime.date(2026, 12, 20))
    y2025, y2026 = (
        services.round_open(
            by=office, title="", year=y, scope_unit=org_tree.province_a, populate=False
        )
        for y in (2025, 2026)
    )
    member, other = org_tree.members_a1[0], org_tree.members_a1[1]
    wrong = _year_rating(y2025, member, EXCELLENT, status=RatingStatus.CANCELLED)
    _year_rating(y2025, member, GOOD, rerating_of=wrong)
    _year_rating(y2026, member, EXCELLENT)
    _year_rating(y2026, other, COMPLETED, status=RatingStatus.DECIDED)  # not published yet
    round_ = services.round_open(
        by=office,
        title="",
        year=2026,
        scope_unit=org_tree.province_a,
        period=RoundPeriod.TERM,
        term_first=2025,
        term_rollup="lowest",
        populate=False,
    )
    ratings = [
        services.rating_add(
            round_=round_,
            by=office,
            subject_kind=SubjectKind.MEMBER,
            unit=org_tree.cell_a1,
            person=p,
        )
        for p in (member, other)
    ]
    return round_, ratings


def test_term_reads_published_years_a_rerating_and_lists_missing_years(term, settings):
    round_, (rating, other) = term
    assert round_.title == "Đánh giá, xếp loại chất lượng nhiệm kỳ 2025–2026"
    assert (round_.year, round_.term_first, round_.quarter_rollup) == (2026, 2025, "")
    rows = years_of(rating)
    assert [(r.year, r.level) for r in rows] == [(2025, GOOD), (2026, EXCELLENT)]
    assert rows[0].rating.rerating_of_id is not None  # the re-rating, not the cancelled result
    assert rows[0].label.startswith("HTTNV") and "366" in rows[0].scheme
    missing = years_of(other)
    assert [r.rating for r in missing] == [None, None]
    assert "Chưa có kết quả" in missing[0].missing and "Chưa công khai" in missing[1].missing
    assert term_ceiling(round_, SubjectKind.MEMBER, missing) is None
    # Lowest of (HTTNV, HTXSNV) → HTTNV; the mean of their ranks, rounded down → HTTNV too.
    assert term_ceiling(round_, SubjectKind.MEMBER, rows)[0] == GOOD
    round_.term_rollup = "average"
    assert "bình quân 2 năm" in term_ceiling(round_, SubjectKind.MEMBER, rows)[1]
    round_.term_rollup = "show"
    assert term_ceiling(round_, SubjectKind.MEMBER, rows) is None


def test_term_level_above_its_years_is_refused_unless_a_reason_is_given(
    term, grassroots_standing, grassroots_office
):
    _round, (rating, other) = term
    rating = walk_to_appraised(
        rating, self_by=SYSTEM, appraise_by=grassroots_office, level=EXCELLENT
    )
    problems = services.decision_problems(rating, EXCELLENT, {})
    assert any(
        "Mức thấp nhất các năm của nhiệm kỳ: HTTNV (năm 2025)" in p
        and "Có thể quyết định khác" in p
        for p in problems
    )
    overridden = services.decision_problems(rating, EXCELLENT, {"term_years": "Thành tích nổi bật"})
    assert not any("các năm của nhiệm kỳ" in p for p in overridden)
    assert not any(
        "các năm của nhiệm kỳ" in p for p in services.decision_problems(rating, GOOD, {})
    )
    services.rating_decide(
        rating=rating,
        by=grassroots_standing,
        level=GOOD,
        version=rating.version,
        note="Theo kết quả các năm của nhiệm kỳ",
    )
    rating.refresh_from_db()
    assert rating.status == RatingStatus.DECIDED
    # Counted in its own round: the summaries equal a recompute.
    statistics.merge_all()
    assert statistics.stored(rating.round) == statistics.recompute(rating.round)
    # A term round records no quarters: its years are read.
    with pytest.raises(DomainError, match="nhiệm kỳ không ghi kết quả quý"):
        cases.quarter_record(rating=other, by=SYSTEM, quarter=1, level=GOOD)


def test_term_rounds_only_under_366_with_a_sound_term(org_tree, office, today, settings):
    scope = org_tree.province_a
    kw = {"by": office, "title": "", "scope_unit": scope, "populate": False, "period": "term"}
    with pytest.raises(DomainError, match="chỉ có từ Quy định 366"):
        services.round_open(year=2024, term_first=2020, **kw)
    with pytest.raises(DomainError, match="không được trước năm đầu"):
        services.round_open(year=2025, term_first=2026, **kw)
    with pytest.raises(DomainError, match="năm đầu của nhiệm kỳ"):
        services.round_open(year=2025, **kw)
    settings.KIEMDIEM_CLASSIFICATION_TERM_ROLLUP = "average"
    round_ = services.round_open(year=2025, term_first=2021, **kw)
    assert round_.term_rollup == "average" and round_.period == "term"
    # The year round of the same last year is another round.
    year_round = services.round_open(
        by=office, title="", year=2025, scope_unit=scope, populate=False
    )
    assert year_round.term_first is None and year_round.term_rollup == ""
    with pytest.raises(DomainError, match="Đã có đợt đánh giá, xếp loại nhiệm kỳ 2021–2025"):
        services.round_open(year=2025, term_first=2021, **kw)


def test_term_round_opened_and_its_years_shown_on_the_pages(client, term, office, org_tree):
    round_, (rating, other) = term
    client.force_login(office)
    response = client.post(
        reverse("classification:round-create"),
        {
            "scope": org_tree.province_a.pk,
            "period": "term",
            "term_first": 2023,
            "year": 2024,
            "quota_rounding": "down",
        },
    )
    assert response.status_code == 200
    assert "chỉ có từ Quy định 366" in response.content.decode()
    page = client.get(
        reverse("classification:rating-self-assess", args=[rating.pk])
    ).content.decode()
    assert 'data-testid="term-years"' in page
    assert "Năm 2025: <strong>HTTNV — Hoàn thành tốt nhiệm vụ</strong>" in page
    assert "Mức thấp nhất các năm của nhiệm kỳ: HTTNV (năm 2025)." in page
    detail = client.get(other.get_absolute_url()).content.decode()
    assert "nhiệm kỳ 2025–2026" in detail and detail.count("thiếu kết quả") == 2
    assert (
        "Thống kê chỉ lập cho các đợt đánh giá năm"
        in client.get(round_.get_absolute_url()).content.decode()
    )
    stats = client.get(reverse("classification:statistics"), {"dot": round_.pk})
    assert stats.status_code == 404


def test_a_term_result_is_no_years_result(term, office, org_tree):
    """A term rating at the lowest level neither makes "two years running at the lowest level"
    nor enters a re-check of the year its term ends in."""
    from kiemdiem.classification import recheck, tally
    from kiemdiem.classification.rules import NOT_COMPLETED

    round_, (rating, _other) = term
    Rating.objects.filter(pk=rating.pk).update(
        status=RatingStatus.PUBLISHED, decided_level=NOT_COMPLETED
    )
    y2027 = services.round_open(
        by=office, title="", year=2027, scope_unit=org_tree.province_a, populate=False
    )
    later = _year_rating(y2027, rating.person, NOT_COMPLETED, status=RatingStatus.DECIDED)
    assert not statistics.lowest_two_years(y2027, org_tree.province_a).exists()
    assert not tally._lowest_in(2026, later).exists()
    published = recheck._published_in(org_tree.province_a, 2026)
    assert rating.pk not in set(published.values_list("pk", flat=True))
