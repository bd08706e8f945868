import datetime

import pytest

from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reports import services
from kiemdiem.reports.models import PeriodicReport, ReportPeriod
from kiemdiem.reviews import services as review_services

D = datetime.date


@pytest.fixture
def period(open_cycle):
    """The first half-year period of the open cycle (05/01/2026 – 30/06/2026)."""
    return ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()


@pytest.fixture
def data(open_cycle, org_tree, office):
    """Cell A1: two shortcomings and two plan items (one due inside the period); cell A1B: one."""
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    f1 = review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    f2 = review_services.finding_add(
        review=plan.review, by=office, text="Hồ sơ chưa đầy đủ", area="personnel"
    )
    for content, due, finding in [
        ("Sinh hoạt đúng kỳ", D(2026, 3, 31), f1),
        ("Bổ sung hồ sơ", D(2026, 9, 30), f2),
    ]:
        plan_services.action_add(
            plan=plan,
            by=office,
            content=content,
            findings=[finding],
            responsible_unit=org_tree.cell_a1,
            due_date=due,
        )
    other = RemediationPlan.objects.get(
        cycle=open_cycle, unit=org_tree.cell_a1b, person__isnull=True
    )
    review_services.finding_add(review=other.review, by=office, text="Khác", area="other")
    return plan


def test_figures_are_prefilled_from_the_subtree(data, period, org_tree, office):
    report = services.report_create(period=period, unit=org_tree.grassroots_a1, by=office)
    assert report.figures == {
        "items_total": 2,
        "items_verified": 0,
        "items_reported_done": 0,
        "items_in_progress": 0,
        "items_not_started": 2,
        "items_overdue": 1,
        "findings_total": 3,
        "findings_resolved": 0,
    }
    cell_b = services.report_create(period=period, unit=org_tree.cell_a1b, by=office)
    assert (cell_b.figures["items_total"], cell_b.figures["findings_total"]) == (0, 1)
    assert report.status == "draft" and report.narrative == ""


def test_second_report_for_the_same_period_is_refused(period, org_tree, office):
    services.report_create(period=period, unit=org_tree.cell_a1, by=office)
    with pytest.raises(DomainError, match="đã có báo cáo cho kỳ này"):
        services.report_create(period=period, unit=org_tree.cell_a1, by=office)
    assert PeriodicReport.objects.filter(unit=org_tree.cell_a1).count() == 1


def test_unit_outside_the_cycle_scope_is_refused(period, org_tree, office):
    with pytest.raises(DomainError, match="không thuộc phạm vi"):
        services.report_create(period=period, unit=org_tree.cell_b1, by=office)
    assert not PeriodicReport.objects.exists()


def test_refresh_recomputes_figures(period, org_tree, office, open_cycle):
    report = services.report_create(period=period, unit=org_tree.cell_a1, by=office)
    assert report.figures["findings_total"] == 0
    review = RemediationPlan.objects.get(
        cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True
    ).review
    review_services.finding_add(review=review, by=office, text="Mới phát hiện", area="other")
    services.report_update(report=report, narrative="Đánh giá", by=office)
    assert PeriodicReport.objects.get(pk=report.pk).figures["findings_total"] == 0
    services.report_update(report=report, narrative="Đánh giá", refresh=True, by=office)
    assert PeriodicReport.objects.get(pk=report.pk).figures["findings_total"] == 1


def test_stale_update_is_refused(period, org_tree, office):
    report = services.report_create(period=period, unit=org_tree.cell_a1, by=office)
    services.report_update(report=report, narrative="Bản một", by=office, expected_version=1)
    with pytest.raises(StaleObject):
        services.report_update(report=report, narrative="Bản hai", by=office, expected_version=1)
    assert PeriodicReport.objects.get(pk=report.pk).narrative == "Bản một"


def test_submit_needs_a_narrative(period, org_tree, office):
    report = services.report_create(period=period, unit=org_tree.cell_a1, by=office)
    with pytest.raises(DomainError, match="đánh giá, nhận xét"):
        services.report_submit(report=report, by=office)
    assert PeriodicReport.objects.get(pk=report.pk).status == "draft"
    services.report_update(report=report, narrative="Đã khắc phục cơ bản", by=office)
    services.report_submit(report=report, by=office)
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == office
    with pytest.raises(DomainError, match="không sửa được"):
        services.report_update(report=report, narrative="Sửa sau khi gửi", by=office)


def test_rollup_totals_count_only_submitted_reports(data, period, org_tree, office):
    sent = services.report_create(period=period, unit=org_tree.cell_a1, by=office)
    services.report_update(report=sent, narrative="Báo cáo chi bộ Tổ Toán", by=office)
    services.report_submit(report=sent, by=office)
    services.report_create(period=period, unit=org_tree.cell_a1b, by=office)  # still a draft

    result = services.rollup(parent=org_tree.grassroots_a1, period=period)
    assert (result["submitted"], result["expected"]) == (1, 2)
    assert result["totals"]["items_total"] == 2 and result["totals"]["findings_total"] == 2
    assert [child.code for child, _report in result["rows"]] == ["CB38A1", "CB38A1B"]


def test_rollup_lists_children_without_reports(period, org_tree):
    result = services.rollup(parent=org_tree.province_a, period=period)
    assert result["expected"] == 2 and result["submitted"] == 0
    assert all(report is None for _child, report in result["rows"])
    assert set(result["totals"].values()) == {0}
