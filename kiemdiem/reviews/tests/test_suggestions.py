"""Upper-level suggestions: points answered before submission, the dossier vetted before the
conference (returned, then approved), the delegation recorded on the conference."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.org.scoping import access_for, visible_subtrees
from kiemdiem.reviews import selectors, services, suggestions
from kiemdiem.reviews.models import (
    DossierStatus,
    Review,
    ReviewDossier,
    ReviewMeeting,
    ReviewSuggestion,
    SuggestionStatus,
)
from kiemdiem.reviews.selectors import SuggestionFilter
from kiemdiem.reviews.services import ReviewIncomplete
from kiemdiem.reviews.states import ReviewStatus

D = datetime.date
ANSWER = {
    "account": "Chi bộ chưa kịp thời nắm tình hình, để phát sinh đơn thư",
    "causes_subjective": "Cấp ủy chưa sâu sát",
    "responsibility_collective": "Chi ủy chịu trách nhiệm chính",
    "responsibility_personal": "Bí thư chi bộ chịu trách nhiệm người đứng đầu",
}


@pytest.fixture
def cell_review(open_cycle, org_tree):
    return Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)


def issue(review, by, unit, **overrides):
    values = {
        "review": review,
        "by": by,
        "issuing_unit": unit,
        "document_number": "45-CV/ĐU",
        "document_date": D(2026, 1, 8),
        "grounds": ["disunity", "public_outcry"],
        "items": ["Làm rõ tình trạng mất đoàn kết trong chi ủy", "  ", "Đơn thư kéo dài"],
        "delegation": "Tổ công tác số 2 của Đảng ủy",
    }
    values.update(overrides)
    return suggestions.suggestion_issue(**values)


def assert_stats(user, review, **expected) -> None:
    """The records overview's suggestion figures (one grouped pass) equal the lengths of the
    lists they link to (the suggestion list filtered by stage)."""
    unit, year = review.cycle.scope_unit, review.cycle.year
    assert selectors.suggestion_stats(user, unit, year) == expected
    listed = SuggestionFilter(unit=unit, year=year, status=SuggestionStatus.ISSUED)
    for key, stage in (("issued", ""), ("vetted", "vetted"), ("held", "held")):
        stage_filter = dataclasses.replace(listed, stage=stage)
        assert selectors.suggestions_filtered(user, stage_filter).count() == expected[key]


def test_suggestion_gates_submission_and_conference(
    cell_review, org_tree, appraiser, cell_secretary, travel_to
):
    suggestion = issue(cell_review, appraiser, org_tree.grassroots_a1)
    assert_stats(appraiser, cell_review, issued=1, vetted=0, held=0)
    assert [i.text for i in suggestion.items.all()] == [
        "Làm rõ tình trạng mất đoàn kết trong chi ủy",
        "Đơn thư kéo dài",
    ]
    dossier = ReviewDossier.objects.get(cycle=cell_review.cycle, unit=org_tree.cell_a1)
    assert (dossier.status, dossier.vetting_unit) == (
        DossierStatus.PREPARING,
        org_tree.grassroots_a1,
    )

    # 1. the review answers each point before it is submitted
    with pytest.raises(ReviewIncomplete) as refused:
        services.review_transition(review=cell_review, to=ReviewStatus.SUBMITTED, by=cell_secretary)
    assert len(refused.value.problems) == 2
    assert "Nội dung gợi ý 1 (45-CV/ĐU) chưa giải trình" in refused.value.problems[0]
    first, second = suggestion.items.all()
    suggestions.suggestion_answer(item=first, by=cell_secretary, **ANSWER)

    # 2. the dossier cannot go to vetting with a point unanswered
    with pytest.raises(suggestions.DossierIncomplete):
        suggestions.dossier_submit(dossier=dossier, by=cell_secretary)
    suggestions.suggestion_answer(item=second, by=cell_secretary, **ANSWER)
    suggestions.dossier_submit(dossier=dossier, by=cell_secretary)
    assert dossier.status == DossierStatus.PENDING
    with pytest.raises(DomainError, match="đang hoặc đã được thẩm định"):
        suggestions.suggestion_answer(item=second, by=cell_secretary, account="Sửa")

    # 3. no conference, no scheduled date before the approval
    meeting = {
        "cycle": cell_review.cycle,
        "unit": org_tree.cell_a1,
        "chair": org_tree.members_a1[1],
        "by": cell_secretary,
        "delegation": "Đồng chí Phó Bí thư Đảng ủy",
    }
    with pytest.raises(DomainError, match="thẩm định đạt yêu cầu thì mới tổ chức hội nghị"):
        services.meeting_record(held_on=D(2026, 1, 10), **meeting)
    with pytest.raises(DomainError, match="thẩm định đạt yêu cầu"):
        suggestions.dossier_schedule(dossier=dossier, by=cell_secretary, planned_on=D(2026, 1, 20))
    assert not ReviewMeeting.objects.exists()

    # 4. returned with remarks: the answers may be completed again, then resubmitted
    with pytest.raises(PermissionDenied):  # the unit does not vet its own dossier
        suggestions.dossier_return(dossier=dossier, by=cell_secretary, remarks="Chưa rõ")
    with pytest.raises(DomainError, match="Phải nêu nhận xét"):
        suggestions.dossier_return(dossier=dossier, by=appraiser, remarks=" ")
    suggestions.dossier_return(
        dossier=dossier, by=appraiser, remarks="Làm rõ trách nhiệm cá nhân bí thư"
    )
    assert (dossier.status, dossier.remarks) == (
        DossierStatus.RETURNED,
        "Làm rõ trách nhiệm cá nhân bí thư",
    )
    second.refresh_from_db()
    suggestions.suggestion_answer(
        item=second, by=cell_secretary, responsibility_personal="Bí thư nhận khuyết điểm"
    )
    suggestions.dossier_submit(dossier=dossier, by=cell_secretary)

    # 5. approved on 12/01: the conference is scheduled and held from then on
    travel_to(D(2026, 1, 12))
    suggestions.dossier_approve(dossier=dossier, by=appraiser)
    assert dossier.approved_on == D(2026, 1, 12)
    assert_stats(appraiser, cell_review, issued=1, vetted=1, held=0)
    with pytest.raises(DomainError, match="trước ngày hồ sơ được thẩm định"):
        suggestions.dossier_schedule(dossier=dossier, by=cell_secretary, planned_on=D(2026, 1, 11))
    suggestions.dossier_schedule(dossier=dossier, by=cell_secretary, planned_on=D(2026, 1, 15))
    services.review_transition(review=cell_review, to=ReviewStatus.SUBMITTED, by=cell_secretary)
    travel_to(D(2026, 1, 15))
    with pytest.raises(DomainError, match="trước ngày hồ sơ được thẩm định"):
        services.meeting_record(held_on=D(2026, 1, 11), **meeting)
    with pytest.raises(DomainError, match="đoàn, tổ công tác cấp trên"):
        services.meeting_record(held_on=D(2026, 1, 15), **{**meeting, "delegation": ""})
    recorded = services.meeting_record(held_on=D(2026, 1, 15), **meeting)
    assert recorded.delegation == "Đồng chí Phó Bí thư Đảng ủy"
    assert_stats(appraiser, cell_review, issued=1, vetted=1, held=1)
    cell_review.refresh_from_db()
    assert cell_review.status == ReviewStatus.DISCUSSED
    assert AuditEvent.objects.filter(
        object_type="reviews.reviewdossier", changes__status=["pending", "returned"]
    ).exists()


def test_who_issues_and_where(cell_review, org_tree, cell_secretary, unit_head, outsider, office):
    with pytest.raises(PermissionDenied):  # a cell does not suggest its own review
        issue(cell_review, cell_secretary, org_tree.grassroots_a1)
    with pytest.raises(DomainError, match="không phải cấp ủy cấp trên"):
        issue(cell_review, office, org_tree.cell_a1b)
    with pytest.raises(PermissionDenied):
        issue(cell_review, outsider, org_tree.province_a)
    # the province secretary sits on its standing committee: may suggest for a unit below it
    assert issue(cell_review, unit_head, org_tree.province_a).pk
    # the delegation's leaders must lead a committee above the unit
    with pytest.raises(DomainError, match="Không phải lãnh đạo cấp ủy cấp trên"):
        issue(cell_review, office, org_tree.province_a, delegation_people=[org_tree.member_b1])


def test_suggestion_comes_before_the_review(cell_review, org_tree, office, cell_secretary):
    services.review_transition(review=cell_review, to=ReviewStatus.SUBMITTED, by=cell_secretary)
    with pytest.raises(DomainError, match="gợi ý phải có trước khi kiểm điểm"):
        issue(cell_review, office, org_tree.province_a)
    assert not ReviewSuggestion.objects.exists()


def test_withdrawn_suggestion_lifts_the_gate(cell_review, org_tree, office, cell_secretary):
    suggestion = issue(cell_review, office, org_tree.province_a)
    with pytest.raises(DomainError, match="Phải nêu lý do"):
        suggestions.suggestion_withdraw(suggestion=suggestion, by=office, reason="")
    suggestions.suggestion_withdraw(suggestion=suggestion, by=office, reason="Gợi ý nhầm đơn vị")
    services.review_transition(review=cell_review, to=ReviewStatus.SUBMITTED, by=cell_secretary)
    services.meeting_record(
        cycle=cell_review.cycle,
        unit=org_tree.cell_a1,
        held_on=D(2026, 1, 10),
        chair=org_tree.members_a1[1],
        by=cell_secretary,
    )


def test_individual_suggestion_needs_personal_responsibility_only(
    open_cycle, org_tree, office, member
):
    review = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    suggestion = issue(review, office, org_tree.province_a, items=["Việc nhận quà biếu"])
    item = suggestion.items.get()
    suggestions.suggestion_answer(
        item=item,
        by=member,
        account="Đã nhận, đã trả lại",
        causes_objective="Nể nang",
        responsibility_personal="Tôi nhận khuyết điểm",
    )
    services.review_transition(review=review, to=ReviewStatus.SUBMITTED, by=member)


def test_suggestion_figures_for_every_scope_compiled_once(
    cell_review, org_tree, office, admin, cell_secretary, unit_head, member, outsider
):
    """The figures read through a query compiled once per year and number of the user's
    subtrees (core.precompiled, `suggestions_within` over `visible_subtrees`: the list's rule),
    and equal the list's lengths for users who see the suggestion and one who does not."""
    issue(cell_review, office, org_tree.province_a)
    for user in (office, admin, cell_secretary, unit_head, member):
        assert_stats(user, cell_review, issued=1, vetted=0, held=0)
    assert_stats(outsider, cell_review, issued=0, vetted=0, held=0)
    stages = selectors._suggestion_stages(cell_review.cycle.year)
    for user in (office, admin, outsider):
        paths = visible_subtrees(access_for(user))
        assert stages.compiled(paths, cell_review.cycle.scope_unit.path)
