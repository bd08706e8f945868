import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import conclude_review
from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.core.models import AuditEvent, SummaryDelta
from kiemdiem.dashboard import summaries
from kiemdiem.dashboard.tests.helpers import assert_summaries_match
from kiemdiem.remediation import services
from kiemdiem.remediation.models import (
    Evidence,
    PlanAction,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
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
    conclude_review(plan.review, office)
    return plan


def finding_of(plan):
    return plan.review.findings.get()


def test_submission_waits_for_the_reviews_conference(open_cycle, org_tree, office):
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    services.action_add(
        plan=plan,
        by=office,
        content="Sinh hoạt đúng kỳ",
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    with pytest.raises(PlanIncomplete) as refused:
        services.plan_submit(plan=plan, by=office)
    assert refused.value.problems[0].startswith("Bản kiểm điểm “Tập thể Chi bộ Tổ Toán — 2025”")
    assert "chưa qua hội nghị kiểm điểm (đang là “Dự thảo”)" in refused.value.problems[0]
    assert RemediationPlan.objects.get(pk=plan.pk).status == "draft"
    # Submitted to the conference is not enough: it must have been discussed there.
    review_services.review_transition(review=plan.review, to="submitted", by=office)
    with pytest.raises(PlanIncomplete, match="đang là “Đã gửi hội nghị”"):
        services.plan_submit(plan=RemediationPlan.objects.get(pk=plan.pk), by=office)
    conclude_review(plan.review, office)
    services.plan_submit(plan=RemediationPlan.objects.get(pk=plan.pk), by=office)
    assert RemediationPlan.objects.get(pk=plan.pk).status == "submitted"


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


def complete_item(plan, org_tree, by, **extra):
    values = dict(
        content="Đổi mới nội dung sinh hoạt chi bộ theo Hướng dẫn 12-HD/BTCTW",
        findings=[finding_of(plan)],
        responsible_person=org_tree.members_a1[0],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
        expected_result="100% kỳ sinh hoạt có chuyên đề",
    )
    values.update(extra)
    return services.action_add(plan=plan, by=by, **values)


def accepted_plan(plan, org_tree, preparer, appraiser, items=1):
    """The cell secretary prepares and submits `items` items; the recipient's office accepts."""
    actions = [complete_item(plan, org_tree, preparer) for _ in range(items)]
    services.plan_submit(plan=plan, by=preparer)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=appraiser)
    plan.refresh_from_db()
    for action in actions:
        action.refresh_from_db()
    return actions


def report_done(action, by):
    services.action_record_progress(
        action=action, status="done", percent=100, narrative="Xong", by=by, files=[pdf()]
    )
    action.refresh_from_db()


def test_full_story_return_resubmit_accept_track_verify(
    plan, org_tree, cell_secretary, appraiser, travel_to
):
    action = complete_item(plan, org_tree, cell_secretary)
    services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    assert plan.status == "submitted" and plan.recipients.get().unit == org_tree.grassroots_a1
    recipient_rows = AuditEvent.objects.filter(
        object_type="remediation.planrecipient", action="create"
    )
    assert recipient_rows.get().unit_path == plan.unit.path

    with pytest.raises(DomainError, match="ít nhất một lý do"):
        services.plan_return(plan=plan, grounds=[], remarks="", by=appraiser)
    services.plan_return(
        plan=plan, grounds=["no_responsible"], remarks="Nêu rõ người phụ trách", by=appraiser
    )
    plan.refresh_from_db()
    assert plan.status == "returned"

    services.action_update(
        action=action, by=cell_secretary, content="Đổi mới sinh hoạt, mỗi quý một chuyên đề"
    )
    services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    first, second = PlanSubmission.objects.filter(plan=plan).order_by("number")
    assert first.snapshot["items"][0]["content"] != second.snapshot["items"][0]["content"]
    assert first.appraisal.grounds == ["no_responsible"]
    # The appraisal names the recipient it was made for.
    assert first.appraisal.recipient_kind == "standing_committee"

    services.plan_accept(plan=plan, remarks="Đạt", by=appraiser)
    plan.refresh_from_db()
    action.refresh_from_db()
    assert PlanSubmission.objects.get(pk=second.pk).appraisal.recipient_kind == "standing_committee"

    with pytest.raises(DomainError, match="minh chứng"):
        services.action_record_progress(
            action=action, status="done", percent=100, narrative="Xong", by=cell_secretary
        )
    services.action_record_progress(
        action=action,
        status="in_progress",
        percent=40,
        narrative="Đã tổ chức 2 chuyên đề",
        by=cell_secretary,
    )
    action.refresh_from_db()
    services.action_record_progress(
        action=action,
        status="done",
        percent=100,
        narrative="Hoàn thành",
        by=cell_secretary,
        files=[pdf()],
    )
    evidence = Evidence.objects.get()
    assert evidence.size == len(PDF) and len(evidence.sha256) == 64
    action.refresh_from_db()
    services.action_verify(action=action, by=appraiser, note="Đã kiểm tra biên bản")
    action.refresh_from_db()
    assert action.status == "verified"
    assert Finding.objects.get(pk=finding_of(plan).pk).status == "resolved"


def test_plan_adoption_records_the_collective_decision(
    plan, org_tree, cell_secretary, appraiser, travel_to
):
    accepted_plan(plan, org_tree, cell_secretary, appraiser)
    with pytest.raises(DomainError, match="nghị quyết"):
        services.plan_adopt(
            plan=plan, decision_date=D(2026, 1, 10), decision_ref=" ", by=cell_secretary
        )
    services.plan_adopt(
        plan=plan,
        decision_date=D(2026, 1, 10),
        decision_ref="Nghị quyết 05-NQ/CB",
        by=cell_secretary,
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
    plan, org_tree, cell_secretary, appraiser, name, content, message
):
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    with pytest.raises(DomainError, match=message):
        services.action_record_progress(
            action=action,
            status="done",
            percent=100,
            narrative="Xong",
            by=cell_secretary,
            files=[SimpleUploadedFile(name, content)],
        )
    action.refresh_from_db()
    assert action.status == "open" and not Evidence.objects.exists()
    assert not ProgressUpdate.objects.exists()


def test_too_large_evidence_is_refused_and_nothing_is_written(
    plan, org_tree, cell_secretary, appraiser, settings, tmp_path
):
    settings.KIEMDIEM_EVIDENCE_MAX_BYTES = 100
    # Real files on disk, so that "nothing written" means no file, not only no row.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    version = action.version
    with pytest.raises(DomainError, match="vượt quá giới hạn"):
        services.action_record_progress(
            action=action,
            status="done",
            percent=100,
            narrative="Xong",
            by=cell_secretary,
            files=[pdf(content=PDF * 10)],
        )
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    action.refresh_from_db()
    assert (action.status, action.percent, action.version) == ("open", 0, version)
    # The same upload within the limit is written to that directory (the check above can fail).
    settings.KIEMDIEM_EVIDENCE_MAX_BYTES = 10_000
    report_done(action, cell_secretary)
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_progress_before_acceptance_is_refused(plan, org_tree, cell_secretary):
    action = complete_item(plan, org_tree, cell_secretary)
    with pytest.raises(DomainError, match="đã được thẩm định"):
        services.action_record_progress(
            action=action, status="in_progress", percent=10, narrative="x", by=cell_secretary
        )


def test_concurrent_appraisals_do_not_overwrite(
    plan, org_tree, cell_secretary, appraiser, second_appraiser
):
    complete_item(plan, org_tree, cell_secretary)
    services.plan_submit(plan=plan, by=cell_secretary)
    first = RemediationPlan.objects.get(pk=plan.pk)
    second = RemediationPlan.objects.get(pk=plan.pk)
    services.plan_accept(plan=first, by=appraiser)
    with pytest.raises(StaleObject) as refused:
        services.plan_return(plan=second, grounds=["not_feasible"], remarks="", by=second_appraiser)
    # The second appraiser sees who decided first and what they decided.
    message = refused.value.message
    assert "vừa được người khác thay đổi" in message
    assert "Lần lưu gần nhất: vanphong_cs" in message
    assert "Chờ thẩm định → Đạt yêu cầu, chờ tập thể quyết định" in message
    assert RemediationPlan.objects.get(pk=plan.pk).status == "accepted"
    submission = PlanSubmission.objects.get(plan=plan)
    assert submission.appraisal.decision == "accepted"
    assert submission.appraisal.decided_by == appraiser


def test_concurrent_progress_reports_show_the_first_one(
    plan, org_tree, cell_secretary, appraiser, office
):
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    stale = PlanAction.objects.get(pk=action.pk)
    report_done(action, cell_secretary)
    with pytest.raises(StaleObject, match="Lần lưu gần nhất: bithu_chibo") as refused:
        services.action_record_progress(
            action=stale, status="done", percent=100, narrative="Cũng xong", by=office
        )
    # The first report's one audit row: its move and its percent, both named.
    assert (
        "(Tình trạng: Chưa thực hiện → Báo cáo hoàn thành; Mức độ hoàn thành (%): 0 → 100)"
        in refused.value.message
    )
    assert ProgressUpdate.objects.filter(action=action).count() == 1


def test_a_progress_report_is_one_audit_row_and_reads_no_unit_the_caller_has(
    plan, org_tree, cell_secretary, appraiser
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    loaded = PlanAction.objects.select_related("plan__unit", "plan__cycle").get(pk=action.pk)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    with CaptureQueriesContext(connection) as queries:
        services.action_record_progress(
            action=loaded, status="in_progress", percent=40, narrative="Đang làm", by=cell_secretary
        )
    assert not [q for q in queries.captured_queries if 'FROM "org_unit"' in q["sql"]]
    rows = AuditEvent.objects.filter(object_type="remediation.planaction", object_id=action.pk)
    (row,) = rows.filter(id__gt=before)
    assert row.changes == {"status": ["open", "in_progress"], "percent": [0, 40]}
    assert row.reason == "Đang làm"


def test_cancel_and_replace_need_a_reason(plan, org_tree, cell_secretary, appraiser):
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    with pytest.raises(DomainError, match="lý do"):
        services.action_cancel(action=action, reason="", by=cell_secretary)
    new = services.action_replace(
        action=action,
        reason="Điều chỉnh theo chỉ đạo",
        by=cell_secretary,
        content="Nội dung mới",
        due_date=D(2026, 9, 30),
        responsible_unit=org_tree.cell_a1,
    )
    action.refresh_from_db()
    assert action.status == "replaced" and action.replaced_by == new
    assert list(new.findings.all()) == [finding_of(plan)]


def _deltas(metric):
    return sum(d.changes.get(metric, 0) for d in SummaryDelta.objects.all())


def test_cancelling_the_other_item_resolves_the_finding(
    plan, open_cycle, org_tree, cell_secretary, appraiser
):
    first, second = accepted_plan(plan, org_tree, cell_secretary, appraiser, items=2)
    report_done(first, cell_secretary)
    services.action_verify(action=first, by=appraiser, note="Đã kiểm tra")
    finding = finding_of(plan)
    assert finding.status == "in_progress"  # the second item is still open
    resolved_before = _deltas("findings_resolved")
    version = finding.version

    services.action_cancel(action=second, reason="Đã gộp vào mục 1", by=cell_secretary)

    finding.refresh_from_db()
    assert finding.status == "resolved" and finding.resolved_at is not None
    assert finding.version == version + 1
    audit = AuditEvent.objects.filter(object_type="reviews.finding", object_id=str(finding.pk))
    assert audit.first().changes == {"status": ["in_progress", "resolved"]}
    # The dashboard change is appended as verification appends it; the merge equals a recount.
    assert _deltas("findings_resolved") == resolved_before + 1
    summaries.merge_all()
    assert_summaries_match(open_cycle)


def test_cancelling_an_item_leaves_the_finding_open_while_another_is_not_verified(
    plan, org_tree, cell_secretary, appraiser
):
    first, second = accepted_plan(plan, org_tree, cell_secretary, appraiser, items=2)
    report_done(first, cell_secretary)  # done, not yet verified
    services.action_cancel(action=second, reason="Trùng", by=cell_secretary)
    assert finding_of(plan).status == "in_progress"
    assert _deltas("findings_resolved") == 0


def test_replaced_item_counts_through_its_replacement(
    plan, open_cycle, org_tree, cell_secretary, appraiser
):
    first, second = accepted_plan(plan, org_tree, cell_secretary, appraiser, items=2)
    report_done(first, cell_secretary)
    services.action_verify(action=first, by=appraiser)
    new = services.action_replace(
        action=second,
        reason="Đổi cách làm",
        by=cell_secretary,
        content="Cách làm mới",
        due_date=D(2026, 9, 30),
        responsible_unit=org_tree.cell_a1,
    )
    assert finding_of(plan).status == "in_progress"  # the replacement is open
    report_done(new, cell_secretary)
    services.action_verify(action=new, by=appraiser)
    assert finding_of(plan).status == "resolved"
    assert _deltas("findings_resolved") == 1
    summaries.merge_all()
    assert_summaries_match(open_cycle)


def test_last_live_item_of_an_open_finding_cannot_be_cancelled(
    plan, org_tree, cell_secretary, appraiser
):
    first, second = accepted_plan(plan, org_tree, cell_secretary, appraiser, items=2)
    services.action_cancel(action=first, reason="Trùng", by=cell_secretary)
    second.refresh_from_db()
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="duy nhất còn hiệu lực") as refused:
        services.action_cancel(action=second, reason="Không làm nữa", by=cell_secretary)
    assert "Hãy thay thế" in refused.value.message
    second.refresh_from_db()
    assert second.status == "open" and second.closing_reason == ""
    assert AuditEvent.objects.count() == audit_rows
    # Replacing it is the way out.
    services.action_replace(
        action=second,
        reason="Đổi cách làm",
        by=cell_secretary,
        content="Cách làm mới",
        due_date=D(2026, 9, 30),
        responsible_unit=org_tree.cell_a1,
    )


def test_last_item_of_a_returned_plan_may_be_cancelled_but_resubmission_then_refused(
    plan, org_tree, cell_secretary, appraiser
):
    (action,) = [complete_item(plan, org_tree, cell_secretary)]
    services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    services.plan_return(plan=plan, grounds=["not_feasible"], remarks="", by=appraiser)
    plan.refresh_from_db()
    action.refresh_from_db()
    services.action_cancel(action=action, reason="Không khả thi", by=cell_secretary)
    assert PlanAction.objects.get(pk=action.pk).status == "cancelled"
    with pytest.raises(PlanIncomplete, match="chưa có nội dung khắc phục nào"):
        services.plan_submit(plan=plan, by=cell_secretary)


def test_progress_moves_findings_in_progress_with_an_audit_row(
    plan, org_tree, cell_secretary, appraiser
):
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    finding = finding_of(plan)
    version = finding.version
    services.action_record_progress(
        action=action, status="in_progress", percent=30, narrative="Bắt đầu", by=cell_secretary
    )
    finding.refresh_from_db()
    assert finding.status == "in_progress" and finding.version == version + 1
    row = AuditEvent.objects.filter(
        object_type="reviews.finding", object_id=str(finding.pk)
    ).first()
    assert row.actor == cell_secretary
    assert row.changes == {"status": ["open", "in_progress"]}
    # A second report changes nothing more on the finding.
    action.refresh_from_db()
    services.action_record_progress(
        action=action, status="in_progress", percent=60, narrative="Tiếp", by=cell_secretary
    )
    finding.refresh_from_db()
    assert finding.version == version + 1


def test_writes_after_the_cycle_is_closed_are_refused(
    plan, open_cycle, org_tree, cell_secretary, appraiser, office
):
    first, second = accepted_plan(plan, org_tree, cell_secretary, appraiser, items=2)
    report_done(first, cell_secretary)
    other = RemediationPlan.objects.get(
        cycle=open_cycle, unit=org_tree.cell_a1b, person__isnull=True
    )
    services.action_add(
        plan=other,
        by=office,
        content="Nội dung",
        responsible_unit=org_tree.cell_a1b,
        due_date=D(2026, 6, 30),
    )
    review_services.cycle_close(cycle=open_cycle, by=office)
    for obj in (plan, other, first, second):
        obj.refresh_from_db()
    audit_rows, deltas = AuditEvent.objects.count(), SummaryDelta.objects.count()

    closed = "đã kết thúc: không nhận thêm thay đổi"
    with pytest.raises(DomainError, match=closed):
        services.plan_submit(plan=other, by=office)
    with pytest.raises(DomainError, match=closed):
        services.action_record_progress(
            action=second,
            status="done",
            percent=100,
            narrative="Xong",
            by=cell_secretary,
            files=[pdf()],
        )
    with pytest.raises(DomainError, match=closed):
        services.action_verify(action=first, by=appraiser)

    assert RemediationPlan.objects.get(pk=other.pk).status == "draft"
    assert not PlanSubmission.objects.filter(plan=other).exists()
    assert PlanAction.objects.get(pk=second.pk).status == "open"
    assert PlanAction.objects.get(pk=first.pk).status == "done"
    assert ProgressUpdate.objects.count() == 1 and Evidence.objects.count() == 1
    assert (AuditEvent.objects.count(), SummaryDelta.objects.count()) == (audit_rows, deltas)


def test_sweep_flags_overdue_items_and_missing_plans_once(
    plan, org_tree, cell_secretary, appraiser, travel_to
):
    action = complete_item(plan, org_tree, cell_secretary, due_date=D(2026, 3, 1))
    services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=appraiser)
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


def test_the_same_evidence_file_is_stored_once(plan, org_tree, cell_secretary, appraiser):
    first, second = accepted_plan(plan, org_tree, cell_secretary, appraiser, items=2)
    report_done(first, cell_secretary)
    report_done(second, cell_secretary)  # the same minutes prove both items
    one, two = Evidence.objects.order_by("pk")
    assert one.sha256 == two.sha256 and one.file.name == two.file.name
    assert one.file.storage.exists(one.file.name)
    assert two.file.read() == PDF
