"""A campaign under way, for the demo (`seed_demo --campaign`) and the dashboard benchmark.

A province-wide annual cycle opened through the services, then ~70% of reviews submitted,
~60% of plans filed with 1–3 items (some late, returned, accepted, verified, overdue), written
set-based. Same seed, same data.
"""

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.audit import audit_record
from kiemdiem.core.bulk import analyze
from kiemdiem.core.dates import vn_date
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.dashboard.summaries import merge_all
from kiemdiem.org.models import Membership, Position, PositionRole, Unit
from kiemdiem.remediation.models import (
    Appraisal,
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.states import (
    ITEM_DEAD,
    ITEM_OPEN,
    PLAN_TRACKABLE,
    ActionStatus,
    PlanStatus,
    ReturnGround,
)
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting
from kiemdiem.reviews.states import FindingStatus, ReviewStatus

PARTICIPATING = [
    "commune",
    "sectoral_committee",
    "upper_grassroots",
    "grassroots_committee",
    "grassroots_cell",
    "subordinate_cell",
]
CHUNK = 5000


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cycle_fields(scope_unit: Unit, directive_number: str, directive_issuer: str) -> dict:
    """The fields of a demo cycle that started 75 days ago: reviews and conferences due, plans
    due 20 days ago (the demo's and the benchmarks' campaigns)."""
    today = timezone.localdate()
    days = datetime.timedelta
    return {
        "title": f"Kiểm điểm, đánh giá năm {today.year - 1} ",
        "kind": "annual",
        "year": today.year - 1,
        "directive_number": directive_number,
        "directive_date": today - days(90),
        "directive_issuer": directive_issuer,
        "scope_unit": scope_unit,
        "participating_kinds": PARTICIPATING,
        "starts_on": today - days(75),
        "self_review_due": today - days(60),
        "conference_due": today - days(45),
        "plan_due": today - days(20),
        "horizon_end": today + days(340),
    }


def open_cycle(province: Unit, office, log=lambda message: None) -> ReviewCycle:
    """A cycle that started 75 days ago (cycle_fields), opened over the province."""
    cycle = review_services.cycle_create(
        by=office, **cycle_fields(province, "493-CV/TU", "Ban Thường vụ Tỉnh ủy")
    )
    started = time.perf_counter()
    counts = campaign_services.cycle_open(cycle=cycle, by=office)
    log(f"cycle_open: {counts['reviews']} bản kiểm điểm, {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    merged = merge_all()
    log(f"merge_pending after opening: {merged} thay đổi, {time.perf_counter() - started:.2f} s")
    cycle.refresh_from_db()
    return cycle


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@transaction.atomic
def generate_activity(
    cycle: ReviewCycle,
    seed: int = 1,
    awaiting_under: Iterable[int] = (),
    returned_units: Iterable[int] = (),
    tracked_people: Iterable[int] = (),
) -> dict[str, int]:
    """The state of a campaign two months in, written set-based (bulk) for speed.

    So that each demo login has something on its home page ("Việc cần làm"):
    - `awaiting_under`: units (the demo appraisers') a few of whose children's plans are surely
      waiting for appraisal, and one child plan accepted with an item reported done, waiting for
      verification;
    - `returned_units`: units (the demo secretaries') whose collective plan was returned;
    - `tracked_people`: people (the demo logins') whose own plan is accepted, with one item due
      within a week and one overdue (a person without a plan of their own, a member admitted
      too recently to be reviewed, answers for an item of such a plan in their cell instead).

    Demo and benchmark data, loaded like the seed: rows are written directly (not through the
    services, which would take minutes at this size), with what the services would leave for
    the periodic report to read the same figures as the dashboard: a progress report for every
    item in progress, done or verified, and an audit row for every cancelled item.
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    days = datetime.timedelta

    # Conferences: ~80% of the collectives, chaired by the unit's secretary.
    reviews = list(Review.objects.filter(cycle=cycle).values_list("pk", "unit_id", "person_id"))
    collectives = [unit_id for _pk, unit_id, person_id in reviews if person_id is None]
    met = {unit_id for unit_id in collectives if rng.random() < 0.8}

    # Plans of the demo appraisers' children surely waiting for appraisal: their reviews have
    # been through the conference (a plan is submitted only then).
    review_of_plan = dict(
        RemediationPlan.objects.filter(cycle=cycle).values_list("pk", "review_id")
    )
    waiting: set[int] = set()
    to_verify: set[int] = set()  # accepted, with an item reported done
    under = set(awaiting_under)
    if under:
        children_plans = RemediationPlan.objects.filter(cycle=cycle, unit__parent_id__in=under)
        by_parent: dict[int, list[int]] = defaultdict(list)
        for pk, parent_id in children_plans.values_list("pk", "unit__parent_id").order_by("pk"):
            by_parent[parent_id].append(pk)
        for pks in by_parent.values():
            picked = rng.sample(pks, min(6, len(pks)))
            if len(picked) > 1:
                to_verify.add(picked.pop())
            waiting.update(picked)
    returned_demo = set(
        RemediationPlan.objects.filter(
            cycle=cycle, unit_id__in=list(returned_units), person__isnull=True
        ).values_list("pk", flat=True)
    )
    people = list(tracked_people)
    own_plans = dict(
        RemediationPlan.objects.filter(cycle=cycle, person_id__in=people)
        .exclude(pk__in=waiting | returned_demo | to_verify)
        .values_list("person_id", "pk")
    )
    tracked_demo = set(own_plans.values())
    helper_of: dict[int, int] = {}  # plan -> a demo person answering for its first item
    cells = dict(
        Membership.objects.current()
        .filter(person_id__in=people)
        .values_list("person_id", "unit_id")
    )
    plan_units = dict(
        RemediationPlan.objects.filter(pk__in=tracked_demo).values_list("pk", "unit_id")
    )
    for person_id in sorted(set(people) - set(own_plans)):
        plan_id = next(
            (p for p in sorted(tracked_demo) if plan_units[p] == cells.get(person_id)), None
        )
        if plan_id is not None:
            helper_of.setdefault(plan_id, person_id)
    forced = waiting | to_verify | returned_demo | tracked_demo
    must_conclude = {review_of_plan[pk] for pk in forced}

    # Reviews: ~70% submitted; where the unit's conference was held, discussed or finalized.
    by_status: dict[str, list[int]] = defaultdict(list)
    status_of: dict[int, str] = {}
    submitted_reviews = []
    for pk, unit_id, person_id in reviews:
        if pk in must_conclude:
            met.add(unit_id)
        if rng.random() < 0.7 or pk in must_conclude:
            submitted_reviews.append((pk, unit_id, person_id))
            status = ReviewStatus.SUBMITTED
            if unit_id in met:
                status = rng.choice([ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED])
            by_status[status].append(pk)
            status_of[pk] = status
    for status, ids in by_status.items():
        for chunk in _chunks(ids):
            Review.objects.filter(pk__in=chunk).update(
                status=status, submitted_at=_at(cycle.self_review_due - days(rng.randint(0, 10)))
            )

    # Findings: 0–3 per submitted review.
    areas = ["leadership", "working_style", "discipline", "ethics_lifestyle", "task_results"]
    findings = [
        Finding(
            review_id=pk,
            unit_id=unit_id,
            text=f"Hạn chế, khuyết điểm số {i + 1}",
            area=rng.choice(areas),
        )
        for pk, unit_id, _person in submitted_reviews
        for i in range(rng.choice([0, 1, 1, 1, 2, 3]))
    ]
    Finding.objects.bulk_create(findings, batch_size=CHUNK)
    findings_of: dict[int, list[int]] = defaultdict(list)
    for review_id, finding_id in Finding.objects.filter(review__cycle=cycle).values_list(
        "review_id", "pk"
    ):
        findings_of[review_id].append(finding_id)

    chairs = dict(
        Position.objects.filter(unit_id__in=sorted(met), role=PositionRole.SECRETARY).values_list(
            "unit_id", "person_id"
        )
    )
    fallback_chair = next(iter(chairs.values()))
    ReviewMeeting.objects.bulk_create(
        [
            ReviewMeeting(
                cycle=cycle,
                unit_id=unit_id,
                held_on=cycle.conference_due - days(rng.randint(0, 14)),
                chair_id=chairs.get(unit_id, fallback_chair),
                attendee_count=rng.randint(5, 40),
            )
            for unit_id in sorted(met)
        ],
        batch_size=CHUNK,
    )

    # Plans: ~60% of those whose review passed its conference are submitted (a quarter of them
    # late); returned, waiting, accepted or adopted.
    concluded = (ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED)
    plans = list(RemediationPlan.objects.filter(cycle=cycle).values_list("pk", "review_id"))
    groups: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
    missing: list[int] = []
    trackable: list[tuple[int, int]] = []
    drafts_with_items: list[tuple[int, int]] = []
    for pk, review_id in plans:
        if pk in waiting:
            groups[(PlanStatus.SUBMITTED, cycle.plan_due - days(3))].append(pk)
            drafts_with_items.append((pk, review_id))
        elif pk in returned_demo:
            groups[(PlanStatus.RETURNED, cycle.plan_due - days(5))].append(pk)
            drafts_with_items.append((pk, review_id))
        elif pk in to_verify or pk in tracked_demo:
            groups[(PlanStatus.ACCEPTED, cycle.plan_due - days(6))].append(pk)
            trackable.append((pk, review_id))
        elif status_of.get(review_id) in concluded and rng.random() < 0.6:
            late = rng.random() < 0.25
            offset = rng.randint(1, 15)
            day = cycle.plan_due + days(offset) if late else cycle.plan_due - days(offset)
            status = rng.choices(
                [
                    PlanStatus.RETURNED,
                    PlanStatus.SUBMITTED,
                    PlanStatus.ACCEPTED,
                    PlanStatus.ADOPTED,
                ],
                [10, 20, 50, 20],
            )[0]
            groups[(status, day)].append(pk)
            if status in PLAN_TRACKABLE:
                trackable.append((pk, review_id))
            else:
                drafts_with_items.append((pk, review_id))
        else:
            missing.append(pk)  # due 20 days ago, never submitted: the sweep has flagged it
    for (status, day), ids in groups.items():
        for chunk in _chunks(ids):
            RemediationPlan.objects.filter(pk__in=chunk).update(
                status=status,
                first_submitted_at=_at(day),
                first_submitted_on=day,
                last_submitted_at=_at(day),  # the one submission (PlanSubmission below)
            )
            if status != PlanStatus.RETURNED:  # with the appraiser or accepted: locked
                Review.objects.filter(plan__pk__in=chunk).update(findings_locked=True)
    for chunk in _chunks(missing):
        RemediationPlan.objects.filter(pk__in=chunk).update(missing_flagged=True)

    # Items: 1–3 per submitted plan; progress only on accepted plans.
    horizon = (cycle.horizon_end - cycle.starts_on).days
    unit_of = dict(RemediationPlan.objects.filter(cycle=cycle).values_list("pk", "unit_id"))
    actions: list[PlanAction] = []
    links: list[tuple[int, int]] = []  # (index in actions, finding id)
    for tracked, batch in ((True, trackable), (False, drafts_with_items)):
        for plan_id, review_id in batch:
            own = findings_of.get(review_id, [])
            count = rng.randint(1, 3)
            if plan_id in tracked_demo:
                count = max(count, 2)  # the item due within a week and the overdue one
            for position in range(1, count + 1):
                due = cycle.starts_on + days(rng.randint(40, horizon))
                status = ActionStatus.OPEN
                if tracked:
                    status = rng.choices(
                        [
                            ActionStatus.OPEN,
                            ActionStatus.IN_PROGRESS,
                            ActionStatus.DONE,
                            ActionStatus.VERIFIED,
                            ActionStatus.CANCELLED,
                        ],
                        [30, 30, 12, 23, 5],
                    )[0]
                if plan_id in to_verify and position == 1:
                    status = ActionStatus.DONE
                if plan_id in tracked_demo and position <= 2:
                    # one item due within a week, one overdue: the home page's "đến hạn"
                    status = ActionStatus.IN_PROGRESS if position == 1 else ActionStatus.OPEN
                    due = today + days(6) if position == 1 else today - days(4)
                open_now = status in ITEM_OPEN
                actions.append(
                    PlanAction(
                        plan_id=plan_id,
                        position=position,
                        content=f"Nội dung khắc phục {position}",
                        responsible_unit_id=unit_of[plan_id],
                        responsible_person_id=helper_of.get(plan_id) if position == 1 else None,
                        due_date=due,
                        status=status,
                        percent={"verified": 100, "done": 100, "in_progress": 50}.get(status, 0),
                        verified_at=_at(today) if status == ActionStatus.VERIFIED else None,
                        verified_on=today if status == ActionStatus.VERIFIED else None,
                        overdue_flagged=open_now and due < today,
                    )
                )
                if own:
                    links.append((len(actions) - 1, own[(position - 1) % len(own)]))
    PlanAction.objects.bulk_create(actions, batch_size=CHUNK)  # ids are set on PostgreSQL
    through = PlanAction.findings.through
    through.objects.bulk_create(
        [through(planaction_id=actions[i].pk, finding_id=f) for i, f in links], batch_size=CHUNK
    )

    _write_submissions(cycle, groups, actions, links, rng)
    _write_progress(actions, today, rng)

    # A finding is resolved when all its live items are verified (as _resolve_findings does).
    states: dict[int, set[str]] = defaultdict(set)
    for i, finding_id in links:
        if actions[i].status not in ITEM_DEAD:
            states[finding_id].add(actions[i].status)
    resolved = [f for f, s in states.items() if s == {ActionStatus.VERIFIED}]
    for chunk in _chunks(resolved):
        Finding.objects.filter(pk__in=chunk).update(
            status=FindingStatus.RESOLVED, resolved_at=_at(today), resolved_on=today
        )
    analyze(Review, Finding, RemediationPlan, PlanAction, ProgressUpdate, AuditEvent)
    return {
        "reviews": len(reviews),
        "findings": len(findings),
        "plans": len(plans),
        "items": len(actions),
    }


def _write_submissions(
    cycle: ReviewCycle,
    groups: dict[tuple[str, datetime.date], list[int]],
    actions: list[PlanAction],
    links: list[tuple[int, int]],
    rng: random.Random,
) -> None:
    """What plan_submit and the appraisal leave behind for every filed plan: the recipient (the
    parent committee), the kept version (with the items as they are now) and, for returned and
    accepted plans, the appraiser's decision, so that the recipients' offices find the waiting
    plans in "Chờ tôi thẩm định" and the version history is there."""
    filed = {pk: (status, day) for (status, day), ids in groups.items() for pk in ids}
    if not filed:
        return
    # Filtered by cycle, not by a 40,000-id IN list (which SQLite plans badly: ~50 s each).
    plans = RemediationPlan.objects.filter(cycle=cycle).values_list("pk", "unit__parent_id")
    parent_of = {pk: parent_id for pk, parent_id in plans if pk in filed}
    unit_names = dict(
        Unit.objects.filter(path__startswith=cycle.scope_unit.path).values_list("pk", "name")
    )
    finding_texts = dict(Finding.objects.filter(review__cycle=cycle).values_list("pk", "text"))
    findings_of_action: dict[int, list[str]] = defaultdict(list)
    for index, finding_id in links:
        findings_of_action[index].append(finding_texts[finding_id])
    items: dict[int, list[dict]] = defaultdict(list)
    for index, action in enumerate(actions):
        if action.plan_id in filed:
            items[action.plan_id].append(
                {
                    "id": action.pk,
                    "content": action.content,
                    "responsible_unit": unit_names.get(action.responsible_unit_id, ""),
                    "responsible_person": "",
                    "due_date": vn_date(action.due_date),
                    "expected_result": "",
                    "findings": findings_of_action[index],
                    "status": ActionStatus.OPEN,
                }
            )
    PlanRecipient.objects.bulk_create(
        [
            PlanRecipient(plan_id=pk, kind=PlanRecipient.Kind.STANDING_COMMITTEE, unit_id=parent)
            for pk, parent in parent_of.items()
            if parent
        ],
        batch_size=CHUNK,
    )
    PlanSubmission.objects.bulk_create(
        [PlanSubmission(plan_id=pk, number=1, snapshot={"items": items[pk]}) for pk in filed],
        batch_size=CHUNK,
    )
    for (_status, day), ids in groups.items():  # auto_now_add stamped them now
        for chunk in _chunks(ids):
            PlanSubmission.objects.filter(plan_id__in=chunk).update(
                submitted_at=_at(day), effective_on=day
            )
    ids_of = dict(PlanSubmission.objects.filter(plan__cycle=cycle).values_list("plan_id", "pk"))
    grounds = [choice.value for choice in ReturnGround]
    decisions = []
    for pk, (status, _day) in filed.items():
        if status == PlanStatus.RETURNED:
            decisions.append(
                Appraisal(
                    submission_id=ids_of[pk],
                    decision=Appraisal.Decision.RETURNED,
                    grounds=[rng.choice(grounds)],
                    remarks="Đề nghị chuẩn bị lại cho cụ thể, khả thi hơn.",
                    recipient_kind=PlanRecipient.Kind.STANDING_COMMITTEE,
                )
            )
        elif status in PLAN_TRACKABLE:
            decisions.append(
                Appraisal(
                    submission_id=ids_of[pk],
                    decision=Appraisal.Decision.ACCEPTED,
                    recipient_kind=PlanRecipient.Kind.STANDING_COMMITTEE,
                )
            )
    Appraisal.objects.bulk_create(decisions, batch_size=CHUNK)


def _write_progress(actions: list[PlanAction], today: datetime.date, rng: random.Random) -> None:
    """What action_record_progress and action_cancel leave behind: the last progress report of
    every item in progress, done or verified (the periodic report reads an item's state on a
    day from these), and the dated audit row of every cancelled item (until that day the report
    still counts it)."""
    days = datetime.timedelta
    reports = []
    for action in actions:
        if action.status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.VERIFIED):
            day = today - days(rng.randint(1, 20))
            reports.append(
                ProgressUpdate(
                    action_id=action.pk,
                    status=ActionStatus.IN_PROGRESS
                    if action.status == ActionStatus.IN_PROGRESS
                    else ActionStatus.DONE,
                    percent=action.percent,
                    narrative="Đã triển khai theo kế hoạch (dữ liệu mẫu).",
                    effective_on=day,
                )
            )
    ProgressUpdate.objects.bulk_create(reports, batch_size=CHUNK)
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for report in reports:
        by_day[report.effective_on].append(report.action_id)
    done_by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for report in reports:
        if report.status == ActionStatus.DONE:
            done_by_day[report.effective_on].append(report.action_id)
    for day, ids in by_day.items():  # auto_now_add stamped them now
        for chunk in _chunks(ids):
            ProgressUpdate.objects.filter(action_id__in=chunk).update(reported_at=_at(day))
    for day, ids in done_by_day.items():  # the time of the "done" report on the item
        for chunk in _chunks(ids):
            PlanAction.objects.filter(pk__in=chunk).update(done_at=_at(day))
    cancelled = [a for a in actions if a.status == ActionStatus.CANCELLED]
    plan_paths = dict(
        RemediationPlan.objects.filter(pk__in={a.plan_id for a in cancelled}).values_list(
            "pk", "unit__path"
        )
    )
    for action in cancelled:
        audit_record(
            obj=action,
            action=AuditAction.TRANSITION,
            by=None,
            changes={"status": [ActionStatus.OPEN.value, ActionStatus.CANCELLED.value]},
            reason="Không còn phù hợp (dữ liệu mẫu).",
            unit_path=plan_paths.get(action.plan_id, ""),
        )
