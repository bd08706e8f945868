import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import conclude_review
from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.audit import history_for
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reviews import services
from kiemdiem.reviews.models import Finding, Review, ReviewMeeting
from kiemdiem.reviews.services import ReviewIncomplete

D = datetime.date


def collective(cycle, unit):
    return Review.objects.get(cycle=cycle, unit=unit, person__isnull=True)


def test_opening_creates_expected_reviews_and_plans(open_cycle, org_tree):
    reviews = Review.objects.filter(cycle=open_cycle)
    units = set(reviews.filter(person__isnull=True).values_list("unit__code", flat=True))
    # commune, grassroots committee and cells of province A; not the province itself, not B
    assert units == {"X38A1", "X38A2", "CS38A1", "CB38A1", "CB38A1B"}
    people = set(reviews.filter(person__isnull=False).values_list("person__full_name", flat=True))
    assert people == {"Nguyễn Văn Đức", "Trần Thị Hương", "Lê Minh Anh"}
    assert RemediationPlan.objects.filter(cycle=open_cycle).count() == reviews.count() == 8
    labels = list(ReportPeriod.objects.filter(cycle=open_cycle).values_list("label", flat=True))
    assert labels == ["6 tháng đầu năm 2026", "Năm 2026", "6 tháng đầu năm 2027", "Năm 2027"]


def test_members_admitted_less_than_six_months_before_are_not_reviewed(org_tree, office, travel_to):
    newbie = org_services.person_create(
        by=SYSTEM, full_name="Mới Kết Nạp", admission_date=D(2025, 9, 1)
    )
    org_services.membership_add(
        person=newbie, unit=org_tree.cell_a1, valid_from=D(2025, 9, 1), by=SYSTEM
    )
    from conftest import CYCLE_DATES, PARTICIPATING

    travel_to(D(2026, 1, 10))
    cycle = services.cycle_create(
        by=office,
        title="Đợt thử",
        kind="annual",
        year=2025,
        directive_number="1-CV/TU",
        directive_date=D(2025, 12, 1),
        directive_issuer="BTV",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )
    campaign_services.cycle_open(cycle=cycle, by=office)
    assert not Review.objects.filter(cycle=cycle, person=newbie).exists()


def test_cycle_dates_out_of_order_are_refused(org_tree, office):
    from conftest import CYCLE_DATES, PARTICIPATING

    dates = {**CYCLE_DATES, "plan_due": D(2026, 1, 1)}
    with pytest.raises(DomainError, match="theo thứ tự"):
        services.cycle_create(
            by=office,
            title="Sai ngày",
            kind="annual",
            year=2025,
            directive_number="2-CV/TU",
            directive_date=D(2025, 12, 1),
            directive_issuer="BTV",
            scope_unit=org_tree.province_a,
            participating_kinds=PARTICIPATING,
            **dates,
        )


def test_review_goes_to_conference_and_is_finalized(open_cycle, org_tree, office):
    review = collective(open_cycle, org_tree.cell_a1)
    services.review_update(
        review=review, by=office, strengths="Đoàn kết", causes_subjective="Chủ quan"
    )
    services.finding_add(
        review=review, by=office, text="Sinh hoạt chi bộ chưa đều", area="leadership"
    )
    services.review_transition(review=review, to="submitted", by=office)
    meeting = services.meeting_record(
        cycle=open_cycle,
        unit=org_tree.cell_a1,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        by=office,
        supervisors="Đồng chí Ủy viên BTV",
        attendee_count=3,
        comments_count=2,
        comments="Cần cụ thể hơn",
    )
    review.refresh_from_db()
    assert review.status == "discussed"
    services.review_transition(review=review, to="finalized", by=office)
    assert ReviewMeeting.objects.get(pk=meeting.pk).comments_count == 2
    assert [e.action for e in history_for(review)][:2] == ["transition", "transition"]


def test_meeting_in_the_future_or_outside_cycle_is_refused(open_cycle, org_tree, office):
    with pytest.raises(DomainError, match="chưa diễn ra"):
        services.meeting_record(
            cycle=open_cycle,
            unit=org_tree.cell_a1,
            held_on=D(2026, 3, 1),
            chair=org_tree.members_a1[0],
            by=office,
        )
    with pytest.raises(DomainError, match="nằm ngoài thời gian"):
        services.meeting_record(
            cycle=open_cycle,
            unit=org_tree.cell_a1,
            held_on=D(2025, 12, 1),
            chair=org_tree.members_a1[0],
            by=office,
        )
    assert not ReviewMeeting.objects.exists()


def test_unknown_degradation_tag_is_refused(open_cycle, org_tree, office):
    review = collective(open_cycle, org_tree.cell_a1)
    with pytest.raises(DomainError, match="không hợp lệ"):
        services.finding_add(
            review=review, by=office, text="x", area="leadership", degradation_tags=["Z9"]
        )
    finding = services.finding_add(
        review=review,
        by=office,
        text="x",
        area="ethics_lifestyle",
        degradation_tags=["B3", "A6", "B3"],
    )
    assert finding.degradation_tags == ["A6", "B3"]


def test_closed_cycle_refuses_submissions(open_cycle, org_tree, office):
    review = collective(open_cycle, org_tree.cell_a1)
    services.cycle_close(cycle=open_cycle, by=office, note="Hết nhiệm kỳ")
    review.refresh_from_db()
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.review_transition(review=review, to="submitted", by=office)
    assert Review.objects.get(pk=review.pk).status == "draft"


def test_carry_over_requires_assessment_before_submission(open_cycle, org_tree, office, travel_to):
    from conftest import PARTICIPATING

    review = collective(open_cycle, org_tree.cell_a1)
    fixed = services.finding_add(
        review=review, by=office, text="Hồ sơ đảng viên chưa đầy đủ", area="personnel"
    )
    left = services.finding_add(
        review=review, by=office, text="Chưa đổi mới sinh hoạt", area="leadership"
    )
    services.cycle_close(cycle=open_cycle, by=office)

    travel_to(D(2027, 1, 10))
    nxt = services.cycle_create(
        by=office,
        title="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        directive_number="9-CV/TU",
        directive_date=D(2026, 11, 20),
        directive_issuer="BTV Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        previous_cycle=open_cycle,
        starts_on=D(2027, 1, 5),
        self_review_due=D(2027, 1, 20),
        conference_due=D(2027, 1, 31),
        plan_due=D(2027, 2, 15),
        horizon_end=D(2028, 12, 31),
    )
    result = campaign_services.cycle_open(cycle=nxt, by=office)
    assert result["carried"] == 2
    new_review = collective(nxt, org_tree.cell_a1)
    carried = {f.carried_from_id: f for f in new_review.findings.all()}
    assert set(carried) == {fixed.pk, left.pk}
    assert Finding.objects.get(pk=fixed.pk).status == "carried_over"

    with pytest.raises(ReviewIncomplete) as refused:
        services.review_transition(review=new_review, to="submitted", by=office)
    assert len(refused.value.problems) == 2 and "Chưa đổi mới sinh hoạt" in refused.value.message

    services.carry_assess(
        finding=carried[fixed.pk], assessment="fixed", cause="Đã rà soát, bổ sung", by=office
    )
    with pytest.raises(DomainError, match="nguyên nhân"):
        services.carry_assess(
            finding=carried[left.pk], assessment="not_fixed", cause="  ", by=office
        )
    with pytest.raises(DomainError, match="mức độ đã khắc phục"):
        services.carry_assess(
            finding=carried[left.pk], assessment="partly_fixed", cause="Thiếu tài liệu", by=office
        )
    services.carry_assess(
        finding=carried[left.pk],
        assessment="partly_fixed",
        percent=40,
        cause="Thiếu tài liệu",
        by=office,
    )
    assert Finding.objects.get(pk=carried[left.pk].pk).carry_percent == 40
    new_review.refresh_from_db()
    services.review_transition(review=new_review, to="submitted", by=office)
    assert Finding.objects.get(pk=carried[fixed.pk].pk).status == "resolved"


def test_previous_cycle_with_other_scope_is_refused(open_cycle, org_tree, office):
    from conftest import CYCLE_DATES, PARTICIPATING

    with pytest.raises(DomainError, match="cùng phạm vi"):
        services.cycle_create(
            by=office,
            title="Khác phạm vi",
            kind="annual",
            year=2026,
            directive_number="3-CV/TU",
            directive_date=D(2025, 12, 1),
            directive_issuer="BTV",
            scope_unit=org_tree.district_a1,
            participating_kinds=PARTICIPATING,
            previous_cycle=open_cycle,
            **{**CYCLE_DATES, "starts_on": D(2026, 1, 6)},
        )


# --- shortcomings are frozen while the plan is with the appraiser -------------------------

PLAN_LOCKED = "cấp thẩm định cần trả lại kế hoạch"


@pytest.fixture
def submitted_plan(open_cycle, org_tree, office):
    """Cell A1's collective plan, covering its one shortcoming, submitted to the appraiser."""
    from kiemdiem.remediation import services as plan_services

    review = collective(open_cycle, org_tree.cell_a1)
    finding = services.finding_add(
        review=review, by=office, text="Sinh hoạt chi bộ chưa đều", area="leadership"
    )
    plan = RemediationPlan.objects.get(review=review)
    plan_services.action_add(
        plan=plan,
        by=office,
        content="Sinh hoạt đúng kỳ",
        findings=[finding],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    return plan


def test_finding_add_is_refused_while_the_plan_is_submitted(submitted_plan, office):
    review = Review.objects.get(pk=submitted_plan.review_id)
    with pytest.raises(DomainError, match=PLAN_LOCKED):
        services.finding_add(review=review, by=office, text="Phát hiện muộn", area="other")
    assert review.findings.count() == 1


@pytest.mark.parametrize("then", ["accept", "adopt"])
def test_finding_add_is_refused_once_the_plan_is_accepted_or_adopted(
    submitted_plan, office, then, appraiser
):
    from kiemdiem.remediation import services as plan_services

    plan_services.plan_accept(plan=submitted_plan, by=appraiser)
    if then == "adopt":
        plan_services.plan_adopt(
            plan=submitted_plan, decision_date=D(2026, 1, 10), decision_ref="NQ 01", by=office
        )
    review = Review.objects.get(pk=submitted_plan.review_id)
    with pytest.raises(DomainError, match=PLAN_LOCKED):
        services.finding_add(review=review, by=office, text="Phát hiện muộn", area="other")
    assert review.findings.count() == 1


def test_finding_update_and_delete_are_refused_while_the_plan_is_submitted(submitted_plan, office):
    finding = Finding.objects.get(review_id=submitted_plan.review_id)
    with pytest.raises(DomainError, match=PLAN_LOCKED):
        services.finding_update(finding=finding, by=office, text="Viết lại sau khi nộp")
    finding = Finding.objects.get(pk=finding.pk)
    assert finding.text == "Sinh hoạt chi bộ chưa đều" and finding.version == 1
    # Saving the form unchanged changes nothing, so it is not refused.
    services.finding_update(finding=finding, by=office, text="Sinh hoạt chi bộ chưa đều")
    with pytest.raises(DomainError, match=PLAN_LOCKED):
        services.finding_delete(finding=finding, by=office, reason="Ghi nhầm")
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_returned_plan_lets_shortcomings_be_added_and_coverage_is_checked_again(
    submitted_plan, office, appraiser
):
    from kiemdiem.remediation import services as plan_services

    plan_services.plan_return(
        plan=submitted_plan, grounds=["not_feasible"], remarks="Bổ sung hạn chế", by=appraiser
    )
    review = Review.objects.get(pk=submitted_plan.review_id)
    late = services.finding_add(review=review, by=office, text="Phát hiện muộn", area="other")
    assert late.pk
    submitted_plan.refresh_from_db()
    with pytest.raises(DomainError, match="Phát hiện muộn"):
        plan_services.plan_submit(plan=submitted_plan, by=office)


# --- carry-over is the default, from a closed cycle ---------------------------------------


def next_cycle(org_tree, office, *, kind="annual", **extra):
    from conftest import PARTICIPATING

    values = {
        "title": "Kiểm điểm năm 2026",
        "kind": kind,
        "year": 2026,
        "directive_number": "9-CV/TU",
        "directive_date": D(2026, 11, 20),
        "directive_issuer": "BTV Tỉnh ủy",
        "scope_unit": org_tree.province_a,
        "participating_kinds": PARTICIPATING,
        "starts_on": D(2027, 1, 5),
        "self_review_due": D(2027, 1, 20),
        "conference_due": D(2027, 1, 31),
        "plan_due": D(2027, 2, 15),
        "horizon_end": D(2028, 12, 31),
    }
    return services.cycle_create(by=office, **{**values, **extra})


def test_next_cycle_of_the_same_scope_and_kind_is_carried_from_by_default(
    open_cycle, org_tree, office, travel_to
):
    left = services.finding_add(
        review=collective(open_cycle, org_tree.cell_a1), by=office, text="Chậm", area="other"
    )
    travel_to(D(2027, 1, 10))
    nxt = next_cycle(org_tree, office)
    assert nxt.previous_cycle_id == open_cycle.pk
    # a thematic cycle does not continue the annual one
    assert next_cycle(org_tree, office, kind="thematic").previous_cycle_id is None
    # nor does a cycle over another scope
    other = next_cycle(org_tree, office, scope_unit=org_tree.district_a1)
    assert other.previous_cycle_id is None

    services.cycle_close(cycle=open_cycle, by=office)
    nxt.refresh_from_db()
    result = campaign_services.cycle_open(cycle=nxt, by=office)
    assert result["carried"] == 1
    assert collective(nxt, org_tree.cell_a1).findings.get().carried_from_id == left.pk


def test_opening_before_the_previous_cycle_is_closed_is_refused(
    open_cycle, org_tree, office, travel_to
):
    services.finding_add(
        review=collective(open_cycle, org_tree.cell_a1), by=office, text="Chậm", area="other"
    )
    travel_to(D(2027, 1, 10))
    nxt = next_cycle(org_tree, office)
    with pytest.raises(DomainError, match="chưa kết thúc"):
        campaign_services.cycle_open(cycle=nxt, by=office)
    nxt.refresh_from_db()
    assert nxt.status == "draft" and not Review.objects.filter(cycle=nxt).exists()
    assert Finding.objects.get(review__cycle=open_cycle).status == "open"


def test_cycle_drafted_before_the_previous_one_opened_still_carries_over(
    org_tree, office, travel_to
):
    from conftest import CYCLE_DATES, PARTICIPATING

    travel_to(D(2026, 1, 10))
    first = services.cycle_create(
        by=office,
        title="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        directive_number="493-CV/TU",
        directive_date=D(2025, 11, 20),
        directive_issuer="BTV Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )
    later = next_cycle(org_tree, office)
    assert later.previous_cycle_id is None  # the first one is still a draft
    campaign_services.cycle_open(cycle=first, by=office)
    services.finding_add(
        review=collective(first, org_tree.cell_a1), by=office, text="Chậm", area="other"
    )
    services.cycle_close(cycle=first, by=office)
    travel_to(D(2027, 1, 10))
    later.refresh_from_db()
    assert campaign_services.cycle_open(cycle=later, by=office)["carried"] == 1
    later.refresh_from_db()
    assert later.previous_cycle_id == first.pk


def test_carried_findings_of_the_closed_cycle_do_not_flip(
    open_cycle, org_tree, office, travel_to, appraiser
):
    from kiemdiem.remediation import services as plan_services

    review = collective(open_cycle, org_tree.cell_a1)
    finding = services.finding_add(review=review, by=office, text="Chậm", area="other")
    plan = RemediationPlan.objects.get(review=review)
    action = plan_services.action_add(
        plan=plan,
        by=office,
        content="Khắc phục",
        findings=[finding],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    plan_services.plan_accept(plan=RemediationPlan.objects.get(pk=plan.pk), by=appraiser)
    evidence = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    action = PlanAction.objects.get(pk=action.pk)
    plan_services.action_record_progress(
        action=action, status="done", percent=100, narrative="Xong", files=[evidence], by=office
    )
    services.cycle_close(cycle=open_cycle, by=office)
    travel_to(D(2027, 1, 10))
    campaign_services.cycle_open(cycle=next_cycle(org_tree, office), by=office)
    assert Finding.objects.get(pk=finding.pk).status == "carried_over"

    action.refresh_from_db()
    with pytest.raises(DomainError, match="đã kết thúc"):
        plan_services.action_verify(action=action, by=appraiser)
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.carry_assess(
            finding=Finding.objects.get(pk=finding.pk),
            assessment="fixed",
            cause="x",
            by=office,
        )
    assert Finding.objects.get(pk=finding.pk).status == "carried_over"


# --- the opening is in the audit trail, object by object ----------------------------------


def test_opening_writes_an_audit_row_for_every_created_object(open_cycle, office):
    from kiemdiem.core.models import AuditEvent

    def created(model, ids):
        rows = AuditEvent.objects.filter(
            object_type=model._meta.label_lower, action="create", object_id__in=ids
        )
        return {r.object_id: r for r in rows}

    reviews = list(Review.objects.filter(cycle=open_cycle).select_related("unit"))
    rows = created(Review, [str(r.pk) for r in reviews])
    assert set(rows) == {str(r.pk) for r in reviews}
    for review in reviews:
        row = rows[str(review.pk)]
        assert row.actor == office and row.unit_path == review.unit.path
        assert row.unit_ref == review.unit_id  # follows the unit if it is moved
        assert row.person_id_ref == review.person_id
        assert row.changes["unit"] == [None, review.unit.name]
    plans = list(RemediationPlan.objects.filter(cycle=open_cycle))
    plan_rows = created(RemediationPlan, [str(p.pk) for p in plans])
    assert set(plan_rows) == {str(p.pk) for p in plans}
    assert {r.changes["due_date"][1] for r in plan_rows.values()} == {"15/02/2026"}
    periods = list(ReportPeriod.objects.filter(cycle=open_cycle))
    assert set(created(ReportPeriod, [str(p.pk) for p in periods])) == {str(p.pk) for p in periods}
    summary = AuditEvent.objects.get(
        object_type="reviews.reviewcycle", object_id=str(open_cycle.pk), action="update"
    )
    assert summary.changes["reviews"] == [None, 8] and summary.changes["report_periods"] == [
        None,
        4,
    ]
    # the history panels read these rows like any other
    assert [e.action for e in history_for(reviews[0])] == ["create"]


def test_carry_over_writes_audit_rows_for_old_and_new_findings(
    open_cycle, org_tree, office, travel_to
):
    from kiemdiem.core.models import AuditEvent

    old = services.finding_add(
        review=collective(open_cycle, org_tree.cell_a1), by=office, text="Chậm", area="other"
    )
    services.cycle_close(cycle=open_cycle, by=office)
    travel_to(D(2027, 1, 10))
    nxt = next_cycle(org_tree, office)
    campaign_services.cycle_open(cycle=nxt, by=office)
    new = collective(nxt, org_tree.cell_a1).findings.get()
    moved = history_for(old).filter(action="transition").get()
    assert moved.changes == {"status": ["open", "carried_over"]}
    assert moved.unit_path == org_tree.cell_a1.path and moved.actor == office
    born = history_for(new).get()
    assert born.action == "create" and born.changes["carried_from"] == [None, old.pk]
    assert born.changes["text"] == [None, "Chậm"]
    summary = AuditEvent.objects.get(
        object_type="reviews.reviewcycle", object_id=str(nxt.pk), action="update"
    )
    assert summary.changes["carried"] == [None, 1]


# --- conference record: attendees, supervisors, corrections -------------------------------


@pytest.fixture
def province_secretary(org_tree):
    from kiemdiem.org.models import PositionRole
    from kiemdiem.org.tests.factories import PersonFactory

    person = PersonFactory(full_name="Đỗ Trọng Hưng")
    org_services.position_add(
        person=person,
        unit=org_tree.province_a,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    return person


def record(cycle, org_tree, office, **extra):
    return services.meeting_record(
        cycle=cycle,
        unit=org_tree.cell_a1,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        by=office,
        **extra,
    )


def test_meeting_keeps_attendees_and_upper_level_supervisors(
    open_cycle, org_tree, office, province_secretary
):
    meeting = record(
        open_cycle,
        org_tree,
        office,
        attendees=org_tree.members_a1[:2],
        supervisor_people=[province_secretary],
        supervisors="Tổ công tác số 3",
    )
    meeting = ReviewMeeting.objects.get(pk=meeting.pk)
    assert set(meeting.attendees.all()) == set(org_tree.members_a1[:2])
    assert list(meeting.supervisor_people.all()) == [province_secretary]
    assert meeting.attendee_count == 2  # none typed: the number picked
    row = history_for(meeting).get()
    assert row.changes["supervisor_people"] == [None, ["Đỗ Trọng Hưng"]]


def test_meeting_attendee_outside_the_unit_or_supervisor_not_leading_above_is_refused(
    open_cycle, org_tree, office
):
    with pytest.raises(DomainError, match="Võ Văn Bình"):
        record(open_cycle, org_tree, office, attendees=[org_tree.member_b1])
    with pytest.raises(DomainError, match="Không phải lãnh đạo cấp ủy cấp trên"):
        record(open_cycle, org_tree, office, supervisor_people=[org_tree.members_a1[2]])
    with pytest.raises(DomainError, match="ít hơn số người đã chọn"):
        record(open_cycle, org_tree, office, attendees=org_tree.members_a1, attendee_count=2)
    assert not ReviewMeeting.objects.exists()


def test_meeting_update_is_version_checked_and_audited(open_cycle, org_tree, office):
    from kiemdiem.core.errors import StaleObject

    meeting = record(open_cycle, org_tree, office, attendee_count=5)
    services.meeting_update(
        meeting=meeting,
        by=office,
        expected_version=1,
        comments_count=4,
        attendees=org_tree.members_a1,
    )
    stored = ReviewMeeting.objects.get(pk=meeting.pk)
    assert (stored.comments_count, stored.version, stored.attendees.count()) == (4, 2, 3)
    row = history_for(stored).filter(action="update").get()
    assert row.changes["comments_count"] == [0, 4]
    assert row.changes["attendees"][1] == sorted(p.full_name for p in org_tree.members_a1)
    with pytest.raises(StaleObject):
        services.meeting_update(meeting=stored, by=office, expected_version=1, minutes="Cũ")
    assert ReviewMeeting.objects.get(pk=meeting.pk).minutes == ""
    with pytest.raises(DomainError, match="chưa diễn ra"):
        services.meeting_update(meeting=stored, by=office, held_on=D(2026, 3, 1))
    assert ReviewMeeting.objects.get(pk=meeting.pk).held_on == D(2026, 1, 9)


def test_meeting_update_is_refused_once_a_review_of_the_unit_is_finalized(
    open_cycle, org_tree, office
):
    review = collective(open_cycle, org_tree.cell_a1)
    services.review_transition(review=review, to="submitted", by=office)
    meeting = record(open_cycle, org_tree, office)
    review.refresh_from_db()
    services.review_transition(review=review, to="finalized", by=office)
    with pytest.raises(DomainError, match="không sửa được hội nghị"):
        services.meeting_update(meeting=meeting, by=office, comments_count=9)
    assert ReviewMeeting.objects.get(pk=meeting.pk).comments_count == 0


def test_findings_of_a_finalized_review_or_a_closed_cycle_do_not_change(
    open_cycle, org_tree, office
):
    review = collective(open_cycle, org_tree.cell_a1)
    finding = services.finding_add(review=review, by=office, text="Chưa đều", area="leadership")
    services.review_transition(review=review, to="submitted", by=office)
    services.meeting_record(
        cycle=open_cycle,
        unit=org_tree.cell_a1,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        by=office,
    )
    review.refresh_from_db()
    services.review_transition(review=review, to="finalized", by=office)
    finding = Finding.objects.get(pk=finding.pk)
    with pytest.raises(DomainError, match="đã hoàn chỉnh"):
        services.finding_update(finding=finding, by=office, text="Viết lại")
    with pytest.raises(DomainError, match="đã hoàn chỉnh"):
        services.finding_add(review=finding.review, by=office, text="Mới", area="other")
    other = collective(open_cycle, org_tree.cell_a1b)
    kept = services.finding_add(review=other, by=office, text="Còn chậm", area="other")
    services.cycle_close(cycle=open_cycle, by=office)
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.finding_update(finding=Finding.objects.get(pk=kept.pk), by=office, text="Sửa")
    assert set(Finding.objects.values_list("text", flat=True)) == {"Chưa đều", "Còn chậm"}
