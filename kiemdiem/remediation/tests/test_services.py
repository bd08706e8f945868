import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.remediation import services
from kiemdiem.remediation.models import Evidence, PlanAction, PlanSubmission, RemediationPlan
from kiemdiem.remediation.services import PlanIncomplete
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="bien-ban.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def plan(open_cycle, org_tree, office):
    """The collective plan of cell A1, whose review names one shortcoming."""
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(
        review=plan.review,
        by=office,
        text="Sinh hoạt chi bộ chưa đều, nội dung chưa phong phú",
        area="leadership",
    )
    return plan


def finding_of(plan):
    return plan.review.findings.get()


def test_submission_lists_every_problem_per_item(plan, org_tree, office):
    services.action_add(
        plan=plan, by=office, content="Đổi mới nội dung sinh hoạt", findings=[finding_of(plan)]
    )
    services.action_add(
        plan=plan, by=office, content="", responsible_unit=org_tree.cell_a1, due_date=D(2026, 6, 30)
    )
    with pytest.raises(PlanIncomplete) as refused:
        services.plan_submit(plan=plan, by=office)
    assert refused.value.problems == [
        "Mục 1: chưa nêu rõ tổ chức, cá nhân chịu trách nhiệm thực hiện.",
        "Mục 1: chưa có mốc thời gian hoàn thành.",
        "Mục 2: chưa có nội dung khắc phục.",
    ]
    plan.refresh_from_db()
    assert plan.status == "draft" and not PlanSubmission.objects.filter(plan=plan).exists()


def test_every_shortcoming_must_be_covered(plan, org_tree, office):
    services.action_add(
        plan=plan,
        by=office,
        content="Việc khác",
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    with pytest.raises(PlanIncomplete, match="chưa có nội dung khắc phục nào"):
        services.plan_submit(plan=plan, by=office)


def test_empty_plan_is_refused(plan, office):
    with pytest.raises(PlanIncomplete, match="chưa có nội dung khắc phục nào"):
        services.plan_submit(plan=plan, by=office)


def test_deadline_outside_horizon_is_refused(plan, org_tree, office):
    with pytest.raises(DomainError, match="nằm ngoài thời gian của đợt"):
        services.action_add(plan=plan, by=office, content="x", due_date=D(2030, 1, 1))
    assert not plan.actions.exists()


def test_responsible_person_outside_subtree_is_refused(plan, org_tree, office):
    with pytest.raises(DomainError, match="không sinh hoạt, công tác trong"):
        services.action_add(
            plan=plan, by=office, content="x", responsible_person=org_tree.member_b1
        )
    with pytest.raises(DomainError, match="không thuộc"):
        services.action_add(
            plan=plan, by=office, content="x", responsible_unit=org_tree.district_a2
        )


def test_findings_of_another_review_cannot_be_linked(plan, open_cycle, org_tree, office):
    other = RemediationPlan.objects.get(
        cycle=open_cycle, unit=org_tree.cell_a1b, person__isnull=True
    )
    foreign = review_services.finding_add(review=other.review, by=office, text="Khác", area="other")
    with pytest.raises(DomainError, match="chính bản kiểm điểm"):
        services.action_add(plan=plan, by=office, content="x", findings=[foreign])


def complete_item(plan, org_tree, office, **extra):
    values = dict(
        content="Đổi mới nội dung sinh hoạt chi bộ theo Hướng dẫn 12-HD/BTCTW",
        findings=[finding_of(plan)],
        responsible_person=org_tree.members_a1[0],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
        expected_result="100% kỳ sinh hoạt có chuyên đề",
    )
    values.update(extra)
    return services.action_add(plan=plan, by=office, **values)


def test_full_story_return_resubmit_accept_track_verify(
    plan, org_tree, office, outsider, travel_to
):
    action = complete_item(plan, org_tree, office)
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    assert plan.status == "submitted" and plan.recipients.get().unit == org_tree.grassroots_a1

    with pytest.raises(DomainError, match="ít nhất một lý do"):
        services.plan_return(plan=plan, grounds=[], remarks="", by=office)
    services.plan_return(
        plan=plan, grounds=["no_responsible"], remarks="Nêu rõ người phụ trách", by=office
    )
    plan.refresh_from_db()
    assert plan.status == "returned"

    services.action_update(
        action=action, by=office, content="Đổi mới sinh hoạt, mỗi quý một chuyên đề"
    )
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    first, second = PlanSubmission.objects.filter(plan=plan).order_by("number")
    assert first.snapshot["items"][0]["content"] != second.snapshot["items"][0]["content"]
    assert first.appraisal.grounds == ["no_responsible"]

    services.plan_accept(plan=plan, remarks="Đạt", by=office)
    plan.refresh_from_db()
    action.refresh_from_db()

    with pytest.raises(DomainError, match="minh chứng"):
        services.action_record_progress(
            action=action, status="done", percent=100, narrative="Xong", by=office
        )
    services.action_record_progress(
        action=action,
        status="in_progress",
        percent=40,
        narrative="Đã tổ chức 2 chuyên đề",
        by=office,
    )
    action.refresh_from_db()
    services.action_record_progress(
        action=action, status="done", percent=100, narrative="Hoàn thành", by=office, files=[pdf()]
    )
    evidence = Evidence.objects.get()
    assert evidence.size == len(PDF) and len(evidence.sha256) == 64
    action.refresh_from_db()
    services.action_verify(action=action, by=office, note="Đã kiểm tra biên bản")
    action.refresh_from_db()
    assert action.status == "verified"
    assert Finding.objects.get(pk=finding_of(plan).pk).status == "resolved"


def test_plan_adoption_records_the_collective_decision(plan, org_tree, office, travel_to):
    complete_item(plan, org_tree, office)
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    plan.refresh_from_db()
    with pytest.raises(DomainError, match="nghị quyết"):
        services.plan_adopt(plan=plan, decision_date=D(2026, 1, 10), decision_ref=" ", by=office)
    services.plan_adopt(
        plan=plan, decision_date=D(2026, 1, 10), decision_ref="Nghị quyết 05-NQ/CB", by=office
    )
    assert RemediationPlan.objects.get(pk=plan.pk).status == "adopted"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ....", "không được phép"),
        ("gia.pdf", b"<html>not a pdf</html>", "không đúng định dạng"),
        ("rong.pdf", b"", "rỗng"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_written(
    plan, org_tree, office, name, content, message
):
    action = complete_item(plan, org_tree, office)
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    action.refresh_from_db()
    with pytest.raises(DomainError, match=message):
        services.action_record_progress(
            action=action,
            status="done",
            percent=100,
            narrative="Xong",
            by=office,
            files=[SimpleUploadedFile(name, content)],
        )
    action.refresh_from_db()
    assert action.status == "open" and not Evidence.objects.exists()


def test_too_large_evidence_is_refused(plan, org_tree, office, settings):
    settings.KIEMDIEM_EVIDENCE_MAX_BYTES = 100
    action = complete_item(plan, org_tree, office)
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    action.refresh_from_db()
    with pytest.raises(DomainError, match="vượt quá giới hạn"):
        services.action_record_progress(
            action=action,
            status="done",
            percent=100,
            narrative="Xong",
            by=office,
            files=[pdf(content=PDF * 10)],
        )


def test_progress_before_acceptance_is_refused(plan, org_tree, office):
    action = complete_item(plan, org_tree, office)
    with pytest.raises(DomainError, match="đã được thẩm định"):
        services.action_record_progress(
            action=action, status="in_progress", percent=10, narrative="x", by=office
        )


def test_concurrent_appraisals_do_not_overwrite(plan, org_tree, office):
    complete_item(plan, org_tree, office)
    services.plan_submit(plan=plan, by=office)
    first = RemediationPlan.objects.get(pk=plan.pk)
    second = RemediationPlan.objects.get(pk=plan.pk)
    services.plan_accept(plan=first, by=office)
    with pytest.raises((StaleObject, DomainError)):
        services.plan_return(plan=second, grounds=["not_feasible"], remarks="", by=office)
    assert RemediationPlan.objects.get(pk=plan.pk).status == "accepted"


def test_cancel_and_replace_need_a_reason(plan, org_tree, office):
    action = complete_item(plan, org_tree, office)
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    action.refresh_from_db()
    with pytest.raises(DomainError, match="lý do"):
        services.action_cancel(action=action, reason="", by=office)
    new = services.action_replace(
        action=action,
        reason="Điều chỉnh theo chỉ đạo",
        by=office,
        content="Nội dung mới",
        due_date=D(2026, 9, 30),
        responsible_unit=org_tree.cell_a1,
    )
    action.refresh_from_db()
    assert action.status == "replaced" and action.replaced_by == new
    assert list(new.findings.all()) == [finding_of(plan)]


def test_sweep_flags_overdue_items_and_missing_plans_once(plan, org_tree, office, travel_to):
    action = complete_item(plan, org_tree, office, due_date=D(2026, 3, 1))
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    travel_to(D(2026, 3, 10))
    result = services.sweep_overdue()
    assert result["items"] == 1
    assert (
        result["plans"]
        == RemediationPlan.objects.filter(first_submitted_at__isnull=True).count()
        > 0
    )
    assert services.sweep_overdue() == {"items": 0, "plans": 0}
    assert PlanAction.objects.get(pk=action.pk).overdue_flagged
