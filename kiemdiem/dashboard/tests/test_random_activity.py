"""Summaries kept by merging change records equal a full recomputation after random activity.

Operations go through the real services (the only writers), in a random order drawn from a fixed
seed, with time moving forward so that deadlines pass and the overdue sweep flags rows. Operations
the domain refuses (DomainError) are part of the test: they must leave no change record behind.
"""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.dashboard import summaries
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import ActionStatus, PlanStatus
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding, FindingStatus, Review, ReviewMeeting
from kiemdiem.reviews.states import ReviewStatus

from .helpers import assert_summaries_match

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OPEN_FINDINGS = [FindingStatus.OPEN, FindingStatus.IN_PROGRESS]


class Story:
    """Random operations on the open cycles, each loading its objects fresh (as a view would)."""

    def __init__(self, rng, cycles, office, people, travel_to, start):
        self.rng = rng
        self.cycles = cycles
        self.office = office
        self.people = people
        self.travel_to = travel_to
        self.today = start
        self.done: dict[str, int] = {}

    # helpers ---------------------------------------------------------------------------
    def pick(self, qs):
        ids = list(qs.order_by("pk").values_list("pk", flat=True))  # same draw on every database
        return qs.model.objects.get(pk=self.rng.choice(ids)) if ids else None

    def cycle(self):
        return self.rng.choice(self.cycles)

    def due_date(self, cycle):
        day = self.today + datetime.timedelta(days=self.rng.randint(1, 30))
        return min(max(day, cycle.starts_on), cycle.horizon_end)

    # operations ------------------------------------------------------------------------
    def op_finding_add(self):
        review = self.pick(Review.objects.filter(cycle=self.cycle()).exclude(status="finalized"))
        if review is None:
            return
        review_services.finding_add(
            review=review,
            by=self.office,
            text=self.rng.choice(["Chưa gương mẫu", "Sinh hoạt chưa đều", "Chậm báo cáo"]),
            area=self.rng.choice(["leadership", "working_style", "discipline"]),
        )

    def op_finding_delete(self):
        finding = self.pick(Finding.objects.filter(review__cycle=self.cycle()))
        if finding:
            review_services.finding_delete(finding=finding, by=self.office, reason="Ghi nhầm")

    def op_review_submit(self):
        review = self.pick(Review.objects.filter(cycle=self.cycle(), status=ReviewStatus.DRAFT))
        if review:
            review_services.review_transition(
                review=review, to=ReviewStatus.SUBMITTED, by=self.office
            )

    def op_review_back_to_draft(self):
        review = self.pick(Review.objects.filter(cycle=self.cycle(), status=ReviewStatus.SUBMITTED))
        if review:
            review_services.review_transition(review=review, to=ReviewStatus.DRAFT, by=self.office)

    def op_review_finalize(self):
        review = self.pick(Review.objects.filter(cycle=self.cycle(), status=ReviewStatus.DISCUSSED))
        if review:
            review_services.review_transition(
                review=review, to=ReviewStatus.FINALIZED, by=self.office
            )

    def op_meeting_record(self):
        cycle = self.cycle()
        held = set(ReviewMeeting.objects.filter(cycle=cycle).values_list("unit_id", flat=True))
        review = self.pick(
            Review.objects.filter(cycle=cycle, person__isnull=True).exclude(unit_id__in=held)
        )
        if review:
            back = self.rng.randint(0, max(0, (self.today - cycle.starts_on).days))
            review_services.meeting_record(
                cycle=cycle,
                unit=review.unit,
                held_on=self.today - datetime.timedelta(days=back),
                chair=self.rng.choice(self.people),
                by=self.office,
                attendee_count=self.rng.randint(3, 20),
            )

    def op_carry_assess(self):
        finding = self.pick(Finding.objects.filter(carried_from__isnull=False))
        if finding:
            review_services.carry_assess(
                finding=finding,
                assessment=self.rng.choice(["fixed", "partly_fixed", "not_fixed"]),
                percent=self.rng.randint(1, 99),
                cause="Do chủ quan",
                by=self.office,
            )

    def op_action_add(self):
        cycle = self.cycle()
        plan = self.pick(
            RemediationPlan.objects.filter(
                cycle=cycle, status__in=[PlanStatus.DRAFT, PlanStatus.RETURNED]
            )
        )
        if plan is None:
            return
        uncovered = list(
            plan.review.findings.filter(status__in=OPEN_FINDINGS, actions__isnull=True)
        )
        complete = self.rng.random() < 0.85
        plan_services.action_add(
            plan=plan,
            by=self.office,
            content="Khắc phục" if complete else "",
            findings=uncovered or list(plan.review.findings.filter(status__in=OPEN_FINDINGS)[:1]),
            responsible_unit=plan.unit if complete else None,
            due_date=self.due_date(cycle),
        )

    def op_action_remove(self):
        action = self.pick(
            PlanAction.objects.filter(
                plan__cycle=self.cycle(),
                plan__status__in=[PlanStatus.DRAFT, PlanStatus.RETURNED],
            )
        )
        if action:
            plan_services.action_remove(action=action, by=self.office, reason="Trùng")

    def op_plan_submit(self):
        plan = self.pick(
            RemediationPlan.objects.filter(
                cycle=self.cycle(),
                status__in=[PlanStatus.DRAFT, PlanStatus.RETURNED],
                review__status__in=[ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED],
            )
        )
        if plan:
            plan_services.plan_submit(plan=plan, by=self.office)

    def op_plan_return(self):
        plan = self.pick(
            RemediationPlan.objects.filter(cycle=self.cycle(), status=PlanStatus.SUBMITTED)
        )
        if plan:
            plan_services.plan_return(
                plan=plan, grounds=["not_feasible"], remarks="Chưa khả thi", by=self.office
            )

    def op_plan_accept(self):
        plan = self.pick(
            RemediationPlan.objects.filter(cycle=self.cycle(), status=PlanStatus.SUBMITTED)
        )
        if plan:
            plan_services.plan_accept(plan=plan, remarks="Đạt", by=self.office)

    def op_plan_adopt(self):
        plan = self.pick(
            RemediationPlan.objects.filter(cycle=self.cycle(), status=PlanStatus.ACCEPTED)
        )
        if plan:
            plan_services.plan_adopt(
                plan=plan, decision_date=self.today, decision_ref="NQ 01-NQ/CB", by=self.office
            )

    def _trackable(self, *statuses):
        return PlanAction.objects.filter(
            plan__cycle=self.cycle(),
            plan__status__in=[PlanStatus.ACCEPTED, PlanStatus.ADOPTED],
            status__in=statuses,
        )

    def op_action_progress(self):
        action = self.pick(self._trackable(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
        if action is None:
            return
        if self.rng.random() < 0.6:
            pdf = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
            plan_services.action_record_progress(
                action=action,
                status="done",
                percent=100,
                narrative="Đã hoàn thành",
                by=self.office,
                files=[pdf],
            )
        else:
            plan_services.action_record_progress(
                action=action,
                status="in_progress",
                percent=self.rng.randint(10, 90),
                narrative="Đang thực hiện",
                by=self.office,
            )

    def op_action_verify(self):
        action = self.pick(self._trackable(ActionStatus.DONE))
        if action:
            accept = self.rng.random() < 0.75
            plan_services.action_verify(
                action=action,
                by=self.office,
                accept=accept,
                note="" if accept else "Thiếu biên bản",
            )

    def op_action_cancel(self):
        action = self.pick(self._trackable(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
        if action:
            plan_services.action_cancel(action=action, reason="Không còn phù hợp", by=self.office)

    def op_action_replace(self):
        action = self.pick(self._trackable(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
        if action:
            plan_services.action_replace(
                action=action,
                reason="Đổi cách làm",
                by=self.office,
                content="Cách làm mới",
                due_date=self.due_date(action.plan.cycle),
                responsible_unit=action.plan.unit,
            )

    def op_time_passes(self):
        self.today += datetime.timedelta(days=self.rng.randint(1, 12))
        self.travel_to(self.today)
        plan_services.sweep_overdue()

    def op_merge_some(self):
        summaries.merge_pending(batch=self.rng.randint(1, 5))

    WEIGHTS = {
        "finding_add": 10,
        "finding_delete": 2,
        "review_submit": 8,
        "review_back_to_draft": 2,
        "review_finalize": 3,
        "meeting_record": 4,
        "carry_assess": 3,
        "action_add": 10,
        "action_remove": 2,
        "plan_submit": 8,
        "plan_return": 3,
        "plan_accept": 5,
        "plan_adopt": 2,
        "action_progress": 7,
        "action_verify": 5,
        "action_cancel": 2,
        "action_replace": 2,
        "time_passes": 5,
        "merge_some": 3,
    }

    def run(self, steps: int) -> None:
        names = list(self.WEIGHTS)
        weights = [self.WEIGHTS[n] for n in names]
        for _ in range(steps):
            name = self.rng.choices(names, weights)[0]
            try:
                getattr(self, f"op_{name}")()
            except (DomainError, PermissionDenied):
                self.done[f"refused:{name}"] = self.done.get(f"refused:{name}", 0) + 1
            else:
                self.done[name] = self.done.get(name, 0) + 1


@pytest.mark.parametrize("seed", [20260110, 7])
def test_merged_summaries_equal_recomputation_after_random_activity(
    seed, open_cycle, org_tree, office, travel_to
):
    rng = random.Random(seed)
    people = org_tree.members_a1
    # The story acts as the system: it checks the figures, not who may act (other tests do).
    story = Story(rng, [open_cycle], SYSTEM, people, travel_to, D(2026, 1, 10))
    story.run(90)
    summaries.merge_all()
    assert_summaries_match(open_cycle)

    # A second cycle over the same scope carries over the first one's unresolved findings; the
    # first is closed first (carry-over takes a final state), and every write to it is refused now.
    story.today = max(story.today, D(2026, 6, 1))
    travel_to(story.today)
    review_services.cycle_close(cycle=open_cycle, by=office)
    second = review_services.cycle_create(
        by=office,
        title="Kiểm điểm chuyên đề 2026",
        kind="thematic",
        year=2026,
        directive_number="12-CV/TU",
        directive_date=story.today,
        directive_issuer="Ban Thường vụ Tỉnh ủy Thanh Hóa",
        scope_unit=org_tree.province_a,
        participating_kinds=open_cycle.participating_kinds,
        starts_on=story.today,
        self_review_due=story.today + datetime.timedelta(days=20),
        conference_due=story.today + datetime.timedelta(days=40),
        plan_due=story.today + datetime.timedelta(days=50),
        horizon_end=D(2027, 12, 31),
        previous_cycle=open_cycle,
    )
    campaign_services.cycle_open(cycle=second, by=office)
    second.refresh_from_db()
    story.cycles = [open_cycle, second]
    story.run(60)
    summaries.merge_all()
    for cycle in (open_cycle, second):
        assert_summaries_match(cycle)

    # The story exercised every kind of figure (a guard against a seed that does nothing).
    figures = summaries.recompute(open_cycle)[org_tree.province_a.path]
    later = summaries.recompute(second)[org_tree.province_a.path]
    for metric in (
        "reviews_submitted",
        "conferences_held",
        "items_total",
        "findings_total",
    ):
        assert figures[metric] > 0, (metric, story.done)
    assert later["findings_carried"] > 0, story.done
    touched = sum(
        figures[m] + later[m]
        for m in ("plans_on_time", "plans_late", "plans_missing", "plans_accepted", "items_done")
    )
    assert touched > 0, story.done
    for op in ("plan_submit", "plan_accept", "action_progress", "action_verify", "meeting_record"):
        assert story.done.get(op, 0) > 0, (op, story.done)


def test_summaries_equal_a_rebuild_after_random_activity_and_unit_moves(
    open_cycle, org_tree, office, travel_to
):
    """R11: activity, a grassroots committee moved to the other commune mid-way, more activity:
    after the worker's merge the stored figures equal a recomputation from the base rows."""
    from kiemdiem.org import services as org_services

    rng = random.Random(20260110)
    story = Story(rng, [open_cycle], SYSTEM, org_tree.members_a1, travel_to, D(2026, 1, 10))
    story.run(60)
    summaries.merge_all()
    moves = 0
    for parent in (org_tree.district_a2, org_tree.district_a1):
        grassroots = type(org_tree.grassroots_a1).objects.get(pk=org_tree.grassroots_a1.pk)
        org_services.unit_move(unit=grassroots, new_parent=parent, by=office, reason="Sáp nhập")
        moves += 1
        story.run(40)
    summaries.merge_all()
    assert_summaries_match(open_cycle)
    print(
        f"FIGURES R11 operations={sum(story.done.values())} unit_moves={moves} "
        f"summaries equal the recomputation"
    )
