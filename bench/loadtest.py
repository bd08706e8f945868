"""The deadline-day load test (issue 17 #4): personas in proportion against the production server.

`make loadtest` (a throwaway PostgreSQL 15, loopback only, ~10 minutes; not part of make test):

1. the province demo with a campaign under way (`bench.dashboard.prepare`: seed_demo province, a
   cycle opened through the services, two months of activity, the summaries);
2. the personas' logins, made through the org services: the secretary of each of
   KIEMDIEM_LOADTEST_COMMUNES communes (appraisers of their cells' plans) and of
   KIEMDIEM_LOADTEST_CELLS cells under them, each a login of its own (`person_link_user`), and the
   provincial office (`vanphong`, `thuongvu`); a session each (as a browser after its login: the
   PBKDF2 of a login, ~0.5 s of CPU, is not what the deadline day repeats), and each cell's work
   (items of its accepted plans to report on, its plans that can be resubmitted as they are);
3. gunicorn with the production config (gunicorn.conf.py: (2 × cores) + 1 sync workers, worker
   recycling on) and the background worker (`manage.py worker`, as `make run` starts it);
4. locust, headless, with `bench/locustfile.py`'s personas, in steps of
   KIEMDIEM_LOADTEST_STEPS users (default 10,20,40,80), KIEMDIEM_LOADTEST_STEP_SECONDS each
   (60), at most KIEMDIEM_LOADTEST_MAX_REQUESTS requests in all (60,000).

Prints, per step, the machine's load average, requests/s, error rate and p95 of every page kind,
and one `LOADTEST` line per step; writes var/loadtest/ (requests.csv, locust's CSVs, the report as
Markdown: report.md). Exits 1 when any request failed (status ≥ 400, a write not redirecting, an
export not an XLSX file).
"""

import csv
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bench.dashboard import log, p95, prepare, sig3
from bench.pages import ROOT, free_port, start_server, stop_server
from kiemdiem.org.demo import DEMO_PASSWORD
from kiemdiem.org.models import Person, Position, PositionRole, Unit
from kiemdiem.org.services import person_link_user
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.permissions import can_appraise_plan, can_report_progress
from kiemdiem.remediation.services import plan_problems
from kiemdiem.remediation.states import ITEM_OPEN, PLAN_TRACKABLE, PlanStatus
from kiemdiem.reviews.models import ReviewCycle

STEPS = [int(n) for n in os.environ.get("KIEMDIEM_LOADTEST_STEPS", "10,20,40,80").split(",")]
STEP_SECONDS = int(os.environ.get("KIEMDIEM_LOADTEST_STEP_SECONDS", 60))
WARMUP_SECONDS = int(os.environ.get("KIEMDIEM_LOADTEST_WARMUP_SECONDS", 20))
MAX_REQUESTS = int(os.environ.get("KIEMDIEM_LOADTEST_MAX_REQUESTS", 60000))
COMMUNES = int(os.environ.get("KIEMDIEM_LOADTEST_COMMUNES", 24))
CELLS = int(os.environ.get("KIEMDIEM_LOADTEST_CELLS", 56))
# the first seconds of each step (users arriving, then their first pages) are left out of its
# figures
SETTLE_SECONDS = 10
OUT = ROOT / "var" / "loadtest"
CELL_KINDS = ("grassroots_cell", "subordinate_cell")


def _secretary(unit: Unit) -> Person | None:
    """The unit's secretary, unless a demo login is already theirs (a rerun on kept data finds
    the load test's own logins again)."""
    position = (
        Position.objects.current()
        .filter(unit=unit, role=PositionRole.SECRETARY)
        .select_related("person__user")
        .order_by("pk")
        .first()
    )
    if position is None:
        return None
    user = position.person.user
    return position.person if user is None or user.username.startswith("lt-") else None


def _login(person: Person, username: str, password: str, admin: Any) -> Any:
    """A login for `person` (a user row, linked through the org services as an office would)."""
    if person.user is not None:  # made by an earlier run on kept data
        return person.user
    User = get_user_model()
    user, _ = User.objects.update_or_create(
        username=username, defaults={"password": password, "is_active": True}
    )
    person_link_user(person=person, user=user, by=admin, reason="Kiểm thử tải ngày cao điểm")
    return user


def _session(user: Any) -> str:
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def personas(cycle: ReviewCycle, province: Unit) -> dict[str, Any]:
    """Logins, sessions and work of every persona (the locustfile reads them as JSON)."""
    User = get_user_model()
    admin = User.objects.get(username="admin")
    password = make_password(DEMO_PASSWORD)  # hashed once (PBKDF2)
    rng = random.Random(17)
    communes = list(
        Unit.objects.filter(parent=province, kind="commune", children__kind__in=CELL_KINDS)
        .distinct()
        .order_by("pk")
    )
    rng.shuffle(communes)
    commune_rows: list[dict] = []
    cell_rows: list[dict] = []
    for commune in communes:
        if len(commune_rows) >= COMMUNES:
            break
        person = _secretary(commune)
        if person is None:
            continue
        user = _login(person, f"lt-xa-{commune.pk}", password, admin)
        waiting = RemediationPlan.objects.filter(
            cycle=cycle, unit__parent=commune, status=PlanStatus.SUBMITTED
        ).select_related("unit", "review", "cycle")
        # (the secretary's own plan, in one of the commune's cells, is not theirs to appraise)
        sample = waiting.exclude(person=person).first()
        decision = can_appraise_plan(user, sample) if sample is not None else None
        if not decision:
            log(f"{commune}: skipped ({decision.reason if decision is not None else 'no plan'})")
            continue
        commune_rows.append(
            {
                "username": user.username,
                "session": _session(user),
                "unit": commune.pk,
                "dashboard": reverse("dashboard:cycle-unit", args=[cycle.pk, commune.pk]),
                "waiting": waiting.count(),
            }
        )
    if not commune_rows:
        raise SystemExit("loadtest: no commune secretary can appraise a plan")
    per_commune = math.ceil(CELLS / max(1, len(commune_rows)))
    for row in commune_rows:
        cells = Unit.objects.filter(parent_id=row["unit"], kind__in=CELL_KINDS).order_by("pk")
        taken = 0
        for cell in cells:
            if taken >= per_commune or len(cell_rows) >= CELLS:
                break
            person = _secretary(cell)
            if person is None:
                continue
            plans = RemediationPlan.objects.filter(cycle=cycle, unit=cell).select_related(
                "unit", "review", "cycle"
            )
            user = _login(person, f"lt-cb-{cell.pk}", password, admin)
            items = [
                action.pk
                for action in PlanAction.objects.filter(
                    plan__in=plans.filter(status__in=PLAN_TRACKABLE), status__in=ITEM_OPEN
                ).select_related("plan__unit", "plan__review", "plan__cycle")
                if can_report_progress(user, action)
            ]
            # plans that go back and forth: resubmitted by the cell as they are when the commune
            # returned them (the commune returns some of those it appraises)
            cycling = [
                plan.pk
                for plan in plans.filter(status__in=[PlanStatus.SUBMITTED, PlanStatus.RETURNED])
                if not plan_problems(plan)
            ]
            if not items:
                continue
            cell_rows.append(
                {
                    "username": user.username,
                    "session": _session(user),
                    "unit": cell.pk,
                    "items": items,
                    "plans": cycling,
                }
            )
            taken += 1
    offices = [
        {"username": name, "session": _session(User.objects.get(username=name))}
        for name in ("vanphong", "thuongvu")
    ]
    log(
        f"personas: {len(commune_rows)} communes ({sum(r['waiting'] for r in commune_rows)} plans "
        f"waiting), {len(cell_rows)} cells ({sum(len(r['items']) for r in cell_rows)} items, "
        f"{sum(len(r['plans']) for r in cell_rows)} plans that can be resubmitted), "
        f"{len(offices)} office logins"
    )
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "cycle": cycle.pk,
        "province": province.pk,
        "province_dashboard": reverse("dashboard:cycle-unit", args=[cycle.pk, province.pk]),
        "communes": commune_rows,
        "cells": cell_rows,
        "offices": offices,
    }


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kiemdiem.settings"}
    log_file = open(OUT / "worker.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_locust(port: int, data: Path) -> dict[int, str]:
    """Run the steps; return the load average measured in the middle of each."""
    locust = str(Path(sys.executable).with_name("locust"))
    seconds = WARMUP_SECONDS + STEP_SECONDS * len(STEPS)
    env = {
        **os.environ,
        "KIEMDIEM_LOADTEST_DATA": str(data),
        "KIEMDIEM_LOADTEST_OUT": str(OUT / "requests.csv"),
        "KIEMDIEM_LOADTEST_STEPS": ",".join(map(str, STEPS)),
        "KIEMDIEM_LOADTEST_STEP_SECONDS": str(STEP_SECONDS),
        "KIEMDIEM_LOADTEST_WARMUP_SECONDS": str(WARMUP_SECONDS),
        "KIEMDIEM_LOADTEST_MAX_REQUESTS": str(MAX_REQUESTS),
    }
    process = subprocess.Popen(
        [
            locust,
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--stop-timeout",
            "10",
            "--csv",
            str(OUT / "locust"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    loads: dict[int, str] = {}
    started = time.monotonic()
    try:
        while process.poll() is None:
            elapsed = time.monotonic() - started - WARMUP_SECONDS
            step = int(elapsed // STEP_SECONDS)
            middle = elapsed % STEP_SECONDS >= STEP_SECONDS / 2
            if 0 <= elapsed and step < len(STEPS) and step not in loads and middle:
                loads[step] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            if elapsed > seconds + 120:  # the shape ends the run; this bounds it regardless
                process.kill()
            time.sleep(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # the load generator shares the 2 cores with the server: say how much of them it took
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = used.ru_utime + used.ru_stime, time.monotonic() - started
    log(f"locust used {cpu:.0f} s of CPU in {wall:.0f} s")
    return loads


KINDS = ("read", "write", "export")


def kind_of(name: str) -> str:
    return name.split(":", 1)[0] if ":" in name else "read"


def _name_order(name: str) -> tuple[int, str]:
    return KINDS.index(kind_of(name)), name


def _p50(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2] if ordered else float("nan")


def report(loads: dict[int, str]) -> tuple[str, list[str], int]:
    """Markdown tables per step from requests.csv, the LOADTEST lines, and the failures."""
    rows = list(csv.DictReader((OUT / "requests.csv").open()))
    failed_total = sum(1 for row in rows if row["ok"] != "1")
    # per step, the requests after its first seconds (users arriving, their first pages)
    settled: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        if int(row["step"]) >= 0 and float(row["t"]) >= SETTLE_SECONDS:
            settled[int(row["step"])].append(row)
    steps = sorted(settled)
    span = max(1.0, STEP_SECONDS - SETTLE_SECONDS)
    lines = []
    summary = [
        "| step | load average (1, 5, 15 min) | req/s | p50 ms | p95 ms | errors "
        "| read / write / export (pages) | kept pages served |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for step in steps:
        got = settled[step]
        ms = [float(r["ms"]) for r in got]
        errors = sum(1 for r in got if r["ok"] != "1")
        # what the people did: a page and what it loads at once ("+load", locustfile) is one read
        acts = [r for r in got if not r["name"].endswith("+load")]
        mix = [sum(1 for r in acts if kind_of(r["name"]) == k) / len(acts) for k in KINDS]
        rps = len(got) / span
        looked = [r for r in got if r.get("kept")]  # the pages the page cache looked at
        hits = sum(1 for r in looked if r["kept"] == "hit")
        lags = sum(1 for r in looked if r["kept"] == "lag")  # figures within their lag
        kept = (
            f"{round(100 * (hits + lags) / len(looked))} % of {len(looked)} ({lags} lagging)"
            if looked
            else "–"
        )
        lines.append(
            f"LOADTEST step={STEPS[step]}users load={loads.get(step, '?').replace(' ', '')} "
            f"rps={sig3(rps)} "
            f"p50={sig3(_p50(ms))}ms p95={sig3(p95(ms))}ms errors={errors}/{len(got)} "
            f"mix={'/'.join(str(round(100 * m)) for m in mix)} "
            f"kept={hits}+{lags}lagging/{len(looked)}"
        )
        summary.append(
            f"| {STEPS[step]} users | {loads.get(step, '?')} | {sig3(rps)} | {sig3(_p50(ms))} | "
            f"{sig3(p95(ms))} | {errors} of {len(got)} | "
            + " / ".join(f"{round(100 * m)} %" for m in mix)
            + f" | {kept} |"
        )
    names = sorted({r["name"] for step in steps for r in settled[step]}, key=_name_order)
    table = [
        "| page kind | " + " | ".join(f"{STEPS[s]} users" for s in steps) + " |",
        "|---" * (len(steps) + 1) + "|",
    ]
    for name in names:
        cells = []
        for step in steps:
            got = [r for r in settled[step] if r["name"] == name]
            bad = sum(1 for r in got if r["ok"] != "1")
            ms = [float(r["ms"]) for r in got]
            cells.append(
                f"{sig3(p95(ms))} ({len(ms)}{f', {bad} errors' if bad else ''})" if ms else "–"
            )
        table.append(f"| {name} | " + " | ".join(cells) + " |")
    markdown = (
        "\n".join(summary)
        + f"\n\np95 in ms per page kind (requests in brackets), after the first {SETTLE_SECONDS}"
        + " s of each step:\n\n"
        + "\n".join(table)
        + "\n"
    )
    return markdown, lines, failed_total


def run() -> str:
    province, _office, cycle = prepare()
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed names
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / "personas.json"
    data.write_text(json.dumps(personas(cycle, province)))
    workers = os.environ.get("KIEMDIEM_WEB_WORKERS", "")
    port = free_port()
    log(
        f"load before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; gunicorn workers "
        f"{workers or '(2 × cores) + 1'}; steps {STEPS} × {STEP_SECONDS} s"
    )
    server = start_server(port, workers=workers or None, recycle=True)
    worker = start_worker()
    try:
        loads = run_locust(port, data)
    finally:
        stop_server(worker)
        stop_server(server)
    markdown, lines, failed = report(loads)
    (OUT / "report.md").write_text(markdown)
    log("report:\n" + markdown)
    if failed:
        log(f"{failed} requests failed: see var/loadtest/requests.csv and locust_failures.csv")
    return "\n".join(lines)
