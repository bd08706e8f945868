"""W4: rebuilding a cycle's campaign summaries vs one raw scan of the same base rows.

On the province campaign of bench.dashboard (reused when it ran first):

- app: `dashboard.summaries.rebuild(cycle)` (what `manage.py rebuild_summaries` runs): recompute
  every metric of every unit from the base tables (one grouped query per family), roll them up
  to every ancestor inside the cycle's scope, replace the cycle's summary rows — in one
  REPEATABLE READ transaction;
- baseline: one SQL statement computing the province's figures straight from the same base rows
  (bench.dashboard.baseline_sql: one scan of each table, joined to the units by path prefix),
  i.e. the cheapest way to read every row the rebuild must read once.

Median of RUNS each (after one warm-up), in seconds. Target (issue 17): ratio ≤ 10.
Prints `BENCH W4-summary-rebuild app=… baseline=… ratio=… unit=s`.
"""

import statistics

from django.conf import settings

from bench.dashboard import baseline_sql, log, prepare, run_baseline, sig3, timed
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.summaries import rebuild

RUNS = 5


def median_seconds(fn) -> float:
    """Median of RUNS calls after a warm-up (bench.dashboard.timed), in seconds."""
    return statistics.median(timed(fn, RUNS)) / 1000


def run() -> str:
    province, _office, cycle = prepare()
    before = CycleSummary.objects.get(cycle=cycle, unit=province).figures()
    rows = CycleSummary.objects.filter(cycle=cycle).count()
    params = {"cycle": cycle.pk, "prefix": province.path + "%", "tz": settings.TIME_ZONE}
    sql = baseline_sql()
    app = median_seconds(lambda: rebuild(cycle))
    base = median_seconds(lambda: run_baseline(sql, params))
    after = CycleSummary.objects.get(cycle=cycle, unit=province).figures()
    if before != after or after != run_baseline(sql, params):
        raise SystemExit(f"bench: rebuild changed the figures: {before} → {after}")
    log(f"W4: {rows} summary rows rebuilt")
    return (
        f"BENCH W4-summary-rebuild app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=s"
    )
