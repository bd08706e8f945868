"""A periodic report and the dashboard show the same numbers for the same day and unit, and the
dashboard says plainly why they differ when they do."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import conclude_review
from kiemdiem.dashboard import progress, summaries
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.tests.helpers import unit_url
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reviews import services as review_services

D = datetime.date


def _item(plan, by, org_tree, content, due):
    finding = review_services.finding_add(
        review=plan.review, by=by, text=content, area="leadership"
    )
    return plan_services.action_add(
        plan=plan,
        by=by,
        content=content,
        findings=[finding],
        responsible_unit=plan.unit,
        due_date=due,
    )


def _campaign(open_cycle, org_tree, office, cell_secretary, appraiser, travel_to):
    """Cell A1's plan accepted with four items: one verified, one cancelled (the plan keeps a
    live item for its finding), one done, one overdue on 01/03/2026."""
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    verified = _item(plan, cell_secretary, org_tree, "Sinh hoạt chuyên đề", D(2026, 6, 30))
    cancelled = _item(plan, cell_secretary, org_tree, "Mở lớp bồi dưỡng", D(2026, 6, 30))
    plan_services.action_add(
        plan=plan,
        by=cell_secretary,
        content="Bồi dưỡng theo cách khác",
        findings=list(cancelled.findings.all()),
        responsible_unit=plan.unit,
        due_date=D(2026, 6, 30),
    )
    late = _item(plan, cell_secretary, org_tree, "Kiện toàn tổ đảng", D(2026, 2, 20))
    conclude_review(plan.review, office)
    plan.refresh_from_db()
    plan_services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    plan_services.plan_accept(plan=plan, by=appraiser)
    pdf = SimpleUploadedFile("bb.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    verified.refresh_from_db()
    plan_services.action_record_progress(
        action=verified,
        status="done",
        percent=100,
        narrative="Xong",
        by=cell_secretary,
        files=[pdf],
    )
    verified.refresh_from_db()
    plan_services.action_verify(action=verified, by=appraiser)
    cancelled.refresh_from_db()
    plan_services.action_cancel(action=cancelled, reason="Trùng nội dung", by=cell_secretary)
    late.refresh_from_db()
    travel_to(D(2026, 3, 1))
    plan_services.sweep_overdue()
    summaries.merge_all()
    return plan


def test_report_of_today_equals_the_dashboard(
    client, open_cycle, org_tree, office, cell_secretary, appraiser, admin, travel_to
):
    _campaign(open_cycle, org_tree, office, cell_secretary, appraiser, travel_to)
    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    for unit in (org_tree.cell_a1, org_tree.grassroots_a1, org_tree.province_a):
        report = report_services.report_create(period=period, unit=unit, by=admin)
        row = CycleSummary.objects.get(cycle=open_cycle, unit=unit)
        pairs = {
            key: (report.figures[key], getattr(row, metric))
            for key, metric in progress.REPORT_MATCH
        }
        assert all(a == b for a, b in pairs.values()), (unit, pairs)
    assert pairs["items_total"][0] == 3  # the cancelled item counted by neither
    assert pairs["items_verified"][0] == 1 and pairs["items_overdue"][0] == 1
    client.force_login(office)
    html = client.get(unit_url(open_cycle, org_tree.province_a)).content.decode()
    panel = html[html.index('data-testid="report-comparison"') :]
    assert "khớp nhau" in panel and "khác</span>" not in panel


def test_dashboard_says_why_a_report_differs(
    client, open_cycle, org_tree, office, cell_secretary, appraiser, travel_to
):
    plan = _campaign(open_cycle, org_tree, office, cell_secretary, appraiser, travel_to)
    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    report_services.report_create(period=period, unit=org_tree.province_a, by=office)
    # Later the same day another item is verified and merged: the report no longer matches.
    item = plan.actions.get(content="Bồi dưỡng theo cách khác")
    pdf = SimpleUploadedFile("bb.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    plan_services.action_record_progress(
        action=item, status="done", percent=100, narrative="Xong", by=cell_secretary, files=[pdf]
    )
    item.refresh_from_db()
    plan_services.action_verify(action=item, by=appraiser)
    summaries.merge_all()
    client.force_login(office)
    html = client.get(unit_url(open_cycle, org_tree.province_a)).content.decode()
    panel = html[html.index('data-testid="report-comparison"') :]
    assert "khác</span>" in panel and "Vì sao khác" in panel
    assert "thay đổi trong ngày sau lúc đó chưa có trong báo cáo" in panel
    # A day later the reason is the day the report counts to.
    travel_to(D(2026, 3, 2))
    client.force_login(office)  # the session of the day before has expired
    html = client.get(unit_url(open_cycle, org_tree.province_a)).content.decode()
    assert "Báo cáo tính số liệu đến hết ngày 01/03/2026" in html


def test_report_page_names_its_day_and_scope(
    client, open_cycle, org_tree, office, cell_secretary, appraiser, admin, travel_to
):
    _campaign(open_cycle, org_tree, office, cell_secretary, appraiser, travel_to)
    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    report = report_services.report_create(period=period, unit=org_tree.grassroots_a1, by=admin)
    client.force_login(office)
    html = client.get(report.get_absolute_url()).content.decode()
    scope = html[html.index('data-testid="figures-scope"') :]
    assert "tính đến hết ngày 01/03/2026" in scope and "các đơn vị trực thuộc" in scope
    assert unit_url(open_cycle, org_tree.grassroots_a1) in scope
    # The history names the figures in Vietnamese, no raw dictionary.
    history = html[html.index("Lịch sử thay đổi") :]
    assert "Tổng số nội dung khắc phục: 3" in history and "{" not in history
