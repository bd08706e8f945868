"""Effective dates: an office entering a past campaign from paper records gives the day each event
took effect; figures "as of a day" and on time / late follow that day, not the day of typing.

The open cycle started 05/01/2026; its plans were due 15/02/2026.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import conclude_review
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.dashboard import summaries
from kiemdiem.dashboard.tests.helpers import assert_summaries_match, stored
from kiemdiem.remediation import services
from kiemdiem.remediation.models import PlanSubmission, RemediationPlan
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reviews import services as review_services

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def paper_plan(open_cycle, org_tree, office, travel_to):
    """Cell A1's collective plan, typed in on 01/08/2026 from paper records by the province
    office: one shortcoming, one complete item; the review went through its conference."""
    travel_to(D(2026, 8, 1))
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    finding = review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    services.action_add(
        plan=plan,
        by=office,
        content="Sinh hoạt đúng kỳ",
        findings=[finding],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 4, 30),
    )
    conclude_review(plan.review, office)
    return RemediationPlan.objects.get(pk=plan.pk)


def _unchanged(plan, audit_rows):
    plan = RemediationPlan.objects.get(pk=plan.pk)
    assert plan.status == "draft" and not PlanSubmission.objects.filter(plan=plan).exists()
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (D(2026, 8, 2), "ở tương lai"),
        (D(2026, 1, 4), "trước ngày bắt đầu đợt"),
    ],
)
def test_an_effective_date_after_today_or_before_the_cycle_is_refused(
    paper_plan, office, day, message
):
    rows = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=message) as refused:
        services.plan_submit(plan=paper_plan, by=office, effective_on=day)
    assert refused.value.field == "effective_on"
    _unchanged(paper_plan, rows)


def test_only_an_office_enters_an_earlier_effective_date(paper_plan, cell_secretary):
    rows = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="nhập lại từ hồ sơ giấy"):
        services.plan_submit(plan=paper_plan, by=cell_secretary, effective_on=D(2026, 2, 10))
    _unchanged(paper_plan, rows)
    # Today is anybody's day: the secretary submits with no date.
    services.plan_submit(plan=paper_plan, by=cell_secretary)
    assert PlanSubmission.objects.get(plan=paper_plan).effective_on == D(2026, 8, 1)


def test_a_paper_campaign_counts_on_the_days_it_took_effect(
    paper_plan, open_cycle, org_tree, office, appraiser
):
    submission = services.plan_submit(plan=paper_plan, by=office, effective_on=D(2026, 2, 10))
    plan = RemediationPlan.objects.get(pk=paper_plan.pk)
    assert (submission.effective_on, plan.first_submitted_on) == (D(2026, 2, 10), D(2026, 2, 10))
    # Audited with both dates: recorded today, in effect on 10/02.
    row = AuditEvent.objects.filter(object_type="remediation.remediationplan").first()
    assert row.effective_on == D(2026, 2, 10) and row.backdated
    assert row.at.date() == D(2026, 8, 1)
    # Typed in on 01/08, long after the due date (15/02), but submitted in time on paper.
    summaries.merge_all()
    cell = stored(open_cycle)[org_tree.cell_a1.path]
    assert (cell["plans_on_time"], cell["plans_late"]) == (1, 0)

    appraisal = services.plan_accept(plan=plan, by=appraiser, effective_on=D(2026, 2, 12))
    assert appraisal.effective_on == D(2026, 2, 12)
    action = plan.actions.get()
    evidence = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    update = services.action_record_progress(
        action=action,
        status="done",
        percent=100,
        narrative="Đã sinh hoạt đúng kỳ",
        by=office,
        files=[evidence],
        effective_on=D(2026, 5, 1),
    )
    assert update.effective_on == D(2026, 5, 1)
    action.refresh_from_db()
    services.action_verify(action=action, by=appraiser, effective_on=D(2026, 5, 10))
    action.refresh_from_db()
    assert (action.verified_on, action.findings.get().resolved_on) == (D(2026, 5, 10),) * 2

    # The half-year report (to 30/06) sees a remedied plan, although all was typed in August.
    half = ReportPeriod.objects.get(cycle=open_cycle, label="6 tháng đầu năm 2026")
    figures = report_services.report_figures(unit=org_tree.cell_a1, period=half)
    assert (figures["items_total"], figures["items_verified"], figures["items_overdue"]) == (
        1,
        1,
        0,
    )
    assert (figures["findings_total"], figures["findings_resolved"]) == (1, 1)
    summaries.merge_all()
    assert_summaries_match(open_cycle)


def test_the_page_offers_the_effective_date_to_the_office_only(
    client, paper_plan, office, cell_secretary
):
    url = reverse("remediation:plan-detail", args=[paper_plan.pk])
    client.force_login(office)
    assert "Ngày có hiệu lực" in client.get(url).content.decode()
    client.force_login(cell_secretary)
    assert "Ngày có hiệu lực" not in client.get(url).content.decode()
    # A date posted anyway by someone not offered the field is ignored: it takes effect today.
    client.post(
        reverse("remediation:plan-submit", args=[paper_plan.pk]),
        {"version": paper_plan.version, "effective_on": "10/02/2026"},
    )
    assert PlanSubmission.objects.get(plan=paper_plan).effective_on == D(2026, 8, 1)


def test_the_api_takes_the_effective_date_and_refuses_a_future_one(api, paper_plan, office):
    client = api(office)
    url = f"/api/v1/plans/{paper_plan.pk}/submit/"
    future = client.post(
        url, {"version": paper_plan.version, "effective_on": "2026-09-01"}, format="json"
    )
    assert future.status_code == 400 and future.json()["field"] == "effective_on"
    assert "tương lai" in future.json()["message"]
    done = client.post(
        url, {"version": paper_plan.version, "effective_on": "2026-02-10"}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["first_submitted_on"] == "2026-02-10"
    assert done.json()["submissions"][0]["effective_on"] == "2026-02-10"
