"""Benchmark: the province dashboard through the app vs a raw SQL aggregate over the base rows.

Loads the `province` demo scale, opens a review cycle over the main province through the services,
generates a realistic state of the campaign set-based (~70% of reviews submitted, ~60% of plans
with 1–3 items, some returned, accepted, verified, overdue), brings the summaries up to date,
then measures in the same run:

- app: p95 of GET on the province dashboard through django.test.Client, logged in as the demo
  committee office ("vanphong"), after one warm-up request;
- baseline: p95 of one SQL statement computing the same province figures from reviews,
  conferences, plans, items and findings joined to units by path prefix.

Prints `BENCH province-dashboard app=… baseline=… ratio=… unit=ms`; progress goes to stderr.
"""

import datetime
import gc
import math
import random
import sys
import time
from collections import defaultdict
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.summaries import merge_all, rebuild
from kiemdiem.org.models import AccessGrant, AccessRole, Position, PositionRole, Unit
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import ActionStatus, PlanStatus
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting
from kiemdiem.reviews.states import ReviewStatus

RUNS = 50
SEED = 1
OFFICE_USERNAME = "vanphong"
PARTICIPATING = [
    "commune",
    "sectoral_committee",
    "upper_grassroots",
    "grassroots_committee",
    "grassroots_cell",
    "subordinate_cell",
]
CHUNK = 5000


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def sig3(value: float) -> str:
    """3 significant digits, without an exponent for the sizes printed here."""
    return f"{float(f'{value:.3g}'):g}"


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- data ---------------------------------------------------------------------------------


def load_province() -> tuple[Unit, object]:
    """Migrate and seed the province scale (reusing it if this database already has it)."""
    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    if not User.objects.filter(username=OFFICE_USERNAME).exists():
        started = time.perf_counter()
        call_command("seed_demo", scale="province", seed=str(SEED), stdout=StringIO())
        log(f"seed_demo --scale province: {time.perf_counter() - started:.1f} s")
    office = User.objects.get(username=OFFICE_USERNAME)
    grant = AccessGrant.objects.select_related("unit").get(user=office, role=AccessRole.OFFICE)
    return grant.unit, office


def open_cycle(province: Unit, office) -> ReviewCycle:
    """A cycle that started 75 days ago: reviews and conferences due, plans due 20 days ago."""
    today = timezone.localdate()
    days = datetime.timedelta
    cycle = review_services.cycle_create(
        by=office,
        title=f"Kiểm điểm, đánh giá năm {today.year - 1} (đo hiệu năng)",
        kind="annual",
        year=today.year - 1,
        directive_number="493-CV/TU",
        directive_date=today - days(90),
        directive_issuer="Ban Thường vụ Tỉnh ủy",
        scope_unit=province,
        participating_kinds=PARTICIPATING,
        starts_on=today - days(75),
        self_review_due=today - days(60),
        conference_due=today - days(45),
        plan_due=today - days(20),
        horizon_end=today + days(340),
    )
    started = time.perf_counter()
    counts = review_services.cycle_open(cycle=cycle, by=office)
    log(f"cycle_open: {counts['reviews']} bản kiểm điểm, {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    merged = merge_all()
    log(f"merge_pending after opening: {merged} thay đổi, {time.perf_counter() - started:.2f} s")
    cycle.refresh_from_db()
    return cycle


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@transaction.atomic
def generate_activity(cycle: ReviewCycle) -> dict[str, int]:
    """The state of a campaign two months in, written set-based (bulk) for speed."""
    rng = random.Random(SEED)
    today = timezone.localdate()
    days = datetime.timedelta

    # Reviews: ~70% submitted; of those some discussed at the conference, some finalized.
    reviews = list(Review.objects.filter(cycle=cycle).values_list("pk", "unit_id", "person_id"))
    by_status: dict[str, list[int]] = defaultdict(list)
    submitted_reviews = []
    for pk, unit_id, person_id in reviews:
        if rng.random() < 0.7:
            submitted_reviews.append((pk, unit_id, person_id))
            status = rng.choice(
                [ReviewStatus.SUBMITTED, ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED]
            )
            by_status[status].append(pk)
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

    # Conferences: ~80% of the collectives, chaired by the unit's secretary.
    collectives = [unit_id for _pk, unit_id, person_id in reviews if person_id is None]
    chairs = dict(
        Position.objects.filter(unit_id__in=collectives, role=PositionRole.SECRETARY).values_list(
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
            for unit_id in collectives
            if rng.random() < 0.8
        ],
        batch_size=CHUNK,
    )

    # Plans: ~60% submitted (a quarter of them late); returned, waiting, accepted or adopted.
    plans = list(RemediationPlan.objects.filter(cycle=cycle).values_list("pk", "review_id"))
    groups: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
    missing: list[int] = []
    trackable: list[tuple[int, int]] = []
    drafts_with_items: list[tuple[int, int]] = []
    for pk, review_id in plans:
        if rng.random() < 0.6:
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
            if status in (PlanStatus.ACCEPTED, PlanStatus.ADOPTED):
                trackable.append((pk, review_id))
            else:
                drafts_with_items.append((pk, review_id))
        else:
            missing.append(pk)  # due 20 days ago, never submitted: the sweep has flagged it
    for (status, day), ids in groups.items():
        for chunk in _chunks(ids):
            RemediationPlan.objects.filter(pk__in=chunk).update(
                status=status, first_submitted_at=_at(day)
            )
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
            for position in range(1, rng.randint(1, 3) + 1):
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
                open_now = status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
                actions.append(
                    PlanAction(
                        plan_id=plan_id,
                        position=position,
                        content=f"Nội dung khắc phục {position}",
                        responsible_unit_id=unit_of[plan_id],
                        due_date=due,
                        status=status,
                        percent={"verified": 100, "done": 100, "in_progress": 50}.get(status, 0),
                        verified_at=_at(today) if status == ActionStatus.VERIFIED else None,
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

    # A finding is resolved when all its live items are verified (as _resolve_findings does).
    states: dict[int, set[str]] = defaultdict(set)
    for i, finding_id in links:
        if actions[i].status not in (ActionStatus.CANCELLED, ActionStatus.REPLACED):
            states[finding_id].add(actions[i].status)
    resolved = [f for f, s in states.items() if s == {ActionStatus.VERIFIED}]
    for chunk in _chunks(resolved):
        Finding.objects.filter(pk__in=chunk).update(status="resolved", resolved_at=_at(today))
    return {
        "reviews": len(reviews),
        "findings": len(findings),
        "plans": len(plans),
        "items": len(actions),
    }


# --- measurements -------------------------------------------------------------------------


def baseline_sql() -> str:
    """The province figures straight from the base rows: one statement, one scan per table."""
    t = {
        m.__name__: connection.ops.quote_name(m._meta.db_table)
        for m in (Review, ReviewMeeting, RemediationPlan, PlanAction, Finding, Unit)
    }
    return f"""
    WITH r AS (
        SELECT count(*) FILTER (WHERE r.person_id IS NULL) AS units_expected,
               count(*) AS reviews_expected,
               count(*) FILTER (WHERE r.status <> 'draft') AS reviews_submitted
        FROM {t["Review"]} r JOIN {t["Unit"]} u ON u.id = r.unit_id
        WHERE r.cycle_id = %(cycle)s AND u.path LIKE %(prefix)s
    ), m AS (
        SELECT count(*) AS conferences_held
        FROM {t["ReviewMeeting"]} m JOIN {t["Unit"]} u ON u.id = m.unit_id
        WHERE m.cycle_id = %(cycle)s AND u.path LIKE %(prefix)s
    ), p AS (
        SELECT count(*) AS plans_expected,
               count(*) FILTER (WHERE (p.first_submitted_at AT TIME ZONE %(tz)s)::date
                                      <= p.due_date) AS plans_on_time,
               count(*) FILTER (WHERE (p.first_submitted_at AT TIME ZONE %(tz)s)::date
                                      > p.due_date) AS plans_late,
               count(*) FILTER (WHERE p.missing_flagged) AS plans_missing,
               count(*) FILTER (WHERE p.status = 'returned') AS plans_returned,
               count(*) FILTER (WHERE p.status IN ('accepted', 'adopted')) AS plans_accepted
        FROM {t["RemediationPlan"]} p JOIN {t["Unit"]} u ON u.id = p.unit_id
        WHERE p.cycle_id = %(cycle)s AND u.path LIKE %(prefix)s
    ), a AS (
        SELECT count(*) FILTER (WHERE a.status NOT IN ('cancelled', 'replaced')) AS items_total,
               count(*) FILTER (WHERE a.status = 'verified') AS items_done,
               count(*) FILTER (WHERE a.overdue_flagged) AS items_overdue
        FROM {t["PlanAction"]} a
        JOIN {t["RemediationPlan"]} p ON p.id = a.plan_id
        JOIN {t["Unit"]} u ON u.id = p.unit_id
        WHERE p.cycle_id = %(cycle)s AND u.path LIKE %(prefix)s
    ), f AS (
        SELECT count(*) AS findings_total,
               count(*) FILTER (WHERE f.status = 'resolved') AS findings_resolved,
               count(*) FILTER (WHERE f.carried_from_id IS NOT NULL) AS findings_carried
        FROM {t["Finding"]} f
        JOIN {t["Review"]} r ON r.id = f.review_id
        JOIN {t["Unit"]} u ON u.id = f.unit_id
        WHERE r.cycle_id = %(cycle)s AND u.path LIKE %(prefix)s
    )
    SELECT {", ".join(METRIC_NAMES)} FROM r, m, p, a, f
    """


def run_baseline(sql: str, params: dict) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(zip(METRIC_NAMES, cursor.fetchone(), strict=True))


def timed(fn, runs: int) -> list[float]:
    """Milliseconds of each of `runs` calls, after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run() -> str:
    if connection.vendor != "postgresql":
        raise SystemExit("bench: cần PostgreSQL (DATABASE_URL); hãy chạy `make bench`.")
    province, office = load_province()
    cycle = open_cycle(province, office)
    started = time.perf_counter()
    counts = generate_activity(cycle)
    log(
        "activity: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f", {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    rows = rebuild(cycle)
    log(f"rebuild_summaries: {rows} đơn vị, {time.perf_counter() - started:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # The two sides must show the same numbers, or the comparison means nothing.
    sql = baseline_sql()
    params = {"cycle": cycle.pk, "prefix": province.path + "%", "tz": settings.TIME_ZONE}
    summary = CycleSummary.objects.get(cycle=cycle, unit=province).figures()
    baseline = run_baseline(sql, params)
    if summary != baseline:
        raise SystemExit(f"bench: số liệu tổng hợp {summary} ≠ tính trực tiếp {baseline}")
    log("province: " + ", ".join(f"{k}={v}" for k, v in summary.items()))

    client = Client(SERVER_NAME="localhost")
    client.force_login(office)
    url = reverse("dashboard:cycle-unit", args=[cycle.pk, province.pk])

    def get_dashboard() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {url} → {response.status_code}")

    # The setup left a large heap behind: collect it now, not in the middle of a request.
    gc.collect()
    gc.freeze()
    # One side after the other (as a user would get them), each after one warm-up call (app:
    # templates, URL resolver, session; baseline: plan and buffers).
    app_ms = timed(get_dashboard, RUNS)
    baseline_ms = timed(lambda: run_baseline(sql, params), RUNS)
    gc.unfreeze()
    app, base = p95(app_ms), p95(baseline_ms)
    return (
        f"BENCH province-dashboard app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=ms"
    )
