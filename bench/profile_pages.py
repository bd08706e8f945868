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

--breakdown splits each page's median wall time into its parts (medians over --runs requests):
the time inside the database calls as this process sees them (round trips + the server's work;
an execute wrapper on the connection), the templates' time (Django's and Jinja2's, the outermost
render only, so a `{% jinja %}` tag inside a Django template counts once, and without the queries
a template sets off: those are database time), and the rest (view, middleware, context
processors, ORM building, model instances): wall − database − templates. On PostgreSQL the
server's share is split further into planning and execution, summed over the SELECT/WITH
statements of the last request, from EXPLAIN (ANALYZE, SUMMARY, TIMING OFF) run after the timed
requests on the same connection (best of 3 each; statements it cannot take are counted as
skipped). --markdown adds the same numbers as a markdown table. --pages takes the W1 pages of
bench.pages (the province of the benchmarks, prepared as `python -m bench pages` does) with
their names instead of URLs.
Never used in production: it is a script, not middleware.
"""

import argparse
import contextlib
import cProfile
import io
import json
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


class Parts:
    """What one request spent, in ms: `db` inside the database calls, `templates` rendering
    (without the queries it set off), `jinja` the Jinja2 share of it; the statements it ran."""

    def __init__(self) -> None:
        self.db = self.templates = self.jinja = 0.0
        self.statements: list[tuple[str, object, bool]] = []  # sql, params, executemany


@contextlib.contextmanager
def timing_parts(connection):
    """Time the database calls (an execute wrapper on `connection`) and the templates (the
    outermost render of Django's Template and template_partials' partials, and Jinja2's Template:
    a render inside another counts once) while the block runs; yields the Parts it fills."""
    from django.template.base import Template as DjangoTemplate
    from jinja2.environment import Template as JinjaTemplate
    from template_partials.templatetags.partials import TemplateProxy

    parts = Parts()
    depth = [0, 0]  # renders under way: any engine, Jinja2

    def execute(run, sql, params, many, context):
        started = time.perf_counter()
        try:
            return run(sql, params, many, context)
        finally:
            parts.db += (time.perf_counter() - started) * 1000
            parts.statements.append((sql, params, many))

    def timed_render(render, jinja: bool):
        def wrapper(*args, **kwargs):
            outermost, outermost_jinja = depth[0] == 0, jinja and depth[1] == 0
            depth[0] += 1
            depth[1] += jinja
            started, db = time.perf_counter(), parts.db
            try:
                return render(*args, **kwargs)
            finally:
                depth[0] -= 1
                depth[1] -= jinja
                ms = (time.perf_counter() - started) * 1000 - (parts.db - db)
                parts.templates += ms if outermost else 0
                parts.jinja += ms if outermost_jinja else 0

        return wrapper

    patched = [(DjangoTemplate, "_render"), (TemplateProxy, "_render"), (JinjaTemplate, "render")]
    originals = [(cls, name, cls.__dict__[name]) for cls, name in patched]
    for cls, name, original in originals:
        setattr(cls, name, timed_render(original, jinja=cls is JinjaTemplate))
    try:
        with connection.execute_wrapper(execute):
            yield parts
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)


def explained(connection, statements) -> tuple[float, float, int, int]:
    """PostgreSQL's planning and execution ms summed over the SELECT/WITH `statements` (the best
    of three EXPLAIN (ANALYZE, SUMMARY, TIMING OFF) each), how many it explained and how many it
    could not (each in its own savepoint: a refusal leaves the connection usable)."""
    from django.db import DatabaseError, transaction

    planning = execution = 0.0
    done = skipped = 0
    for sql, params, many in statements:
        if many or not sql.lstrip(" \n(").upper().startswith(("SELECT", "WITH")):  # (…) UNION
            continue
        try:
            runs = []
            for _ in range(3):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "EXPLAIN (ANALYZE, SUMMARY, TIMING OFF, FORMAT JSON) " + sql, params
                    )
                    plan = cursor.fetchone()[0]
                plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                runs.append((plan["Planning Time"], plan["Execution Time"]))
        except DatabaseError:
            skipped += 1
            continue
        planning += min(p for p, _ in runs)
        execution += min(e for _, e in runs)
        done += 1
    return planning, execution, done, skipped


def breakdown(client, url: str, runs: int) -> dict:
    """The medians of a page's parts over `runs` requests after a warm-up (see the module's
    docstring), with planning and execution on PostgreSQL (None elsewhere)."""
    from django.db import connection

    response = client.get(url)  # warm-up: templates, URL resolver, caches
    rows = []
    for _ in range(runs):
        with timing_parts(connection) as parts:
            started, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            wall = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu) * 1000
        rest = wall - parts.db - parts.templates
        rows.append(
            (wall, cpu, len(parts.statements), parts.db, parts.templates, parts.jinja, rest)
        )
    medians = [statistics.median(column) for column in zip(*rows, strict=True)]
    numbers = dict(
        zip(("wall", "cpu", "queries", "db", "templates", "jinja", "rest"), medians, strict=True)
    )
    numbers.update(
        status=response.status_code, planning=None, execution=None, explained=0, skipped=0
    )
    if connection.vendor == "postgresql":
        planning, execution, done, skipped = explained(connection, parts.statements)
        numbers.update(planning=planning, execution=execution, explained=done, skipped=skipped)
    return numbers


COLUMNS = [  # (heading, key, format)
    ("wall ms", "wall", "{:.1f}"),
    ("CPU ms", "cpu", "{:.1f}"),
    ("queries", "queries", "{:.0f}"),
    ("database ms", "db", "{:.1f}"),
    ("planning ms", "planning", "{:.1f}"),
    ("execution ms", "execution", "{:.1f}"),
    ("templates ms", "templates", "{:.1f}"),
    ("of which Jinja ms", "jinja", "{:.1f}"),
    ("rest ms", "rest", "{:.1f}"),
]


def cells(numbers: dict) -> list[str]:
    return ["-" if numbers[key] is None else form.format(numbers[key]) for _, key, form in COLUMNS]


def breakdown_line(name: str, numbers: dict) -> str:
    """One aligned line: the page, its status and its parts."""
    line = f"{name:<45} {numbers['status']}"
    for (heading, _, _), cell in zip(COLUMNS, cells(numbers), strict=True):
        line += f"  {cell:>7} {heading.removesuffix(' ms').split()[-1]}"
    if numbers["skipped"]:
        line += f"  ({numbers['skipped']} not explained)"
    return line


def markdown_table(rows: dict[str, dict]) -> str:
    """The pages' parts as a markdown table; the last column: the statements EXPLAIN took for
    planning and execution (and in brackets those it refused)."""
    headings = ["page", *(heading for heading, _, _ in COLUMNS), "explained (refused)"]
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" + "---:|" * (len(headings) - 1)]
    for name, numbers in rows.items():
        explain = f"{numbers['explained']} ({numbers['skipped']})"
        lines.append("| " + " | ".join([name, *cells(numbers), explain]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="vanphong")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--sql", action="store_true", help="print every query with its time")
    parser.add_argument(
        "--breakdown", action="store_true", help="where the wall time goes (not with --top, --sql)"
    )
    parser.add_argument("--markdown", action="store_true", help="--breakdown as a markdown table")
    parser.add_argument("--pages", action="store_true", help="the W1 pages of bench.pages")
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
    if args.pages:
        from bench.dashboard import prepare
        from bench.pages import pages

        province, office, cycle = prepare()
        targets = pages(cycle, province, office)
    else:
        targets = {url: url for url in args.urls or main_urls(user)}
    if not (args.breakdown or args.markdown):
        for url in targets.values():
            print(profile(client, url, args.runs, args.top, args.sql), flush=True)
        return
    rows = {}
    for name, url in targets.items():
        rows[name] = breakdown(client, url, args.runs)
        print(breakdown_line(name, rows[name]), flush=True)
    if args.markdown:
        print("\n" + markdown_table(rows))


if __name__ == "__main__":
    sys.exit(main())
