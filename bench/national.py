"""W3 at national shape (`make bench-national`): the national dashboard vs a raw national
GROUP BY, on a data set kept between runs.

Data set (bench/national_data.py; built by the first run, then reused: `make bench-national`
keeps PostgreSQL's files in var/bench/national-pg): `seed_demo --scale national` with all 34
provinces (~265,000 units, ~5.6 million members; KIEMDIEM_BENCH_NATIONAL_PROVINCES for fewer),
a cycle over the Central Committee, a review and a plan per member and per collective, and the
campaign two months in (findings, conferences, plans filed and appraised, ~4 million items,
~10 million progress reports, the audit rows of every move), all written set-based with
INSERT … SELECT, then the summaries rebuilt by the app's own rebuild.

- app: p95 of GET on the national dashboard (the root of the cycle) through django.test.Client
  and the whole middleware stack, as the administrator ("admin");
- baseline: p95 of one SQL statement computing the same figures from the base rows over the
  whole tree (bench.dashboard.baseline_sql with the root's prefix: one scan per table, joined to
  the units by path prefix).

Target (issue 17): ratio ≤ 0.02. Prints `BENCH W3-national-dashboard app=… baseline=… ratio=…
unit=ms` and logs the size of the data set it ran on.

Then W8's national half: the periodic report figures of the Central Committee's whole tree
(`reports.services.report_figures` at the root, what the report job computes), once, against
the issue's absolute target of 60 s: `BENCH W8-national-report app=… baseline=60 ratio=… unit=s`.
"""

import gc
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.dashboard import baseline_sql, log, p95, run_baseline, sig3, timed
from bench.national_data import build
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.org.models import Membership, Unit
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reports.services import report_figures
from kiemdiem.reviews.models import Review, ReviewCycle

RUNS = 50
NATIONAL_REPORT_TARGET = 60  # seconds (issue 17, W8)


def prepare() -> tuple[Unit, object, ReviewCycle]:
    """The national data set: built set-based by the first run (bench.national_data), reused by
    the next ones."""
    return build()


def run() -> str:
    if connection.vendor != "postgresql":
        raise SystemExit("bench: cần PostgreSQL; hãy chạy `make bench-national`.")
    root, admin, cycle = prepare()
    log(
        f"W3 data set: {Unit.objects.count()} units, "
        f"{Membership.objects.count()} memberships, {Review.objects.filter(cycle=cycle).count()} "
        "reviews in the cycle (the number of provinces it was built with: above)"
    )
    sql = baseline_sql()
    params = {"cycle": cycle.pk, "prefix": root.path + "%", "tz": settings.TIME_ZONE}
    summary = CycleSummary.objects.get(cycle=cycle, unit=root).figures()
    if summary != run_baseline(sql, params):
        raise SystemExit(f"bench: số liệu tổng hợp {summary} ≠ tính trực tiếp")
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    url = reverse("dashboard:cycle-unit", args=[cycle.pk, root.pk])

    def get_dashboard() -> None:
        if client.get(url).status_code != 200:
            raise SystemExit(f"bench: GET {url} lỗi")

    gc.collect()
    gc.freeze()
    app = p95(timed(get_dashboard, RUNS))
    base = p95(timed(lambda: run_baseline(sql, params), max(5, RUNS // 10)))
    gc.unfreeze()
    lines = [
        f"BENCH W3-national-dashboard app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=ms"
    ]
    period = (
        ReportPeriod.objects.filter(cycle=cycle, starts_on__lte=timezone.localdate())
        .order_by("-ends_on")
        .first()
    )
    if period is not None:
        started = time.perf_counter()
        report_figures(unit=root, period=period)
        seconds = time.perf_counter() - started
        lines.append(
            f"BENCH W8-national-report app={sig3(seconds)} baseline={NATIONAL_REPORT_TARGET} "
            f"ratio={sig3(seconds / NATIONAL_REPORT_TARGET)} unit=s"
        )
    return "\n".join(lines)
