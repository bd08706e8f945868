"""The classification services at every boundary the issue lists: opening a round, the three
steps, quota, discipline under each scheme, confidence votes, head vs unit, ordering, cancel."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.classification import rules, services
from kiemdiem.classification.models import (
    ExemptReason,
    Rating,
    RatingRound,
    RatingStatus,
    SubjectKind,
)
from kiemdiem.classification.rules import COMPLETED, EXCELLENT, GOOD, NOT_COMPLETED
from kiemdiem.classification.services import RuleRefused
from kiemdiem.classification.tests.conftest import (
    D,
    even_scores,
    fake_rating,
    rating_of,
    walk_to_appraised,
)
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult, PollStatus
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.discipline.models import DisciplineCase, DisciplineStatus
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.org.tests.factories import PersonFactory


def _state(rating):
    rating.refresh_from_db()
    return rating


# --- opening a round ------------------------------------------------------------------------


def test_opening_a_round_rates_every_subject_under_the_year_rulebook(org_tree, round_2025):
    assert round_2025.scheme == "qd366_2025"
    kinds = set(Rating.objects.filter(round=round_2025).values_list("subject_kind", "unit__code"))
    assert ("organization", "CB38A1") in kinds
    assert ("organization", "CS38A1") in kinds
    assert ("organization", "TU38") not in kinds  # the scope itself is rated by the level above
    member = rating_of(round_2025, person=org_tree.members_a1[0])
    # Members are decided by their grassroots organization (HD 21 default), one peer group.
    assert member.deciding_unit == org_tree.grassroots_a1
    assert member.peer_group.deciding_unit == org_tree.grassroots_a1
    cell = rating_of(round_2025, unit=org_tree.cell_a1)
    assert cell.deciding_unit == org_tree.grassroots_a1
    assert rating_of(round_2025, unit=org_tree.grassroots_a1).deciding_unit == org_tree.district_a1


def test_a_past_year_keeps_its_own_rulebook(org_tree, office, today):
    r2019 = services.round_open(
        by=office, title="", year=2019, scope_unit=org_tree.province_a, populate=False
    )
    assert r2019.scheme == "qd132_2018"
    with pytest.raises(DomainError, match="theo Quy định 124"):
        services.round_open(
            by=office, title="", year=2023, scope_unit=org_tree.district_a1, scheme="qd366_2025"
        )
    assert not RatingRound.objects.filter(year=2023).exists()


def test_a_member_admitted_less_than_6_months_before_is_exempt(org_tree, office, today):
    newcomer = PersonFactory(admission_date=D(2025, 8, 1), official_date=None)
    org_services.membership_add(
        person=newcomer, unit=org_tree.cell_a1, valid_from=D(2025, 8, 1), by=SYSTEM
    )
    round_ = services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)
    rating = Rating.objects.get(round=round_, person=newcomer)
    assert rating.status == RatingStatus.EXEMPT
    assert rating.exempt_reason == ExemptReason.NEW_MEMBER
    assert rating_of(round_, person=org_tree.members_a1[0]).status == RatingStatus.DRAFT


def test_only_the_scope_office_opens_a_round(org_tree, outsider, today):
    with pytest.raises(PermissionDenied):
        services.round_open(by=outsider, title="", year=2025, scope_unit=org_tree.province_a)


# --- self-assessment: bad input, nothing changed --------------------------------------------


@pytest.mark.parametrize(
    ("level", "scores", "message"),
    [
        ("legacy_clean_strong", even_scores(95), "không có trong Quy định 366"),
        ("excellent", dict(even_scores(95), tasks="51"), "phải từ 0 đến 50"),
        ("excellent", dict(even_scores(95), tasks="-1"), "phải từ 0 đến 50"),
        ("excellent", dict(even_scores(95), tasks="abc"), "phải là một số"),
        ("excellent", {k: v for k, v in even_scores(95).items() if k != "tasks"}, "Chưa chấm"),
        ("excellent", even_scores("89.9"), "chỉ đạt mức HTTNV"),
        ("good", even_scores("69.9"), "chỉ đạt mức HTNV"),
    ],
)
def test_bad_self_assessment_is_refused_with_the_rule(org_tree, round_2025, level, scores, message):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=message):
        services.rating_self_assess(
            rating=rating,
            by=SYSTEM,
            level=level,
            reasons="Tự đánh giá",
            version=rating.version,
            scores=scores,
        )
    assert _state(rating).status == RatingStatus.DRAFT
    assert rating.self_level == ""
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("total", "best"),
    [
        ("90", EXCELLENT),
        ("89.9", GOOD),
        ("70", GOOD),
        ("69.9", COMPLETED),
        ("50", COMPLETED),
        ("49.9", NOT_COMPLETED),
    ],
)
def test_366_scores_at_the_band_boundaries(org_tree, round_2025, total, best):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=best,
        reasons="Tự đánh giá",
        version=rating.version,
        scores=even_scores(total),
    )
    rating = _state(rating)
    assert rating.self_level == best
    assert str(rating.self_total.normalize()) == str(
        __import__("decimal").Decimal(total).normalize()
    )


# --- appraisal: a downgrade keeps both levels -----------------------------------------------


def test_an_appraisal_downgrade_keeps_both_levels_and_needs_a_reason(
    org_tree, round_2025, grassroots_office
):
    rating = rating_of(round_2025, unit=org_tree.cell_a1)
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=EXCELLENT,
        reasons="Hoàn thành xuất sắc",
        version=rating.version,
        scores=even_scores(92),
    )
    rating = _state(rating)
    with pytest.raises(DomainError, match="lý do hạ mức"):
        services.rating_appraise(
            rating=rating, by=grassroots_office, level=GOOD, reasons="  ", version=rating.version
        )
    services.rating_appraise(
        rating=rating,
        by=grassroots_office,
        level=GOOD,
        version=rating.version,
        reasons="Chưa có nhiệm vụ vượt mức 30%",
    )
    rating = _state(rating)
    assert (rating.self_level, rating.appraised_level) == (EXCELLENT, GOOD)
    assert rating.downgraded
    assert rating.appraisal_reasons == "Chưa có nhiệm vụ vượt mức 30%"


def test_nobody_appraises_their_own_rating(org_tree, round_2025, member):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    services.rating_self_assess(
        rating=rating,
        by=member,
        level=GOOD,
        reasons="Tự đánh giá",
        version=rating.version,
        scores=even_scores(80),
    )
    rating = _state(rating)
    with pytest.raises(PermissionDenied, match="chính mình"):
        services.rating_appraise(
            rating=rating, by=member, level=GOOD, reasons="Đồng ý", version=rating.version
        )


# --- decision: competent level, quota -------------------------------------------------------


def test_a_decision_by_a_body_that_is_not_the_competent_level_is_refused(
    org_tree, round_2025, grassroots_office, commune_standing
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
    )
    with pytest.raises(PermissionDenied, match="Cấp có thẩm quyền quyết định xếp loại"):
        services.rating_decide(
            rating=rating, by=commune_standing, level=GOOD, version=rating.version
        )
    assert _state(rating).status == RatingStatus.APPRAISED


def test_quota_exactly_20_percent_two_allowed_a_third_refused(
    org_tree, round_2025, grassroots_office, grassroots_standing
):
    first = rating_of(round_2025, person=org_tree.members_a1[0])
    second = rating_of(round_2025, person=org_tree.members_a1[1])
    third = rating_of(round_2025, person=org_tree.members_a1[2])
    for _ in range(10):
        fake_rating(round_2025, first, GOOD)
    for rating in (first, second):
        rating = walk_to_appraised(
            rating, self_by=SYSTEM, appraise_by=grassroots_office, level=EXCELLENT
        )
        services.rating_decide(
            rating=rating,
            by=grassroots_standing,
            level=EXCELLENT,
            version=rating.version,
            decision_number="05-QĐ/ĐU",
        )
        assert _state(rating).decided_level == EXCELLENT
    third = walk_to_appraised(third, self_by=SYSTEM, appraise_by=grassroots_office, level=EXCELLENT)
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=third, by=grassroots_standing, level=EXCELLENT, version=third.version
        )
    assert any(
        "Vượt tỉ lệ HTXSNV: 3 HTXSNV trên 10 HTTNV; tối đa 2" in p for p in refused.value.problems
    )
    assert any("QĐ 366-QĐ/TW Điều 11 điểm 1.5" in p for p in refused.value.problems)
    assert _state(third).status == RatingStatus.APPRAISED
    # The competent level grants 25% to the group: 10 × 25% = 2.5 → still 2, so add 2 HTTNV.
    services.peer_group_grant(
        group=third.peer_group, by=grassroots_standing, reason="Vượt kế hoạch"
    )
    for _ in range(2):
        fake_rating(round_2025, first, GOOD)
    third = _state(third)
    services.rating_decide(
        rating=third, by=grassroots_standing, level=EXCELLENT, version=third.version
    )
    assert _state(third).decided_level == EXCELLENT


@pytest.mark.parametrize(
    ("goods", "granted", "allowed"),
    [(0, False, False), (1, False, False), (3, False, False), (3, True, False), (4, True, True)],
)
def test_quota_in_peer_groups_of_1_to_4(
    org_tree, round_2025, grassroots_office, grassroots_standing, goods, granted, allowed
):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    # Only this group: the other members of the cell stay out of it.
    Rating.objects.filter(round=round_2025, peer_group=rating.peer_group).exclude(
        pk=rating.pk
    ).update(status=RatingStatus.EXEMPT)
    for _ in range(goods):
        fake_rating(round_2025, rating, GOOD)
    if granted:
        services.peer_group_grant(group=rating.peer_group, by=grassroots_standing, reason="Nổi bật")
    rating = walk_to_appraised(
        rating, self_by=SYSTEM, appraise_by=grassroots_office, level=EXCELLENT
    )
    if allowed:
        services.rating_decide(
            rating=rating, by=grassroots_standing, level=EXCELLENT, version=rating.version
        )
        assert _state(rating).status == RatingStatus.DECIDED
    else:
        with pytest.raises(RuleRefused, match="HTXSNV"):
            services.rating_decide(
                rating=rating, by=grassroots_standing, level=EXCELLENT, version=rating.version
            )


def test_the_competent_level_decides_after_the_peers_of_its_group_without_ordering(
    org_tree, round_2025, grassroots_office, grassroots_standing
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
    )
    services.rating_decide(
        rating=rating,
        by=grassroots_standing,
        level=GOOD,
        version=rating.version,
        decision_number="07-QĐ/ĐU",
    )
    rating = _state(rating)
    services.rating_publish(rating=rating, by=grassroots_standing, version=rating.version)
    rating = _state(rating)
    assert rating.status == RatingStatus.PUBLISHED
    assert rating.published_on == D(2025, 12, 20)


def test_deciding_another_level_than_the_appraisal_needs_a_reason(
    org_tree, round_2025, grassroots_office, grassroots_standing
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
    )
    with pytest.raises(DomainError, match="khác mức đề xuất"):
        services.rating_decide(
            rating=rating, by=grassroots_standing, level=COMPLETED, version=rating.version
        )
    services.rating_decide(
        rating=rating,
        by=grassroots_standing,
        level=COMPLETED,
        version=rating.version,
        note="Chưa hoàn thành đúng hạn 2 nhiệm vụ",
    )
    assert _state(rating).decided_level == COMPLETED


# --- discipline in the year, under each scheme ----------------------------------------------


def _discipline(
    person, unit, deciding, *, year=2025, duty=True, self_reported=False, form="reprimand"
):
    return DisciplineCase.objects.create(
        subject_kind="individual",
        unit=unit,
        person=person,
        violation="Vi phạm",
        violation_on=D(year, 3, 1),
        violation_area="discipline",
        duty_related=duty,
        self_reported=self_reported,
        deciding_unit=deciding,
        authority="inspection",
        form=form,
        form_in_force=form,
        decided_on=D(year, 6, 1),
        status=DisciplineStatus.DECIDED,
    )


def _round(org_tree, office, year):
    return services.round_open(by=office, title="", year=year, scope_unit=org_tree.province_a)


def _member_round(org_tree, office, year, person):
    """A round of `year` with the one member rated (past years: the tree of the fixture is
    younger than them)."""
    round_ = services.round_open(
        by=office, title="", year=year, scope_unit=org_tree.province_a, populate=False
    )
    services.rating_add(
        round_=round_,
        by=office,
        subject_kind=SubjectKind.MEMBER,
        unit=org_tree.cell_a1,
        person=person,
    )
    return round_


@pytest.mark.parametrize(
    ("year", "duty", "self_reported", "mitigation", "outcome"),
    [
        (2025, True, False, "", "refused"),  # 366: duty-related ≥ khiển trách → KHTNV
        (2025, False, False, "", "allowed"),  # 366: not duty-related: no ceiling
        (2025, True, True, "self_reported", "weigh"),  # 366: mitigation → a human decision
        (2023, False, False, "", "refused"),  # 124: any discipline → KHTNV
        (2023, False, True, "", "allowed"),  # 124: self-detected and fixed
        (2020, False, True, "", "refused"),  # 132: any discipline → KHTNV
        (2024, True, False, "other_year", "allowed"),  # a case of 2024 is not of 2025's rating
    ],
)
def test_discipline_in_the_year_under_each_scheme(
    org_tree,
    office,
    grassroots_office,
    grassroots_standing,
    year,
    duty,
    self_reported,
    mitigation,
    outcome,
):
    rated_year = 2025 if mitigation == "other_year" else year
    person = org_tree.members_a1[0]
    round_ = _member_round(org_tree, office, rated_year, person)
    _discipline(
        person,
        org_tree.cell_a1,
        org_tree.grassroots_a1,
        year=year,
        duty=duty,
        self_reported=self_reported,
    )
    rating = rating_of(round_, person=person)
    rating.refresh_from_db()
    level = GOOD
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=level,
        reasons="Tự đánh giá",
        version=rating.version,
        scores=even_scores(80)
        if round_.rules.scoring == "points"
        else (
            {c.code: "good" for c in round_.rules.criteria[rules.MEMBER]}
            if round_.rules.scoring == "grades"
            else {}
        ),
    )
    rating = _state(rating)
    extra = (
        {"mitigation": "self_reported", "mitigation_note": "Tự báo cáo"}
        if mitigation == "self_reported"
        else {}
    )
    services.rating_appraise(
        rating=rating,
        by=grassroots_office,
        level=level,
        reasons="Đồng ý",
        version=rating.version,
        **extra,
    )
    rating = _state(rating)
    if outcome == "allowed":
        services.rating_decide(
            rating=rating, by=grassroots_standing, level=level, version=rating.version
        )
        assert _state(rating).decided_level == level
        return
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=rating, by=grassroots_standing, level=level, version=rating.version
        )
    assert any("Kỷ luật trong năm" in p and "KHTNV" in p for p in refused.value.problems)
    if outcome == "weigh":
        assert any("nêu lý do" in p for p in refused.value.problems)
        services.rating_decide(
            rating=rating,
            by=grassroots_standing,
            level=level,
            version=rating.version,
            overrides={"discipline": "Tự phát hiện, khắc phục ngay hậu quả"},
        )
        rating = _state(rating)
        assert rating.decided_level == level
        assert rating.overrides[0]["code"] == "discipline"
    else:
        services.rating_decide(
            rating=rating,
            by=grassroots_standing,
            level=NOT_COMPLETED,
            version=rating.version,
            note="Bị kỷ luật",
        )
        assert _state(rating).decided_level == NOT_COMPLETED


def test_366_collective_with_a_disciplined_subunit_cannot_be_excellent(
    org_tree, office, round_2025, commune_standing
):
    DisciplineCase.objects.create(
        subject_kind="collective",
        unit=org_tree.cell_a1,
        violation="Vi phạm nguyên tắc",
        violation_on=D(2025, 3, 1),
        violation_area="discipline",
        deciding_unit=org_tree.grassroots_a1,
        authority="inspection",
        form="reprimand",
        form_in_force="reprimand",
        decided_on=D(2025, 6, 1),
        status=DisciplineStatus.DECIDED,
    )
    from kiemdiem.classification.checks import discipline_check

    rating = rating_of(round_2025, unit=org_tree.grassroots_a1)
    assert not discipline_check(rating, EXCELLENT).passed
    assert discipline_check(rating, GOOD).passed


# --- confidence votes -------------------------------------------------------------------------


def _poll(org_tree, person, low, base):
    poll = ConfidencePoll.objects.create(
        title="Lấy phiếu giữa nhiệm kỳ",
        body_unit=org_tree.district_a1,
        held_on=D(2025, 9, 1),
        year=2025,
        convened_count=base,
        present_count=base,
        low_share_base="valid_ballots",
        status=PollStatus.FINALIZED,
    )
    ConfidenceResult.objects.create(
        poll=poll,
        person=person,
        title="Bí thư",
        year=2025,
        low_count=low,
        normal_count=base - low,
        base_count=base,
    )


@pytest.mark.parametrize(("low", "refused"), [(10, False), (11, True)])
def test_a_leader_with_exactly_half_low_votes_and_one_more(
    org_tree, office, today, commune_standing, low, refused
):
    leader = PersonFactory(full_name="Lê Văn Bí Thư")
    org_services.position_add(
        person=leader,
        unit=org_tree.grassroots_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    _poll(org_tree, leader, low, 20)
    round_ = _round(org_tree, office, 2025)
    rating = rating_of(round_, person=leader, kind=SubjectKind.LEADER)
    assert rating.deciding_unit == org_tree.district_a1
    from kiemdiem.classification.checks import confidence_check

    check = confidence_check(rating, GOOD)
    assert check.passed is not refused
    if refused:
        assert "11/20 phiếu tín nhiệm thấp" in check.message
        assert confidence_check(rating, NOT_COMPLETED).passed


# --- head vs unit, ordering -------------------------------------------------------------------


def test_a_head_one_level_above_the_unit_is_refused(
    org_tree, office, today, commune_standing, grassroots_standing
):
    leader = PersonFactory(full_name="Phạm Văn Trưởng")
    org_services.position_add(
        person=leader,
        unit=org_tree.cell_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    round_ = _round(org_tree, office, 2025)
    cell = rating_of(round_, unit=org_tree.cell_a1)
    head = rating_of(round_, person=leader, kind=SubjectKind.LEADER)
    assert head.deciding_unit == org_tree.grassroots_a1
    head = walk_to_appraised(head, self_by=SYSTEM, appraise_by=SYSTEM, level=EXCELLENT)
    # The head waits for the unit (ordering), which itself waits for its members.
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=head, by=grassroots_standing, level=GOOD, version=head.version
        )
    assert any("Trình tự" in p and "Chi bộ Tổ Toán" in p for p in refused.value.problems)
    Rating.objects.filter(round=round_, subject_kind=SubjectKind.MEMBER).update(
        status=RatingStatus.EXEMPT
    )
    cell = walk_to_appraised(cell, self_by=SYSTEM, appraise_by=SYSTEM, level=COMPLETED)
    services.rating_decide(
        rating=cell, by=grassroots_standing, level=COMPLETED, version=cell.version
    )
    head = _state(head)
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=head, by=grassroots_standing, level=GOOD, version=head.version, note="Hạ"
        )
    assert any("không được xếp cao hơn Chi bộ Tổ Toán (HTNV)" in p for p in refused.value.problems)
    services.rating_decide(
        rating=head,
        by=grassroots_standing,
        level=COMPLETED,
        version=head.version,
        note="Bằng mức đơn vị",
    )
    assert _state(head).decided_level == COMPLETED


def test_the_head_rule_can_be_turned_off_for_a_round(org_tree, office, today, grassroots_standing):
    leader = PersonFactory(full_name="Phạm Văn Trưởng")
    org_services.position_add(
        person=leader,
        unit=org_tree.cell_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    round_ = services.round_open(
        by=office, title="", year=2025, scope_unit=org_tree.province_a, head_rule=False
    )
    head = rating_of(round_, person=leader, kind=SubjectKind.LEADER)
    head = walk_to_appraised(head, self_by=SYSTEM, appraise_by=SYSTEM, level=GOOD)
    services.rating_decide(rating=head, by=grassroots_standing, level=GOOD, version=head.version)
    assert _state(head).decided_level == GOOD


def test_an_organization_waits_for_its_members_and_subunits(org_tree, round_2025, commune_standing):
    rating = walk_to_appraised(
        rating_of(round_2025, unit=org_tree.grassroots_a1),
        self_by=SYSTEM,
        appraise_by=SYSTEM,
        level=GOOD,
    )
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=rating, by=commune_standing, level=GOOD, version=rating.version
        )
    assert any("Trình tự" in p for p in refused.value.problems)
    assert _state(rating).status == RatingStatus.APPRAISED


# --- verification, remediation --------------------------------------------------------------


def test_complaints_wait_for_the_higher_committee_verification(
    org_tree, round_2025, grassroots_office, grassroots_standing, commune_standing
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
        complaints="Có đơn phản ánh",
    )
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=rating, by=grassroots_standing, level=GOOD, version=rating.version
        )
    assert any("xác minh" in p for p in refused.value.problems)
    with pytest.raises(PermissionDenied):
        services.rating_verify(
            rating=rating, by=grassroots_standing, verification="x", version=rating.version
        )
    services.rating_verify(
        rating=rating,
        by=commune_standing,
        verification="Đơn không có cơ sở",
        version=rating.version,
    )
    rating = _state(rating)
    services.rating_decide(
        rating=rating, by=grassroots_standing, level=GOOD, version=rating.version
    )
    assert _state(rating).status == RatingStatus.DECIDED


# --- cancel and re-rate ------------------------------------------------------------------------


def test_the_directly_higher_committee_cancels_and_the_rerating_sits_beside(
    org_tree, round_2025, grassroots_office, grassroots_standing, commune_standing, office
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
    )
    services.rating_decide(
        rating=rating, by=grassroots_standing, level=GOOD, version=rating.version
    )
    rating = _state(rating)
    services.rating_publish(rating=rating, by=grassroots_standing, version=rating.version)
    rating = _state(rating)
    for wrong in (grassroots_standing, office):
        with pytest.raises(PermissionDenied, match="cấp trên trực tiếp"):
            services.rating_cancel(
                rating=rating,
                by=wrong,
                reason="Sai",
                decision_number="01-QĐ/ĐU",
                version=rating.version,
            )
    with pytest.raises(DomainError, match="Mẫu 03"):
        services.rating_cancel(
            rating=rating,
            by=commune_standing,
            reason="Sai",
            decision_number=" ",
            version=rating.version,
        )
    new = services.rating_cancel(
        rating=rating,
        by=commune_standing,
        reason="Phát sinh khuyết điểm mới",
        decision_number="12-QĐ/ĐU",
        version=rating.version,
    )
    rating = _state(rating)
    assert rating.status == RatingStatus.CANCELLED
    assert rating.decided_level == GOOD  # the old result stays
    assert rating.cancelled_by_unit == org_tree.district_a1
    assert new.rerating_of == rating
    assert new.status == RatingStatus.DRAFT
    assert rating_of(round_2025, person=org_tree.members_a1[0]) == new
