"""W8: a province's periodic report, computed as the report job computes it.

On the province campaign of bench.dashboard (reused when it ran first): the figures of the
province's report for the cycle's latest period that has begun
(`reports.services.report_figures`, what creating or refreshing a report computes: the
remediation figures of the whole subtree as of the period's day, from the audit trail and the
progress rows, whatever the size of the subtree). The issue's target is absolute — at most 5 s —
so the baseline printed is that target, and ratio ≤ 1 meets it. Median of RUNS, after a warm-up.

Prints `BENCH W8-province-report app=… baseline=5 ratio=… unit=s`.
"""

import statistics
import time

from django.utils import timezone

from bench.dashboard import log, prepare, sig3
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reports.services import report_figures

RUNS = 3
TARGET_SECONDS = 5.0


def run() -> str:
    province, _office, cycle = prepare()
    period = (
        ReportPeriod.objects.filter(cycle=cycle, starts_on__lte=timezone.localdate())
        .order_by("-ends_on")
        .first()
    ) or ReportPeriod.objects.filter(cycle=cycle).order_by("starts_on").first()
    if period is None:
        raise SystemExit("bench: đợt không có kỳ báo cáo")
    figures = report_figures(unit=province, period=period)
    log(f"W8: {period}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        report_figures(unit=province, period=period)
        samples.append(time.perf_counter() - started)
    app = statistics.median(samples)
    return (
        f"BENCH W8-province-report app={sig3(app)} baseline={sig3(TARGET_SECONDS)} "
        f"ratio={sig3(app / TARGET_SECONDS)} unit=s"
    )
