"""An implementation plan for a directive: the draft collects comments, becomes a plan whose
tasks go to their bodies and are tracked like remediation items, with 6-monthly reports."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent, Notification
from kiemdiem.oversight import services
from kiemdiem.oversight.models import DirectiveTask, DraftComment

from .helpers import fresh

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def draft(oversight, org_tree, office, travel_to):
    travel_to(D(2026, 3, 1))
    return services.implementation_create(
        committee=org_tree.province_a,
        title="Kế hoạch thực hiện Nghị quyết Trung ương 4",
        directive="Nghị quyết số 12-NQ/TW ngày 16/01/2012 của Ban Chấp hành Trung ương",
        draft_text="I. Mục đích, yêu cầu\nII. Nhiệm vụ, giải pháp",
        by=office,
    )


def test_a_draft_collects_comments_and_becomes_a_plan_with_tracked_tasks(
    draft, oversight, org_tree, office, travel_to
):
    comments = [
        services.comment_add(
            plan=draft,
            author=f"Đại biểu {n}",
            text=f"Góp ý số {n}",
            received_on=D(2026, 3, 1),
            channel="Hội nghị cán bộ chủ chốt",
            by=office,
        )
        for n in range(1, 4)
    ]
    services.draft_revise(plan=draft, text="Dự thảo lần 2", note="Tiếp thu góp ý số 1", by=office)
    with pytest.raises(DomainError, match="phải có giải trình"):
        services.comment_decide(comment=comments[1], decision="not_accepted", by=office)
    services.comment_decide(comment=comments[0], decision="accepted", by=office)
    services.comment_decide(
        comment=comments[1], decision="not_accepted", response="Đã có trong quy định", by=office
    )
    before = DirectiveTask.objects.count()
    with pytest.raises(DomainError, match="Phải nêu cơ quan chủ trì"):
        services.task_add(
            plan=draft,
            content="Tham mưu cơ chế",
            lead_unit=None,
            due_date=D(2026, 12, 31),
            by=office,
        )
    with pytest.raises(DomainError, match="Phải có thời hạn"):
        services.task_add(
            plan=draft,
            content="Tham mưu cơ chế",
            lead_unit=oversight.board,
            due_date=None,
            by=office,
        )
    assert DirectiveTask.objects.count() == before
    task = services.task_add(
        plan=draft,
        content="Tham mưu cơ chế lấy phiếu tín nhiệm hằng năm",
        lead_unit=oversight.board,
        coordinating_units=[org_tree.district_a1],
        due_date=D(2026, 9, 30),
        by=office,
    )
    with pytest.raises(DomainError, match="Còn 1 ý kiến góp ý chưa xem xét"):
        services.implementation_adopt(
            plan=draft, number="16-KH/TU", issued_on=D(2026, 3, 1), by=office
        )
    services.comment_decide(comment=comments[2], decision="partly", response="Gộp", by=office)
    services.implementation_adopt(plan=draft, number="16-KH/TU", issued_on=D(2026, 3, 1), by=office)
    assert draft.status == "adopted"
    # The board's deputy head and the commune's secretary are told of the task.
    assert Notification.objects.get(
        user=oversight.member_user, kind="task_assigned"
    ).text.startswith("Chủ trì:")
    assert Notification.objects.get(user=oversight.unit_user, kind="task_assigned").text.startswith(
        "Phối hợp:"
    )
    # A comment on a draft already adopted: refused, nothing changed.
    before = DraftComment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError, match="đã ban hành"):
        services.comment_add(
            plan=draft, author="Muộn", text="Góp ý muộn", received_on=D(2026, 3, 1), by=office
        )
    assert (DraftComment.objects.count(), AuditEvent.objects.count()) == before

    # Tracked like a remediation item: progress with evidence by the lead body, verified by
    # the committee, not by whoever reported it.
    board_head = fresh(oversight.member_user)
    with pytest.raises(PermissionDenied):
        services.task_report_progress(
            task=task, status="in_progress", percent=10, narrative="x", by=oversight.unit_user
        )
    with pytest.raises(DomainError, match="ít nhất một tệp minh chứng"):
        services.task_report_progress(
            task=task, status="done", percent=100, narrative="Xong", by=board_head
        )
    services.task_report_progress(
        task=task,
        status="done",
        percent=100,
        narrative="Đã trình Ban Thường vụ",
        files=[SimpleUploadedFile("to-trinh.pdf", PDF, content_type="application/pdf")],
        by=board_head,
    )
    assert Notification.objects.filter(user=office, kind="task_reported").exists()
    services.task_verify(task=task, by=office)
    assert task.status == "verified" and task.verified_on == D(2026, 3, 1)

    travel_to(D(2026, 7, 2))
    report = services.implementation_report_create(
        plan=draft, year=2026, kind="half_year", by=office
    )
    assert report.figures["tasks_total"] == 1 and report.figures["tasks_verified"] == 1


def test_overdue_tasks_are_counted_and_reminded(draft, oversight, office, travel_to):
    from kiemdiem.dashboard.reminders import reminders_send

    task = services.task_add(
        plan=draft, content="Sơ kết", lead_unit=oversight.board, due_date=D(2026, 3, 20), by=office
    )
    services.implementation_adopt(plan=draft, number="16-KH/TU", issued_on=D(2026, 3, 1), by=office)
    travel_to(D(2026, 3, 18))
    reminders_send()
    assert Notification.objects.filter(user=oversight.member_user, kind="task_due").count() == 1
    travel_to(D(2026, 3, 25))
    assert task.is_overdue()
    reminders_send()
    reminders_send()  # never twice
    assert Notification.objects.filter(user=oversight.member_user, kind="task_overdue").count() == 1
    figures = services.task_figures(draft, D(2026, 3, 25))
    assert figures["tasks_overdue"] == 1
