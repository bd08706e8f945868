"""Change records emitted by single service calls, at the edges where figures used to drift.

Each of the last four tests pinned a bug found in remediation.services or reviews.services while
writing the dashboard (an item removed while flagged overdue, an item cancelled then removed, a
plan loaded before the sweep, a carried-over finding deleted); they guard the fixes.
"""

import datetime

import pytest

from conftest import conclude_review
from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import SummaryDelta
from kiemdiem.dashboard import summaries
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding

from .helpers import assert_summaries_match, stored

D = datetime.date


@pytest.fixture
def plan(open_cycle, org_tree, office):
    """Cell A1's collective plan with one shortcoming and one complete item due 20/01/2026."""
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    finding = review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    plan_services.action_add(
        plan=plan,
        by=office,
        content="Sinh hoạt đúng định kỳ",
        findings=[finding],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 1, 20),
    )
    conclude_review(plan.review, office)
    return plan


def test_late_submission_after_the_sweep_moves_the_plan_from_missing_to_late(
    plan, open_cycle, org_tree, office, travel_to
):
    travel_to(D(2026, 2, 20))  # past the plan deadline of 15/02
    plan_services.sweep_overdue()
    summaries.merge_all()
    # The cell's collective plan and its 3 members' plans.
    assert stored(open_cycle)[org_tree.cell_a1.path]["plans_missing"] == 4
    plan_services.plan_submit(plan=RemediationPlan.objects.get(pk=plan.pk), by=office)
    summaries.merge_all()
    cell = stored(open_cycle)[org_tree.cell_a1.path]
    assert (cell["plans_missing"], cell["plans_late"], cell["plans_on_time"]) == (3, 1, 0)
    assert_summaries_match(open_cycle)


def test_sweep_twice_counts_once(plan, open_cycle, org_tree, travel_to):
    travel_to(D(2026, 2, 20))
    plan_services.sweep_overdue()
    plan_services.sweep_overdue()
    summaries.merge_all()
    cell = stored(open_cycle)[org_tree.cell_a1.path]
    # The item (due 20/01) and the 8 plans of the cycle are flagged once each.
    assert cell["items_overdue"] == 1
    assert stored(open_cycle)[org_tree.province_a.path]["plans_missing"] == 8
    assert_summaries_match(open_cycle)


def test_removing_an_overdue_item_takes_it_off_the_overdue_figure(
    plan, open_cycle, office, travel_to
):
    travel_to(D(2026, 1, 25))  # the item (due 20/01) is overdue while the plan is still a draft
    plan_services.sweep_overdue()
    plan_services.action_remove(action=plan.actions.get(), by=office, reason="Làm lại")
    summaries.merge_all()
    assert_summaries_match(open_cycle)


def test_cancelled_then_removed_item_counts_once(plan, open_cycle, org_tree, office, appraiser):
    action = plan.actions.get()
    # A draft's item is deleted, not cancelled.
    with pytest.raises(DomainError):
        plan_services.action_cancel(action=action, reason="Không phù hợp", by=office)
    plan_services.plan_submit(plan=RemediationPlan.objects.get(pk=plan.pk), by=office)
    plan_services.plan_return(
        plan=RemediationPlan.objects.get(pk=plan.pk),
        grounds=["not_feasible"],
        remarks="",
        by=appraiser,
    )
    action.refresh_from_db()
    plan_services.action_cancel(action=action, reason="Không phù hợp", by=office)
    action.refresh_from_db()
    # Once submitted, an item is kept (cancelled), never deleted.
    with pytest.raises(DomainError):
        plan_services.action_remove(action=action, by=office, reason="Xóa hẳn")
    summaries.merge_all()
    assert_summaries_match(open_cycle)
    assert stored(open_cycle)[org_tree.cell_a1.path]["items_total"] == 0


def test_plan_loaded_before_the_sweep_is_no_longer_missing_once_submitted(
    plan, open_cycle, office, travel_to
):
    travel_to(D(2026, 2, 20))
    loaded = RemediationPlan.objects.get(pk=plan.pk)  # e.g. the form page opened before the sweep
    plan_services.sweep_overdue()
    conclude_review(loaded.review, office)
    plan_services.plan_submit(plan=loaded, by=office)
    assert not RemediationPlan.objects.get(pk=plan.pk).missing_flagged


def test_deleting_a_finding_carried_into_a_later_cycle_is_refused(
    plan, open_cycle, org_tree, office, travel_to
):
    finding = plan.review.findings.get()
    plan_services.action_remove(action=plan.actions.get(), by=office, reason="Làm lại")
    travel_to(D(2026, 6, 1))
    review_services.cycle_close(cycle=open_cycle, by=office)
    later = review_services.cycle_create(
        by=office,
        title="Kiểm điểm chuyên đề 2026",
        kind="thematic",
        year=2026,
        directive_number="12-CV/TU",
        directive_date=D(2026, 5, 20),
        directive_issuer="Ban Thường vụ Tỉnh ủy Thanh Hóa",
        scope_unit=org_tree.province_a,
        participating_kinds=open_cycle.participating_kinds,
        starts_on=D(2026, 6, 1),
        self_review_due=D(2026, 6, 20),
        conference_due=D(2026, 6, 30),
        plan_due=D(2026, 7, 15),
        horizon_end=D(2027, 12, 31),
        previous_cycle=open_cycle,
    )
    campaign_services.cycle_open(cycle=later, by=office)
    carried = Finding.objects.get(carried_from=finding)
    assert carried.review.cycle == later
    deltas = SummaryDelta.objects.count()
    with pytest.raises(DomainError):
        review_services.finding_delete(
            finding=Finding.objects.get(pk=finding.pk), by=office, reason="Ghi nhầm"
        )
    assert Finding.objects.filter(pk=finding.pk).exists()
    assert SummaryDelta.objects.count() == deltas
