"""Benchmark: the province dashboard through the app vs a raw SQL aggregate over the base rows.

Loads the `province` demo scale, opens a review cycle over the main province through the services,
generates a realistic state of the campaign set-based (~70% of reviews submitted, ~60% of plans
with 1–3 items, some returned, accepted, verified, overdue), brings the summaries up to date,
then measures in the same run:

- app: p95 of GET on the province dashboard through django.test.Client, logged in as the demo
  committee office ("vanphong"), after one warm-up request;
- baseline: p95 of one SQL statement computing the same province figures from reviews,
  conferences, plans, items and findings joined to units by path prefix.

Prints `BENCH W2-province-dashboard app=… baseline=… ratio=… unit=ms`; progress goes to stderr.
"""

import gc
import math
import sys
import time
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from kiemdiem.dashboard.demo import generate_activity, open_cycle
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.summaries import rebuild
from kiemdiem.org.models import AccessGrant, AccessRole, Unit
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting

RUNS = 100  # per side; a p95 of 50 samples moved by ±30 % between runs on this 2-core machine
SEED = 1
OFFICE_USERNAME = "vanphong"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def sig3(value: float) -> str:
    """3 significant digits, without an exponent for the sizes printed here."""
    return f"{float(f'{value:.3g}'):g}"


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


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
               count(*) FILTER (WHERE r.status <> 'draft') AS reviews_submitted,
               count(*) FILTER (WHERE r.status = 'discussed') AS reviews_discussed,
               count(*) FILTER (WHERE r.status = 'finalized') AS reviews_finalized
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


def campaign_under_way(scope: Unit, by) -> ReviewCycle:
    """The scope's campaign with activity and summaries: the newest cycle that has them, or a
    cycle opened now, filled with random activity and summarized (then VACUUM ANALYZE on
    PostgreSQL: otherwise autovacuum may work through the freshly loaded tables during the
    measurement; the app's p95 moved between 10 and 15 ms from run to run without it, 11.1 and
    11.2 ms in two runs with it)."""
    cycle = ReviewCycle.objects.filter(scope_unit=scope).order_by("-pk").first()
    if cycle is not None and CycleSummary.objects.filter(cycle=cycle, unit=scope).exists():
        return cycle
    cycle = open_cycle(scope, by, log=log)
    started = time.perf_counter()
    counts = generate_activity(cycle, seed=SEED)
    log(
        "activity: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f", {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    rows = rebuild(cycle)
    log(f"rebuild_summaries: {rows} đơn vị, {time.perf_counter() - started:.2f} s")
    if connection.vendor == "postgresql":  # (W10 prepares the same campaign on SQLite)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return cycle


def prepare() -> tuple[Unit, object, ReviewCycle]:
    """The province with a campaign under way; reused when this database already has it (a
    second benchmark of the run)."""
    province, office = load_province()
    return province, office, campaign_under_way(province, office)


def run() -> str:
    if connection.vendor != "postgresql":
        raise SystemExit("bench: cần PostgreSQL (DATABASE_URL); hãy chạy `make bench`.")
    province, office, cycle = prepare()

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
        f"BENCH W2-province-dashboard app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=ms"
    )
