"""Yearly commitments: filed by the member or the cell, one a year, assessed item by item in the
year-end self-review before it is submitted."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.reviews import commitments, services
from kiemdiem.reviews.models import Commitment, Fulfilment, Review
from kiemdiem.reviews.services import ReviewIncomplete
from kiemdiem.reviews.states import ReviewStatus

ITEMS = ["Học tập, làm theo tư tưởng Hồ Chí Minh", "Hoàn thành 100% nhiệm vụ chuyên môn", ""]


def test_member_files_once_a_year(org_tree, member):
    person = org_tree.members_a1[0]
    commitment = commitments.commitment_file(person=person, year=2026, items=ITEMS, by=member)
    assert commitment.unit == org_tree.cell_a1
    assert [i.text for i in commitment.items.all()] == ITEMS[:2]
    with pytest.raises(DomainError, match="đã có bản cam kết năm 2026"):
        commitments.commitment_file(person=person, year=2026, items=ITEMS, by=member)
    with pytest.raises(DomainError, match="ít nhất một nội dung"):
        commitments.commitment_file(person=person, year=2027, items=[" "], by=member)


def test_outside_scope_is_refused_with_the_reason(org_tree, outsider, cell_secretary, unit_head):
    person = org_tree.members_a1[2]
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="không sinh hoạt trong chi bộ thuộc phạm vi"):
        commitments.commitment_file(person=person, year=2026, items=ITEMS, by=outsider)
    assert not Commitment.objects.exists() and AuditEvent.objects.count() == events
    # the cell (its secretary) or a leader above it enters it on the member's behalf
    assert commitments.commitment_file(person=person, year=2026, items=ITEMS, by=cell_secretary)
    assert commitments.commitment_file(person=person, year=2025, items=ITEMS, by=unit_head)


def test_year_end_review_assesses_each_item(open_cycle, org_tree, member):
    person = org_tree.members_a1[0]
    commitment = commitments.commitment_file(person=person, year=2025, items=ITEMS, by=member)
    review = Review.objects.get(cycle=open_cycle, person=person)
    with pytest.raises(ReviewIncomplete) as refused:
        services.review_transition(review=review, to=ReviewStatus.SUBMITTED, by=member)
    assert refused.value.problems == ["Chưa tự đánh giá việc thực hiện nội dung cam kết số 1, 2."]
    first, second = commitment.items.all()
    commitments.commitment_assess(item=first, fulfilment=Fulfilment.FULFILLED, by=member)
    with pytest.raises(DomainError, match="ghi chú vì sao"):
        commitments.commitment_assess(item=second, fulfilment=Fulfilment.PARTLY, by=member)
    commitments.commitment_assess(
        item=second, fulfilment=Fulfilment.PARTLY, note="Còn 1 chỉ tiêu chưa đạt", by=member
    )
    with pytest.raises(DomainError, match="không sửa nội dung cam kết"):
        commitments.commitment_revise(commitment=commitment, items=["Khác"], by=member)
    services.review_transition(review=review, to=ReviewStatus.SUBMITTED, by=member)
    assert review.status == ReviewStatus.SUBMITTED


def test_revise_before_assessment(org_tree, member):
    person = org_tree.members_a1[0]
    commitment = commitments.commitment_file(person=person, year=2026, items=ITEMS, by=member)
    commitments.commitment_revise(
        commitment=commitment, items=["Một", "Hai", "Ba"], by=member, version=commitment.version
    )
    assert [i.text for i in commitment.items.all()] == ["Một", "Hai", "Ba"]
