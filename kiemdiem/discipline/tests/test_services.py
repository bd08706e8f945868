"""Discipline cases: the forms of Art. 7, the limitation of Art. 4, one case per violation,
appeals and annulment, the consequences on the organization's records, and who may act."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from conftest import START, make_user
from kiemdiem.core.dates import add_years
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.discipline import services
from kiemdiem.discipline.models import DisciplineCase, DisciplineForm, MemberStatus
from kiemdiem.discipline.states import DisciplineStatus
from kiemdiem.org import services as org_services
from kiemdiem.org.models import AccessRole, Membership, PositionRole

D = datetime.date
TODAY = D(2026, 3, 2)


@pytest.fixture
def today(travel_to):
    travel_to(TODAY)
    return TODAY


@pytest.fixture
def inspector(org_tree):
    """Inspection committee of grassroots committee A1 (ủy ban kiểm tra đảng ủy)."""
    user = make_user("ubkt_cs")
    org_services.access_grant(
        user=user,
        unit=org_tree.grassroots_a1,
        role=AccessRole.INSPECTION,
        by=SYSTEM,
        valid_from=START,
    )
    return user


@pytest.fixture
def grassroots_office(org_tree):
    user = make_user("vanphong_cs")
    org_services.access_grant(
        user=user, unit=org_tree.grassroots_a1, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    return user


def record(org_tree, by, **overrides):
    """A decision of the grassroots committee A1 about member Nguyễn Văn Đức."""
    values = {
        "by": by,
        "deciding_unit": org_tree.grassroots_a1,
        "authority": "inspection",
        "person": org_tree.members_a1[0],
        "violation": "Vi phạm quy định về những điều đảng viên không được làm",
        "violation_on": D(2025, 9, 1),
        "violation_area": "discipline",
        "form": DisciplineForm.WARNING,
        "decision_number": "12-QĐ/UBKTĐU",
        "decided_on": D(2026, 2, 20),
    }
    values.update(overrides)
    return services.case_record(**values)


def test_recording_a_decision_sets_the_form_in_force_and_audits_it(org_tree, inspector, today):
    case = record(org_tree, inspector)
    assert case.status == DisciplineStatus.DECIDED
    assert case.form_in_force == DisciplineForm.WARNING
    assert case.unit == org_tree.cell_a1  # the member's cell on the violation day
    assert case.member_status == MemberStatus.FULL
    assert case.limitation_years == 10
    event = AuditEvent.objects.get(object_type="discipline.disciplinecase", object_id=str(case.pk))
    assert event.action == AuditAction.CREATE
    assert event.effective_on == D(2026, 2, 20)
    assert event.person_id_ref == org_tree.members_a1[0].pk


def refused(call, message: str):
    before = (DisciplineCase.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as exc:
        call()
    assert message in exc.value.message
    assert (DisciplineCase.objects.count(), AuditEvent.objects.count()) == before
    return exc.value


def test_removal_from_post_needs_a_post_held_on_the_day(org_tree, grassroots_office, today):
    error = refused(
        lambda: record(org_tree, grassroots_office, form=DisciplineForm.REMOVAL_FROM_POST),
        "Cách chức chỉ áp dụng với đảng viên đang giữ chức vụ",
    )
    assert error.field == "form"


def test_removal_from_post_ends_the_post_through_the_org_services(
    org_tree, grassroots_office, today
):
    person = org_tree.members_a1[0]
    post = org_services.position_add(
        person=person,
        unit=org_tree.cell_a1,
        role=PositionRole.DEPUTY_SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    case = record(
        org_tree,
        grassroots_office,
        form=DisciplineForm.REMOVAL_FROM_POST,
        position=post,
        effective_on=D(2026, 2, 25),
    )
    post.refresh_from_db()
    assert post.valid_to == D(2026, 2, 25)
    assert case.position == post
    assert AuditEvent.objects.filter(
        object_type="org.position", object_id=str(post.pk), action=AuditAction.UPDATE
    ).exists()


def test_dissolution_is_for_organizations_only(org_tree, inspector, today):
    refused(
        lambda: record(org_tree, inspector, form=DisciplineForm.DISSOLUTION),
        "Giải tán chỉ áp dụng với tổ chức đảng",
    )


def test_probationary_member_only_reprimand_or_warning(org_tree, grassroots_office, today):
    person = org_tree.members_a1[0]
    org_services.person_update(
        person=person, by=SYSTEM, admission_date=D(2025, 6, 1), official_date=None
    )
    refused(
        lambda: record(org_tree, grassroots_office, form=DisciplineForm.EXPULSION),
        "đảng viên dự bị chỉ bị khiển trách hoặc cảnh cáo",
    )
    case = record(org_tree, grassroots_office, form=DisciplineForm.REPRIMAND)
    assert case.member_status == MemberStatus.PROBATIONARY


def test_expulsion_ends_the_membership_through_the_org_services(org_tree, grassroots_office, today):
    person = org_tree.members_a1[0]
    record(org_tree, grassroots_office, form=DisciplineForm.EXPULSION)
    membership = Membership.objects.get(person=person)
    assert membership.valid_to == D(2026, 2, 20)
    event = AuditEvent.objects.get(
        object_type="org.membership", object_id=str(membership.pk), action=AuditAction.UPDATE
    )
    assert event.reason == "Quyết định kỷ luật khai trừ số 12-QĐ/UBKTĐU"


def test_expulsion_needs_the_office_keeping_the_member_records(org_tree, inspector, today):
    with pytest.raises(PermissionDenied, match="chỉ văn phòng, ban tổ chức cấp ủy quản lý"):
        record(org_tree, inspector, form=DisciplineForm.EXPULSION)
    assert not DisciplineCase.objects.exists()
    assert Membership.objects.get(person=org_tree.members_a1[0]).valid_to is None


def test_organizations_get_reprimand_warning_or_dissolution_from_a_level_above(
    org_tree, office, today
):
    org = {"person": None, "unit": org_tree.cell_a1, "deciding_unit": org_tree.district_a1}
    org["authority"] = "standing"
    refused(
        lambda: record(org_tree, office, form=DisciplineForm.EXPULSION, **org),
        "tổ chức đảng chỉ bị khiển trách, cảnh cáo hoặc giải tán",
    )
    refused(
        lambda: record(org_tree, office, **{**org, "deciding_unit": org_tree.cell_a1}),
        "cấp quyết định phải là cấp trên",
    )
    case = record(org_tree, office, form=DisciplineForm.DISSOLUTION, **org)
    assert case.subject_kind == "collective"
    assert case.member_status == ""


def test_one_violation_is_disciplined_once(org_tree, inspector, today):
    first = record(org_tree, inspector)
    refused(lambda: record(org_tree, inspector), "mỗi vi phạm chỉ bị xử lý kỷ luật một lần")
    # the same wording typed differently is the same violation
    refused(
        lambda: record(
            org_tree,
            inspector,
            violation="  vi pham quy dinh ve nhung dieu dang vien khong duoc lam ",
            form=DisciplineForm.REPRIMAND,
        ),
        "đã có hồ sơ kỷ luật",
    )
    # once annulled, it may be considered again
    services.case_settle(
        case=first,
        by=inspector,
        outcome=DisciplineStatus.ANNULLED,
        decision_number="15-QĐ/UBKTĐU",
        decided_on=D(2026, 3, 1),
        reason="Kết luận vi phạm chưa đúng",
    )
    again = record(org_tree, inspector, decided_on=D(2026, 3, 2))
    assert again.pk != first.pk


def test_one_case_per_finding(org_tree, inspector, open_cycle, travel_to):
    from kiemdiem.reviews import services as review_services
    from kiemdiem.reviews.models import Review

    review = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    finding = review_services.finding_add(
        review=review, by=SYSTEM, text="Vi phạm quy chế làm việc", area="discipline"
    )
    travel_to(TODAY)
    case = services.case_open(
        by=inspector,
        deciding_unit=org_tree.grassroots_a1,
        authority="inspection",
        person=org_tree.members_a1[0],
        violation="Vi phạm quy chế làm việc",
        violation_on=D(2025, 10, 1),
        violation_area="discipline",
        finding=finding,
        proposed_form=DisciplineForm.REPRIMAND,
    )
    assert case.review == review  # the finding's review is linked too
    refused(
        lambda: services.case_open(
            by=inspector,
            deciding_unit=org_tree.grassroots_a1,
            authority="inspection",
            person=org_tree.members_a1[0],
            violation="Một cách diễn đạt khác",
            violation_on=D(2025, 10, 2),
            violation_area="discipline",
            finding=finding,
        ),
        "mỗi vi phạm chỉ bị xử lý kỷ luật một lần",
    )


@pytest.mark.parametrize(
    ("form", "years"),
    [(DisciplineForm.REPRIMAND, 5), (DisciplineForm.WARNING, 10)],
)
def test_limitation_period_to_the_day(org_tree, inspector, travel_to, form, years):
    last = D(2026, 3, 1)
    violated = add_years(last, -years)
    assert add_years(violated, years) == last
    travel_to(TODAY)
    person = org_tree.members_a1[2]
    late = last + datetime.timedelta(days=1)
    error = refused(
        lambda: record(
            org_tree, inspector, person=person, violation_on=violated, form=form, decided_on=late
        ),
        "Đã hết thời hiệu kỷ luật",
    )
    assert f"{years} năm" in error.message and error.field == "decided_on"
    case = record(
        org_tree, inspector, person=person, violation_on=violated, form=form, decided_on=last
    )
    assert case.limitation_years == years


def test_expulsion_and_the_cases_never_time_barred_have_no_limitation(
    org_tree, grassroots_office, travel_to
):
    travel_to(TODAY)
    old = {"violation_on": D(2001, 1, 1)}
    refused(lambda: record(org_tree, grassroots_office, **old), "Đã hết thời hiệu")
    case = record(org_tree, grassroots_office, no_limitation=True, **old)
    assert case.limitation_years is None
    services.case_settle(
        case=case,
        by=grassroots_office,
        outcome=DisciplineStatus.ANNULLED,
        decision_number="2-QĐ",
        decided_on=TODAY,
        reason="Nhập nhầm",
    )
    expelled = record(org_tree, grassroots_office, form=DisciplineForm.EXPULSION, **old)
    assert expelled.limitation_years is None


def test_dates_of_a_decision(org_tree, inspector, today):
    refused(lambda: record(org_tree, inspector, decided_on=D(2026, 3, 3)), "ở tương lai")
    refused(
        lambda: record(org_tree, inspector, effective_on=D(2026, 2, 1)),
        "Ngày có hiệu lực phải từ ngày quyết định",
    )
    refused(
        lambda: record(org_tree, inspector, decided_on=D(2025, 8, 1)),
        "trước ngày vi phạm",
    )


def test_proposal_decided_or_dropped(org_tree, inspector, today):
    case = services.case_open(
        by=inspector,
        deciding_unit=org_tree.grassroots_a1,
        authority="inspection",
        person=org_tree.members_a1[1],
        violation="Không đóng đảng phí 3 tháng",
        violation_on=D(2025, 12, 1),
        violation_area="discipline",
        proposed_form=DisciplineForm.REPRIMAND,
    )
    assert case.status == DisciplineStatus.PROPOSED and case.form_in_force == ""
    with pytest.raises(DomainError, match="Phải nêu lý do"):
        services.case_drop(case=case, by=inspector, reason="")
    services.case_decide(
        case=case,
        by=inspector,
        form=DisciplineForm.REPRIMAND,
        decision_number="3-QĐ/UBKTĐU",
        decided_on=D(2026, 3, 1),
        version=case.version,
    )
    case.refresh_from_db()
    assert case.status == DisciplineStatus.DECIDED
    assert case.form_in_force == DisciplineForm.REPRIMAND
    event = AuditEvent.objects.filter(action=AuditAction.TRANSITION).latest("id")
    assert event.changes["status"] == ["proposed", "decided"]
    assert event.changes["decision_number"] == [None, "3-QĐ/UBKTĐU"] or event.changes[
        "decision_number"
    ] == ["", "3-QĐ/UBKTĐU"]


def test_appeal_changed_and_annulled_keep_the_original_decision(org_tree, inspector, office, today):
    case = record(org_tree, inspector)
    services.case_appeal(
        case=case, by=inspector, lodged_on=D(2026, 2, 25), grounds="Hình thức quá nặng"
    )
    assert case.appeal_unit == org_tree.district_a1
    # the deciding level does not settle an appeal against its own decision
    with pytest.raises(PermissionDenied, match="cấp trên của cấp đã quyết định"):
        services.case_settle(
            case=case,
            by=inspector,
            outcome=DisciplineStatus.CHANGED,
            changed_form=DisciplineForm.REPRIMAND,
            decision_number="5-QĐ/UBKTTU",
            decided_on=D(2026, 3, 1),
            reason="Giảm hình thức",
        )
    services.case_settle(
        case=case,
        by=office,
        outcome=DisciplineStatus.CHANGED,
        changed_form=DisciplineForm.REPRIMAND,
        decision_number="5-QĐ/UBKTTU",
        decided_on=D(2026, 3, 1),
        reason="Có tình tiết giảm nhẹ",
    )
    case.refresh_from_db()
    assert (case.status, case.form, case.form_in_force) == (
        DisciplineStatus.CHANGED,
        DisciplineForm.WARNING,
        DisciplineForm.REPRIMAND,
    )
    services.case_settle(
        case=case,
        by=office,
        outcome=DisciplineStatus.ANNULLED,
        decision_number="7-QĐ/UBKTTU",
        decided_on=D(2026, 3, 2),
        reason="Kỷ luật oan",
        rectification="Phục hồi quyền lợi, thông báo tại chi bộ",
    )
    case.refresh_from_db()
    assert case.status == DisciplineStatus.ANNULLED
    assert case.form == DisciplineForm.WARNING  # the original decision is kept
    assert case.decision_number == "12-QĐ/UBKTĐU"
    assert case.form_in_force == ""


def test_who_may_record(org_tree, member, cell_secretary, unit_head, outsider, inspector, today):
    for user in (member, cell_secretary, unit_head, outsider):
        with pytest.raises(PermissionDenied):
            record(org_tree, user)
    assert not DisciplineCase.objects.exists()
    assert record(org_tree, inspector).pk


def test_who_may_read(
    org_tree, member, cell_secretary, unit_head, outsider, inspector, office, today
):
    """The deciding body's inspection committee and the offices above it, the person; not the
    cell secretary, not the province secretary (a leader, not an office), not an outsider."""
    case = record(org_tree, inspector)
    org_case = record(
        org_tree,
        office,
        person=None,
        unit=org_tree.cell_a1,
        deciding_unit=org_tree.district_a1,
        authority="standing",
        form=DisciplineForm.REPRIMAND,
    )
    readers = {
        "inspector": (inspector, {case}),  # not the commune's decision above it
        "office": (office, {case, org_case}),
        "member": (member, {case}),
        "cell_secretary": (cell_secretary, {org_case}),  # leads the disciplined cell
        "unit_head": (unit_head, set()),
        "outsider": (outsider, set()),
    }
    for name, (user, expected) in readers.items():
        assert set(DisciplineCase.objects.visible_to(user)) == expected, name


def test_correcting_a_decided_case_needs_a_reason(org_tree, inspector, today):
    case = record(org_tree, inspector)
    with pytest.raises(DomainError, match="phải nêu lý do"):
        services.case_update(case=case, by=inspector, violation_area="ethics_lifestyle")
    with pytest.raises(DomainError, match="Không sửa được"):
        services.case_update(case=case, by=inspector, reason="Sửa", form="reprimand")
    services.case_update(
        case=case,
        by=inspector,
        reason="Ghi sai số quyết định",
        decision_number="12A-QĐ/UBKTĐU",
        expected_version=case.version,
    )
    case.refresh_from_db()
    assert case.decision_number == "12A-QĐ/UBKTĐU"


def test_limitation_to_the_day_when_a_proposal_is_decided(org_tree, grassroots_office, today):
    """A removal from post has 10 years (Art. 4), counted to the day also when the case was
    opened as a proposal first; a violation on 29/02 reaches its last day on 28/02."""
    person = org_tree.members_a1[1]
    post = org_services.position_add(
        person=person,
        unit=org_tree.cell_a1,
        role=PositionRole.DEPUTY_SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    case = services.case_open(
        by=grassroots_office,
        deciding_unit=org_tree.grassroots_a1,
        authority="standing",
        person=person,
        violation="Vi phạm nguyên tắc tập trung dân chủ",
        violation_on=D(2016, 2, 29),
        violation_area="discipline",
        proposed_form=DisciplineForm.REMOVAL_FROM_POST,
    )
    decide = {
        "case": case,
        "by": grassroots_office,
        "form": DisciplineForm.REMOVAL_FROM_POST,
        "position": post,
        "decision_number": "9-QĐ/ĐU",
    }
    error = refused(
        lambda: services.case_decide(decided_on=D(2026, 3, 1), version=case.version, **decide),
        "Đã hết thời hiệu kỷ luật",
    )
    assert "10 năm (đến hết ngày 28/02/2026)" in error.message
    case.refresh_from_db()
    assert (case.status, case.form_in_force) == (DisciplineStatus.PROPOSED, "")
    services.case_decide(decided_on=D(2026, 2, 28), version=case.version, **decide)
    case.refresh_from_db()
    assert (case.status, case.limitation_years) == (DisciplineStatus.DECIDED, 10)
