import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import conclude_review
from kiemdiem.campaign import services as campaign_services
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


def test_figures_are_prefilled_from_the_subtree(data, period, org_tree, office, travel_to, admin):
    travel_to(D(2026, 7, 5))  # after the period: the item due 31/03 was overdue at its end
    report = services.report_create(period=period, unit=org_tree.grassroots_a1, by=admin)
    assert report.figures == {
        "items_total": 2,
        "items_verified": 0,
        "items_reported_done": 0,
        "items_in_progress": 0,
        "items_not_started": 2,
        "items_overdue": 1,
        "findings_total": 3,
        "findings_resolved": 0,
        "findings_carried": 0,
        "findings_carried_partly": 0,
        "findings_carried_partly_percent": 0,
    }
    cell_b = services.report_create(period=period, unit=org_tree.cell_a1b, by=admin)
    assert (cell_b.figures["items_total"], cell_b.figures["findings_total"]) == (0, 1)
    assert report.status == "draft" and report.narrative == ""


def test_second_report_for_the_same_period_is_refused(period, org_tree, office, admin):
    services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    with pytest.raises(DomainError, match="đã có báo cáo cho kỳ này"):
        services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    assert PeriodicReport.objects.filter(unit=org_tree.cell_a1).count() == 1


def test_unit_outside_the_cycle_scope_is_refused(period, org_tree, office, admin):
    with pytest.raises(DomainError, match="không thuộc phạm vi"):
        services.report_create(period=period, unit=org_tree.cell_b1, by=admin)
    assert not PeriodicReport.objects.exists()


def test_refresh_recomputes_figures(period, org_tree, office, open_cycle, admin):
    report = services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    assert report.figures["findings_total"] == 0
    review = RemediationPlan.objects.get(
        cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True
    ).review
    review_services.finding_add(review=review, by=office, text="Mới phát hiện", area="other")
    services.report_update(report=report, narrative="Đánh giá", by=admin)
    assert PeriodicReport.objects.get(pk=report.pk).figures["findings_total"] == 0
    services.report_update(report=report, narrative="Đánh giá", refresh=True, by=admin)
    assert PeriodicReport.objects.get(pk=report.pk).figures["findings_total"] == 1


def test_stale_update_is_refused(period, org_tree, office, admin):
    report = services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    services.report_update(report=report, narrative="Bản một", by=admin, expected_version=1)
    with pytest.raises(StaleObject):
        services.report_update(report=report, narrative="Bản hai", by=admin, expected_version=1)
    assert PeriodicReport.objects.get(pk=report.pk).narrative == "Bản một"


def test_submit_needs_a_narrative(period, org_tree, office, admin):
    report = services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    with pytest.raises(DomainError, match="đánh giá, nhận xét"):
        services.report_submit(report=report, by=admin)
    assert PeriodicReport.objects.get(pk=report.pk).status == "draft"
    services.report_update(report=report, narrative="Đã khắc phục cơ bản", by=admin)
    services.report_submit(report=report, by=admin)
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == admin
    with pytest.raises(DomainError, match="không sửa được"):
        services.report_update(report=report, narrative="Sửa sau khi gửi", by=admin)


def test_rollup_totals_count_only_submitted_reports(data, period, org_tree, office, admin):
    sent = services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    services.report_update(report=sent, narrative="Báo cáo chi bộ Tổ Toán", by=admin)
    services.report_submit(report=sent, by=admin)
    services.report_create(period=period, unit=org_tree.cell_a1b, by=admin)  # still a draft

    result = services.rollup(parent=org_tree.grassroots_a1, period=period)
    assert (result["submitted"], result["expected"]) == (1, 2)
    assert result["totals"]["items_total"] == 2 and result["totals"]["findings_total"] == 2
    assert [child.code for child, _report in result["rows"]] == ["CB38A1", "CB38A1B"]


def test_rollup_lists_children_without_reports(period, org_tree):
    result = services.rollup(parent=org_tree.province_a, period=period)
    assert result["expected"] == 2 and result["submitted"] == 0
    assert all(report is None for _child, report in result["rows"])
    assert set(result["totals"].values()) == {0}


# --- figures as of the period's end ---------------------------------------------------------


def test_figures_are_computed_as_of_the_period_end(
    data, period, open_cycle, org_tree, office, travel_to, appraiser, admin
):
    plan = RemediationPlan.objects.get(pk=data.pk)
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    plan_services.plan_accept(plan=RemediationPlan.objects.get(pk=plan.pk), by=appraiser)
    first, second = RemediationPlan.objects.get(pk=plan.pk).actions.order_by("position")
    travel_to(D(2026, 3, 1))
    plan_services.action_record_progress(
        action=first, status="in_progress", percent=50, narrative="Đã họp", by=office
    )
    travel_to(D(2026, 8, 1))  # after the first half-year
    plan_services.action_record_progress(
        action=second, status="in_progress", percent=20, narrative="Đang rà soát", by=office
    )
    other = RemediationPlan.objects.get(
        cycle=open_cycle, unit=org_tree.cell_a1b, person__isnull=True
    )
    review_services.finding_add(review=other.review, by=office, text="Mới", area="other")
    travel_to(D(2026, 8, 5))
    half = services.report_create(period=period, unit=org_tree.grassroots_a1, by=admin)
    assert half.figures == {
        "items_total": 2,
        "items_verified": 0,
        "items_reported_done": 0,
        "items_in_progress": 1,  # the August progress came after 30/06
        "items_not_started": 1,
        "items_overdue": 1,  # due 31/03, still in progress on 30/06
        "findings_total": 3,  # the shortcoming added in August is not counted
        "findings_resolved": 0,
        "findings_carried": 0,
        "findings_carried_partly": 0,
        "findings_carried_partly_percent": 0,
    }
    year = ReportPeriod.objects.get(cycle=open_cycle, label="Năm 2026")
    running = services.report_create(period=year, unit=org_tree.grassroots_a1, by=admin)
    assert (running.figures["items_in_progress"], running.figures["findings_total"]) == (2, 4)
    assert (half.figures_as_of, running.figures_as_of) == (D(2026, 6, 30), D(2026, 8, 5))


def test_report_for_a_period_not_yet_started_is_refused(open_cycle, org_tree, office, admin):
    later = ReportPeriod.objects.get(cycle=open_cycle, label="Năm 2027")  # from 01/01/2027
    with pytest.raises(DomainError, match="chưa lập được báo cáo"):
        services.report_create(period=later, unit=org_tree.cell_a1, by=admin)
    assert not PeriodicReport.objects.exists()


def test_reports_are_refused_once_the_cycle_is_closed(period, open_cycle, org_tree, office, admin):
    draft = services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    services.report_update(report=draft, narrative="Đã khắc phục", by=admin)
    review_services.cycle_close(cycle=open_cycle, by=office)
    period.refresh_from_db()
    draft = PeriodicReport.objects.get(pk=draft.pk)
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.report_submit(report=draft, by=admin)
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.report_create(period=period, unit=org_tree.cell_a1b, by=admin)
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.report_update(report=draft, narrative="Sửa", by=admin)
    assert PeriodicReport.objects.get(pk=draft.pk).status == "draft"
    assert PeriodicReport.objects.count() == 1


# --- periods follow the cycle's horizon -------------------------------------------------------


def test_moving_the_horizon_adds_and_removes_periods_but_keeps_reported_ones(
    period, open_cycle, org_tree, office, travel_to, admin
):
    from kiemdiem.core.models import AuditEvent

    labels = lambda: list(  # noqa: E731
        ReportPeriod.objects.filter(cycle=open_cycle)
        .order_by("ends_on")
        .values_list("label", flat=True)
    )
    campaign_services.cycle_update(cycle=open_cycle, by=office, horizon_end=D(2028, 12, 31))
    assert labels()[-2:] == ["6 tháng đầu năm 2028", "Năm 2028"]
    added = ReportPeriod.objects.get(cycle=open_cycle, label="Năm 2028")
    assert AuditEvent.objects.filter(
        object_type="reports.reportperiod", object_id=str(added.pk), action="create"
    ).exists()

    travel_to(D(2026, 7, 2))
    year = ReportPeriod.objects.get(cycle=open_cycle, label="Năm 2026")
    services.report_create(period=year, unit=org_tree.cell_a1, by=admin)
    open_cycle.refresh_from_db()
    campaign_services.cycle_update(cycle=open_cycle, by=office, horizon_end=D(2026, 3, 31))
    # Periods after the new horizon go, except the one a unit already reported on.
    assert labels() == ["6 tháng đầu năm 2026", "Năm 2026"]
    assert AuditEvent.objects.filter(
        object_type="reports.reportperiod", object_id=str(added.pk), action="delete"
    ).exists()


def test_item_replaced_after_the_period_still_counts_in_it(
    data, period, org_tree, office, travel_to, appraiser, admin
):
    plan = RemediationPlan.objects.get(pk=data.pk)
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    plan_services.plan_accept(plan=RemediationPlan.objects.get(pk=plan.pk), by=appraiser)
    second = RemediationPlan.objects.get(pk=plan.pk).actions.order_by("position").last()
    travel_to(D(2026, 8, 1))
    plan_services.action_replace(
        action=second,
        reason="Đổi cách làm",
        by=office,
        content="Bổ sung hồ sơ theo mẫu mới",
        due_date=D(2026, 10, 31),
        responsible_unit=org_tree.cell_a1,
    )
    travel_to(D(2026, 8, 5))
    half = services.report_create(period=period, unit=org_tree.cell_a1, by=admin)
    assert half.figures["items_total"] == 2  # the replaced item was live on 30/06
    year = ReportPeriod.objects.get(cycle=period.cycle, label="Năm 2026")
    running = services.report_create(period=year, unit=org_tree.cell_a1, by=admin)
    assert running.figures["items_total"] == 2  # the replacement, not the replaced item


# --- figures: the database count matches a plain recomputation ------------------------------


def _figures_by_hand(*, unit, period) -> dict[str, int]:
    """report_figures recomputed item by item in Python, straight from its docstring."""
    from kiemdiem.core.models import AuditEvent
    from kiemdiem.remediation.models import PlanAction
    from kiemdiem.reviews.models import Finding

    day = services.report_as_of(period)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1),
        datetime.time.min,
        timezone.get_current_timezone(),
    )
    figures = dict.fromkeys(services.FIGURE_LABELS, 0)
    actions = PlanAction.objects.filter(
        plan__cycle=period.cycle, plan__unit__path__startswith=unit.path, created_at__lt=end
    )
    for action in actions:
        if action.status in ("cancelled", "replaced"):
            closings = AuditEvent.objects.filter(
                object_type="remediation.planaction",
                object_id=str(action.pk),
                action="transition",
            )
            closed_at = max((e.at for e in closings), default=None)
            if closed_at is not None and closed_at < end:
                continue
        reports = [u for u in action.updates.all() if u.reported_at < end]
        last = max(reports, key=lambda u: (u.reported_at, u.id), default=None)
        if action.verified_at is not None and action.verified_at < end:
            state = "verified"
        elif last is None:
            state = "open"
        else:
            state = "done" if last.status == "verified" else last.status
        figures["items_total"] += 1
        key = {
            "verified": "items_verified",
            "done": "items_reported_done",
            "in_progress": "items_in_progress",
        }.get(state, "items_not_started")
        figures[key] += 1
        if state in ("open", "in_progress") and action.due_date and action.due_date < day:
            figures["items_overdue"] += 1
    findings = Finding.objects.filter(
        review__cycle=period.cycle, unit__path__startswith=unit.path, created_at__lt=end
    )
    figures["findings_total"] = findings.count()
    figures["findings_resolved"] = sum(
        1 for f in findings if f.status == "resolved" and f.resolved_at and f.resolved_at < end
    )
    return figures


STEPS = ["progress", "progress", "done", "done", "verify", "send_back", "cancel", "replace"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _random_history(rng, plan, org_tree, office, travel_to, appraiser) -> list[datetime.date]:
    """Random progress, verifications, send-backs, cancellations and replacements over 2026;
    returns the days they happened on."""
    day = D(2026, 1, 12)
    days = []
    for _step in range(30):
        day += datetime.timedelta(days=rng.randint(0, 25))
        travel_to(day)
        days.append(day)
        actions = RemediationPlan.objects.get(pk=plan.pk).actions.order_by("pk")
        live = list(actions.exclude(status__in=["verified", "cancelled", "replaced"]))
        if not live:  # every item verified, cancelled or replaced: the history is over
            break
        action = rng.choice(live)
        op = rng.choice(STEPS)
        try:
            if op == "progress":
                plan_services.action_record_progress(
                    action=action,
                    status="in_progress",
                    percent=rng.randint(1, 99),
                    narrative="Đang làm",
                    by=office,
                )
            elif op == "done":
                plan_services.action_record_progress(
                    action=action,
                    status="done",
                    percent=100,
                    narrative="Xong",
                    by=office,
                    files=[SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")],
                )
            elif op in ("verify", "send_back"):
                plan_services.action_verify(
                    action=action, by=appraiser, accept=op == "verify", note="Chưa đủ hồ sơ"
                )
            elif op == "cancel":
                plan_services.action_cancel(action=action, reason="Không còn phù hợp", by=office)
            else:
                plan_services.action_replace(
                    action=action,
                    reason="Đổi cách làm",
                    by=office,
                    content=f"Thay thế {action.pk}",
                    due_date=day + datetime.timedelta(days=rng.randint(-30, 120)),
                    responsible_unit=org_tree.cell_a1,
                )
        except DomainError:
            pass  # a step the item's state refuses: the history simply goes on
    return days


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_match_a_plain_recomputation_on_random_histories(
    seed, data, open_cycle, org_tree, office, travel_to, appraiser
):
    import random

    rng = random.Random(seed)
    plan = RemediationPlan.objects.get(pk=data.pk)
    finding = plan.review.findings.first()
    for i in range(5):
        plan_services.action_add(
            plan=plan,
            by=office,
            content=f"Nội dung {i}",
            findings=[finding],
            responsible_unit=org_tree.cell_a1,
            due_date=D(2026, 1, 20) + datetime.timedelta(days=rng.randint(0, 300)),
        )
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    plan_services.plan_accept(plan=RemediationPlan.objects.get(pk=plan.pk), by=appraiser)
    days = _random_history(rng, plan, org_tree, office, travel_to, appraiser)
    travel_to(days[-1] + datetime.timedelta(days=1))
    seen = set()
    for day in [D(2026, 1, 11), *days, days[-1] + datetime.timedelta(days=1)]:
        period = ReportPeriod(cycle=open_cycle, ends_on=day)
        for unit in (org_tree.grassroots_a1, org_tree.cell_a1, org_tree.cell_a1b):
            figures = services.report_figures(unit=unit, period=period)
            assert figures == _figures_by_hand(unit=unit, period=period), (day, unit)
            seen.add(tuple(figures.values()))
    assert len(seen) > 3  # the histories do move the figures


def test_figures_take_two_queries_however_many_items(
    data, period, org_tree, office, travel_to, django_assert_max_num_queries, appraiser
):
    plan = RemediationPlan.objects.get(pk=data.pk)
    finding = plan.review.findings.first()
    for i in range(20):
        plan_services.action_add(
            plan=plan,
            by=office,
            content=f"Nội dung {i}",
            findings=[finding],
            responsible_unit=org_tree.cell_a1,
            due_date=D(2026, 3, 31),
        )
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    plan_services.plan_accept(plan=RemediationPlan.objects.get(pk=plan.pk), by=appraiser)
    actions = list(RemediationPlan.objects.get(pk=plan.pk).actions.order_by("position"))
    travel_to(D(2026, 2, 1))
    for action in actions[:15]:
        plan_services.action_record_progress(
            action=action, status="in_progress", percent=30, narrative="Đang làm", by=office
        )
    plan_services.action_cancel(action=actions[-1], reason="Không còn phù hợp", by=office)
    travel_to(D(2026, 7, 5))
    with django_assert_max_num_queries(2):
        figures = services.report_figures(unit=org_tree.grassroots_a1, period=period)
    assert (figures["items_total"], figures["items_in_progress"]) == (21, 15)
    assert figures == _figures_by_hand(unit=org_tree.grassroots_a1, period=period)


def test_periods_are_the_first_half_and_the_whole_year_from_the_cycle_start(open_cycle):
    periods = [
        (p.label, p.starts_on, p.ends_on, p.kind)
        for p in ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on", "starts_on")
    ]
    assert periods == [
        ("6 tháng đầu năm 2026", D(2026, 1, 5), D(2026, 6, 30), "half_year"),
        ("Năm 2026", D(2026, 1, 5), D(2026, 12, 31), "year"),  # the whole first year
        ("6 tháng đầu năm 2027", D(2027, 1, 1), D(2027, 6, 30), "half_year"),
        ("Năm 2027", D(2027, 1, 1), D(2027, 12, 31), "year"),
    ]


def test_carried_shortcomings_partly_fixed_report_their_degree(
    open_cycle, org_tree, office, admin, travel_to
):
    """Mẫu 01 §III: a carried-over shortcoming partly fixed is reported with how far it went."""
    review = open_cycle.reviews.get(unit=org_tree.cell_a1, person__isnull=True)
    old = [
        review_services.finding_add(review=review, by=office, text=text, area="other")
        for text in ("Chậm báo cáo", "Hồ sơ thiếu", "Sinh hoạt chưa đều")
    ]
    review_services.cycle_close(cycle=open_cycle, by=office)
    travel_to(D(2027, 1, 10))
    nxt = review_services.cycle_create(
        by=office,
        title="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        directive_number="01-CV/TU",
        directive_date=D(2026, 12, 1),
        directive_issuer="Ban Thường vụ Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=open_cycle.participating_kinds,
        starts_on=D(2027, 1, 5),
        self_review_due=D(2027, 1, 20),
        conference_due=D(2027, 1, 31),
        plan_due=D(2027, 2, 15),
        horizon_end=D(2027, 12, 31),
    )
    campaign_services.cycle_open(cycle=nxt, by=office)
    carried = {
        f.carried_from_id: f for f in review_services.Finding.objects.filter(review__cycle=nxt)
    }
    for finding, percent in zip(old[:2], (40, 70), strict=True):
        review_services.carry_assess(
            finding=carried[finding.pk],
            assessment="partly_fixed",
            percent=percent,
            cause="Còn chậm",
            by=office,
        )
    period = ReportPeriod.objects.filter(cycle=nxt).order_by("ends_on").first()
    figures = services.report_create(period=period, unit=org_tree.cell_a1, by=admin).figures
    assert figures["findings_carried"] == 3
    assert (figures["findings_carried_partly"], figures["findings_carried_partly_percent"]) == (
        2,
        55,
    )
