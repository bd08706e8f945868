"""The queues' columns: the time of a plan's latest submission (RemediationPlan.
last_submitted_at) and of an item's latest "done" report (PlanAction.done_at), kept by the
services in the same transaction as the submission or the report, and filled from the history
by migration 0009. Each is compared with what the history says (the subqueries the queues
used before)."""

import importlib
import types

import pytest
from django.db import connection

from kiemdiem.core.errors import StaleObject
from kiemdiem.remediation import services
from kiemdiem.remediation.models import PlanAction, ProgressUpdate, RemediationPlan
from kiemdiem.remediation.tests.test_services import accepted_plan, complete_item, pdf

pytestmark = pytest.mark.django_db

fill = importlib.import_module("kiemdiem.remediation.migrations.0009_queue_waiting_since").fill


def latest_submission_at(plan):
    """The time of the plan's latest submission, checking its author is on the plan too."""
    latest = plan.submissions.order_by("-number").first()
    if latest is None:
        return None
    assert RemediationPlan.objects.get(pk=plan.pk).last_submitted_by_id == latest.submitted_by_id
    return latest.submitted_at


def latest_done_at(action):
    """The time of the item's latest "done" report, checking its author is on the item too."""
    latest = (
        ProgressUpdate.objects.filter(action=action, status="done")
        .order_by("-reported_at", "-id")
        .first()
    )
    if latest is None:
        return None
    assert PlanAction.objects.get(pk=action.pk).done_by_id == latest.reported_by_id
    return latest.reported_at


def report(action, by, status):
    services.action_record_progress(
        action=action,
        status=status,
        percent=100 if status == "done" else 50,
        narrative="Báo cáo",
        by=by,
        files=[pdf()] if status == "done" else None,
    )
    action.refresh_from_db()


def test_submit_and_resubmit_after_return_keep_the_latest_submission(
    plan, org_tree, cell_secretary, appraiser
):
    complete_item(plan, org_tree, cell_secretary)
    assert plan.last_submitted_at is None
    services.plan_submit(plan=plan, by=cell_secretary)
    assert plan.last_submitted_at == latest_submission_at(plan)  # the loaded plan too
    plan.refresh_from_db()
    first = plan.last_submitted_at
    assert first is not None and first == latest_submission_at(plan)

    services.plan_return(plan=plan, grounds=["no_responsible"], remarks="Nêu rõ", by=appraiser)
    plan.refresh_from_db()
    assert plan.last_submitted_at == first  # a return leaves it

    services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    assert plan.submissions.count() == 2
    assert plan.last_submitted_at == latest_submission_at(plan) > first
    assert plan.first_submitted_at == first  # the first submission's time stays

    services.plan_accept(plan=plan, remarks="Đạt", by=appraiser)
    plan.refresh_from_db()
    assert plan.last_submitted_at == latest_submission_at(plan)


def test_a_refused_submission_leaves_neither_version_nor_time(plan, org_tree, cell_secretary):
    complete_item(plan, org_tree, cell_secretary)
    stale = plan.version - 1
    with pytest.raises(StaleObject):
        services.plan_submit(plan=plan, by=cell_secretary, expected_version=stale)
    plan = RemediationPlan.objects.get(pk=plan.pk)
    assert plan.last_submitted_at is None and not plan.submissions.exists()


def test_reports_keep_the_time_of_the_latest_done_report(plan, org_tree, cell_secretary, appraiser):
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    report(action, cell_secretary, "in_progress")
    assert action.done_at is None and latest_done_at(action) is None

    report(action, cell_secretary, "done")
    first = action.done_at
    assert first is not None and first == latest_done_at(action)

    # the recipient sends it back: in progress again, the "done" report's time stays
    services.action_verify(action=action, by=appraiser, note="Thiếu biên bản", accept=False)
    action.refresh_from_db()
    assert action.status == "in_progress" and action.done_at == first
    report(action, cell_secretary, "in_progress")  # a report not done after done
    assert action.done_at == first == latest_done_at(action)

    report(action, cell_secretary, "done")
    assert action.done_at == latest_done_at(action) > first

    services.action_verify(action=action, by=appraiser, note="Đã kiểm tra")
    action.refresh_from_db()
    assert action.status == "verified" and action.done_at == latest_done_at(action)


def refill():
    """What migration 0009 does, on rows whose column was never written."""
    RemediationPlan.objects.update(last_submitted_at=None, last_submitted_by=None)
    PlanAction.objects.update(done_at=None, done_by=None)
    fill(None, types.SimpleNamespace(connection=connection))


def test_the_migration_fills_the_waiting_rows_from_the_history(
    plan, org_tree, cell_secretary, appraiser
):
    first = complete_item(plan, org_tree, cell_secretary)
    second = complete_item(plan, org_tree, cell_secretary)
    services.plan_submit(plan=plan, by=cell_secretary)
    plan.refresh_from_db()
    kept = plan.last_submitted_at
    refill()
    plan.refresh_from_db()
    assert plan.last_submitted_at == kept == latest_submission_at(plan)

    services.plan_accept(plan=plan, remarks="Đạt", by=appraiser)
    plan.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    report(first, cell_secretary, "done")
    report(second, cell_secretary, "done")
    services.action_verify(action=second, by=appraiser, note="Đã kiểm tra")
    kept = first.done_at
    refill()
    first.refresh_from_db()
    assert first.done_at == kept == latest_done_at(first)  # waiting for verification
    # Rows no queue reads are left to the next submission or report (the migration's note).
    second = PlanAction.objects.get(pk=second.pk)
    assert second.done_at is None and second.done_by is None
    plan = RemediationPlan.objects.get(pk=plan.pk)
    assert plan.last_submitted_at is None and plan.last_submitted_by is None
