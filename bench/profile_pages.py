"""Development tool: where a page spends its time (queries, SQL time, Python time, hot functions).

    python -m bench.profile_pages [--user vanphong] [--runs 5] [--top 12] [URL ...]

Runs against the database of the settings (`make run`'s SQLite, or DATABASE_URL) in this process,
through django.test.Client and the whole middleware stack, logged in as --user (the provincial
office by default). Without URLs it profiles the main pages of the product, picking the ids
(the open cycle, the user's top unit, the plan with the most items) from the data. For each URL it
prints the status, the median wall time of --runs requests after a warm-up, the number of queries
and their time, the median CPU time of this process (Python's share, steadier than the wall time
when the machine is shared), and with --top the hottest functions of one request under cProfile
(cumulative).
Never used in production: it is a script, not middleware.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time


def main_urls(user) -> list[str]:
    from django.db.models import Count
    from django.urls import reverse

    from kiemdiem.org.scoping import top_units
    from kiemdiem.remediation.models import RemediationPlan
    from kiemdiem.reviews.models import ReviewCycle

    urls = [
        "/",
        reverse("reports:index"),
        reverse("dashboard:cycle-list"),
        reverse("remediation:plan-list"),
        reverse("remediation:queue-appraisal"),
        reverse("remediation:queue-verification"),
        reverse("audit-list"),
        reverse("discipline:case-list"),
        reverse("confidence:poll-list"),
        reverse("confidence:result-list"),
        reverse("reviews:suggestion-list"),
        reverse("reviews:commitment-list"),
        reverse("oversight:index"),
        reverse("oversight:late-list"),
        reverse("reviews:cycle-list"),
        reverse("org:unit-tree"),
    ]
    cycle = ReviewCycle.objects.order_by("-pk").first()
    top = top_units(user).first()
    if cycle and top:
        urls.append(reverse("dashboard:cycle-unit", args=[cycle.pk, top.pk]))
        urls.append(reverse("reviews:cycle-detail", args=[cycle.pk]))
    plan = (
        RemediationPlan.objects.visible_to(user)
        .annotate(n=Count("actions"))
        .order_by("-n", "pk")
        .first()
    )
    if plan:
        urls.append(reverse("remediation:plan-detail", args=[plan.pk]))
    return urls


def profile(client, url: str, runs: int, top: int, sql: bool = False) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: templates, URL resolver, caches
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
    wall = statistics.median(walls)
    line = (
        f"{url:<45} {response.status_code} {wall:8.1f} ms  {len(queries):4d} queries "
        f"{sql_ms:7.1f} ms SQL  python≈{max(wall - sql_ms, 0):7.1f} ms  "
        f"cpu {statistics.median(cpus):6.1f} ms"
    )
    if sql:
        for q in queries.captured_queries:
            line += f"\n    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:400]}"
    if top:
        if slowest is not None:
            ms = float(slowest["time"]) * 1000
            line += f"\n    slowest query {ms:.1f} ms: {slowest['sql'][:300]}"
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        line += "\n" + "\n".join("    " + s for s in out.getvalue().splitlines()[6:] if s.strip())
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="vanphong")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--sql", action="store_true", help="print every query with its time")
    parser.add_argument("urls", nargs="*")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemdiem.settings")
    os.environ.setdefault("KIEMDIEM_DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username=args.user)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    for url in args.urls or main_urls(user):
        print(profile(client, url, args.runs, args.top, args.sql), flush=True)


if __name__ == "__main__":
    sys.exit(main())
