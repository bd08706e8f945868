"""Who is rated and on what terms (committee collectives, new members, leave, temporary party
activity), a leader's task share computed from the units they lead, quarterly results feeding
the year under QĐ 366, bulk opening of a round, closing a round, editing a scoring sheet."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.classification import cases, services
from kiemdiem.classification.case_checks import quarters_of
from kiemdiem.classification.models import (
    Rating,
    RatingStatus,
    RoundStatus,
    SpecialCase,
    SubjectKind,
)
from kiemdiem.classification.opening import subjects_open
from kiemdiem.classification.rules import COMPLETED, EXCELLENT, GOOD, NOT_COMPLETED
from kiemdiem.classification.services import RuleRefused
from kiemdiem.classification.tests.conftest import D, grant, rating_of, walk_to_appraised
from kiemdiem.classification.tests.test_sheets import SHEET
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.core.versions import StaleObject
from kiemdiem.org import services as org_services
from kiemdiem.org.models import AccessRole, MembershipKind, PositionRole
from kiemdiem.org.tests.factories import PersonFactory, UnitFactory

SCORES = {"politics": 10, "discipline": 10, "remediation": 10, "tasks": 40, "quality": 10}


def _fresh(rating):
    rating.refresh_from_db()
    return rating


# --- who is rated ---------------------------------------------------------------------------------


def test_committees_of_party_organizations_are_rated_and_decided_before_their_head(
    org_tree, office, today, commune_standing
):
    secretary = PersonFactory(full_name="Lê Văn Bí")
    org_services.position_add(
        person=secretary,
        unit=org_tree.grassroots_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    round_ = services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)
    committee = rating_of(
        round_, unit=org_tree.grassroots_a1, kind=SubjectKind.LEADERSHIP_COLLECTIVE
    )
    assert committee.subject_label == "Ban Chấp hành Đảng bộ Trường THPT Quảng Xương"
    commune = rating_of(round_, unit=org_tree.district_a1, kind=SubjectKind.LEADERSHIP_COLLECTIVE)
    assert commune.subject_label.startswith("Ban Thường vụ")
    # A cell has no committee collective of its own here.
    assert not Rating.objects.filter(
        round=round_, unit=org_tree.cell_a1, subject_kind=SubjectKind.LEADERSHIP_COLLECTIVE
    ).exists()
    head = walk_to_appraised(
        rating_of(round_, person=secretary, kind=SubjectKind.LEADER),
        self_by=SYSTEM,
        appraise_by=SYSTEM,
        level=GOOD,
    )
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(rating=head, by=commune_standing, level=GOOD, version=head.version)
    assert any("Ban Chấp hành" in p for p in refused.value.problems)


def test_new_members_are_rated_when_the_setting_says_so(org_tree, office, today, settings):
    newcomer = PersonFactory(
        full_name="Mới Vào Đảng", admission_date=D(2025, 9, 1), official_date=None
    )
    org_services.membership_add(
        person=newcomer, unit=org_tree.cell_a1, valid_from=D(2025, 9, 1), by=SYSTEM
    )
    round_ = services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)
    rating = Rating.objects.get(round=round_, person=newcomer)
    assert (rating.status, rating.exempt_reason) == (RatingStatus.EXEMPT, "new_member")
    # The UNCONFIRMED cut-off: 6 months counted back from 31/12 by default, a setting otherwise.
    settings.KIEMDIEM_CLASSIFICATION_CUTOFF = "03-31"
    settings.KIEMDIEM_CLASSIFICATION_NEW_MEMBERS = "rated"
    later = services.round_open(by=office, title="", year=2026, scope_unit=org_tree.province_a)
    assert later.cutoff_on == D(2026, 3, 31)
    assert rating_of(later, person=newcomer).status == RatingStatus.DRAFT


def test_long_leave_needs_its_reason_and_temporary_activity_needs_the_comment_first(
    org_tree, office, today, grassroots_office
):
    person = org_tree.members_a1[0]
    org_services.membership_add(
        person=person,
        unit=org_tree.cell_a1b,
        valid_from=D(2025, 7, 1),
        kind=MembershipKind.TEMPORARY,
        by=SYSTEM,
    )
    round_ = services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)
    rating = rating_of(round_, person=person)
    # Opened at the official cell, marked temporary from the memberships of the year.
    assert rating.unit == org_tree.cell_a1
    assert (rating.special_case, rating.temporary_unit) == (
        SpecialCase.TEMPORARY,
        org_tree.cell_a1b,
    )
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=GOOD,
        reasons="Tự đánh giá",
        version=rating.version,
        scores=SCORES,
        special_case=SpecialCase.TEMPORARY,
    )
    rating = _fresh(rating)
    with pytest.raises(DomainError, match="không tự bỏ được"):
        services.rating_self_assess(
            rating=rating, by=SYSTEM, level=GOOD, reasons="x", version=rating.version, scores=SCORES
        )
    with pytest.raises(DomainError, match="nhận xét"):
        services.rating_appraise(
            rating=rating,
            by=grassroots_office,
            level=GOOD,
            reasons="Đồng ý",
            version=rating.version,
        )
    # The temporary cell's secretary records the comment; nobody else of another cell may.
    secretary = grant(org_tree.cell_a1b, AccessRole.HEAD, "bithu_tamthoi")
    with pytest.raises(PermissionDenied):
        cases.rating_temporary_comment(
            rating=rating,
            by=grant(org_tree.cell_b1, AccessRole.HEAD, "x"),
            comment="?",
            version=rating.version,
        )
    cases.rating_temporary_comment(
        rating=rating, by=secretary, comment="Gương mẫu, tích cực.", version=rating.version
    )
    rating = _fresh(rating)
    assert rating.temporary_comment_on == D(2025, 12, 20)
    services.rating_appraise(
        rating=rating, by=grassroots_office, level=GOOD, reasons="Đồng ý", version=rating.version
    )
    assert _fresh(rating).status == RatingStatus.APPRAISED
    # Sick leave: the reason (the leave, the work done) is required, then shown.
    other = rating_of(round_, person=org_tree.members_a1[2])
    with pytest.raises(DomainError, match="thời gian nghỉ"):
        cases.rating_special_case(
            rating=other,
            by=office,
            special_case=SpecialCase.SICK_LEAVE,
            reason="",
            version=other.version,
        )
    cases.rating_special_case(
        rating=other,
        by=office,
        special_case=SpecialCase.SICK_LEAVE,
        reason="Nghỉ ốm 4 tháng (03–06/2025); hoàn thành việc được giao các tháng còn lại.",
        version=other.version,
    )
    other = _fresh(other)
    assert other.special_case == SpecialCase.SICK_LEAVE and "4 tháng" in other.special_reason


# --- leaders' task share --------------------------------------------------------------------------


def test_a_leaders_task_share_is_computed_from_the_unit_they_lead(
    org_tree, office, today, grassroots_standing
):
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
    cell = rating_of(round_, unit=org_tree.cell_a1)
    with pytest.raises(DomainError, match="từ 0 đến 100"):
        walk_to_appraised(
            cell, self_by=SYSTEM, appraise_by=SYSTEM, level=COMPLETED, task_share="120"
        )
    walk_to_appraised(cell, self_by=SYSTEM, appraise_by=SYSTEM, level=COMPLETED, task_share="65")
    head = walk_to_appraised(
        rating_of(round_, person=leader, kind=SubjectKind.LEADER),
        self_by=SYSTEM,
        appraise_by=SYSTEM,
        level=COMPLETED,
    )
    Rating.objects.filter(round=round_, subject_kind=SubjectKind.MEMBER).update(
        status=RatingStatus.EXEMPT
    )
    with pytest.raises(RuleRefused) as refused:
        services.rating_decide(
            rating=head, by=grassroots_standing, level=COMPLETED, version=head.version
        )
    assert any("65.00%" in p and "dưới 70%" in p for p in refused.value.problems)
    from kiemdiem.classification.actions import rating_actions

    assert "65.00% nhiệm vụ" in rating_actions(grassroots_standing, head)["led_share"]
    services.rating_decide(
        rating=head,
        by=grassroots_standing,
        level=NOT_COMPLETED,
        version=head.version,
        note="Theo QĐ 366",
    )


# --- quarters -------------------------------------------------------------------------------------


def test_quarters_feed_the_year_by_their_average(
    org_tree, round_2025, grassroots_standing, grassroots_office
):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    assert round_2025.quarter_rollup == "average"
    for quarter, total, level in [(1, 80, GOOD), (2, 60, COMPLETED), (3, 75, GOOD)]:
        cases.quarter_record(
            rating=rating, by=grassroots_standing, quarter=quarter, level=level, total=total
        )
    with pytest.raises(DomainError, match="chỉ đạt mức HTNV"):
        cases.quarter_record(rating=rating, by=grassroots_standing, quarter=4, level=GOOD, total=65)
    with pytest.raises(DomainError, match="đã có kết quả"):
        cases.quarter_record(rating=rating, by=grassroots_standing, quarter=1, level=GOOD, total=80)
    first = quarters_of(rating)[0]
    with pytest.raises(StaleObject):
        cases.quarter_record(
            rating=rating,
            by=grassroots_standing,
            quarter=1,
            level=GOOD,
            total=85,
            version=first.version + 1,
        )
    rating = walk_to_appraised(
        rating, self_by=SYSTEM, appraise_by=grassroots_office, level=EXCELLENT
    )
    problems = services.decision_problems(rating, EXCELLENT, {})
    # (80 + 60 + 75) / 3 = 71.67 → HTTNV: the year is not above it unless a reason is given.
    assert any("71.67" in p and "Có thể quyết định khác" in p for p in problems)
    assert not any("quý" in p.lower() for p in services.decision_problems(rating, GOOD, {}))


def test_quarters_exist_only_under_366(org_tree, office, today):
    round_ = services.round_open(
        by=office, title="", year=2024, scope_unit=org_tree.province_a, populate=False
    )
    rating = services.rating_add(
        round_=round_,
        by=office,
        subject_kind=SubjectKind.MEMBER,
        unit=org_tree.cell_a1,
        person=org_tree.members_a1[0],
    )
    with pytest.raises(DomainError, match="Quy định 366"):
        cases.quarter_record(rating=rating, by=office, quarter=1, level=GOOD)


# --- bulk opening ---------------------------------------------------------------------------------


def test_bulk_opening_is_idempotent_audited_and_bounded_in_queries(org_tree, office, today):
    round_ = services.round_open(
        by=office, title="", year=2025, scope_unit=org_tree.province_a, populate=False
    )
    for i in range(6):
        cell = UnitFactory(
            code=f"CBX{i}",
            name=f"Chi bộ thôn {i}",
            kind="subordinate_cell",
            parent=org_tree.grassroots_a1,
        )
        for j in range(8):
            person = PersonFactory(full_name=f"Đảng viên {i}-{j}")
            org_services.membership_add(
                person=person, unit=cell, valid_from=D(2025, 7, 1), by=SYSTEM
            )
    before = AuditEvent.objects.filter(object_type="classification.rating").count()
    with CaptureQueriesContext(connection) as queries:
        counts = subjects_open(round_=round_, by=office)
    # 4 members of the tree + 48 new, cells and committees: the same few reads and batched writes
    # at any size.
    assert counts["opened"] == Rating.objects.filter(round=round_).count() > 60
    assert len(queries) <= 25, [q["sql"][:80] for q in queries.captured_queries]
    audited = AuditEvent.objects.filter(object_type="classification.rating").count() - before
    assert audited == counts["opened"]
    assert subjects_open(round_=round_, by=office)["opened"] == 0
    member = Rating.objects.filter(round=round_, person__full_name="Đảng viên 5-7").get()
    assert member.deciding_unit == org_tree.grassroots_a1 and member.peer_group is not None


# --- closing a round, editing a sheet -------------------------------------------------------------


def test_a_round_closes_only_when_every_subject_is_decided_or_exempt(org_tree, office, today):
    round_ = services.round_open(
        by=office, title="", year=2025, scope_unit=org_tree.province_a, populate=False
    )
    rating = services.rating_add(
        round_=round_,
        by=office,
        subject_kind=SubjectKind.MEMBER,
        unit=org_tree.cell_a1,
        person=org_tree.members_a1[0],
    )
    with pytest.raises(RuleRefused) as refused:
        cases.round_close(round_=round_, by=office, version=round_.version)
    assert refused.value.problems == ["Nguyễn Văn Đức (đảng viên, chưa tự đánh giá)"]
    rating = _fresh(rating)
    services.rating_exempt(
        rating=rating, by=office, exempt_reason="suspended", note="QĐ 12", version=rating.version
    )
    cases.round_close(round_=round_, by=office, version=round_.version)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    with pytest.raises(DomainError, match="đã kết thúc"):
        subjects_open(round_=round_, by=office)


def test_a_sheet_is_edited_until_a_rating_scores_on_it(org_tree, office, today):
    sheet = services.sheet_create(
        by=office,
        unit=org_tree.province_a,
        scheme="qd366_2025",
        subject_kind="member",
        title="Bảng",
        criteria=SHEET,
    )
    changed = [dict(SHEET[0], max_points=20), dict(SHEET[1], max_points=10), SHEET[2]]
    cases.sheet_update(
        sheet=sheet, by=office, title="Bảng 2", criteria=changed, version=sheet.version
    )
    sheet.refresh_from_db()
    assert (sheet.title, sheet.criteria[0]["max_points"]) == ("Bảng 2", 20)
    with pytest.raises(RuleRefused):
        cases.sheet_update(
            sheet=sheet, by=office, title="x", criteria=SHEET[:2], version=sheet.version
        )
    round_ = services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)
    rating = rating_of(round_, person=org_tree.members_a1[0])
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=GOOD,
        reasons="Tự đánh giá",
        version=rating.version,
        scores={"chinh_tri": "15", "ky_luat": "10", "san_pham": "55"},
    )
    with pytest.raises(DomainError, match="bảng điểm mới"):
        cases.sheet_update(sheet=sheet, by=office, title="x", criteria=SHEET, version=sheet.version)
