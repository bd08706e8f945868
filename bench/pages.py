"""W1: every main page's throughput vs a hello-world view, through the same server in one run.

On the province data of the dashboard benchmark (reused when it ran first), the app is served by
gunicorn (the production config, KIEMDIEM_WEB_WORKERS=3 sync workers, DEBUG off, collected static
files) on 127.0.0.1, and a load generator keeps 8 connections busy for a few seconds per URL,
all logged in as the provincial office ("vanphong") with the same session:

- baseline: `/bench-hello/` (bench.urls), a view returning a few bytes through the whole
  middleware stack, measured before and after each page (the mean of the two: the machine's
  load drifts during a run);
- app: each page of PAGES, in requests per second.

Load generator: wrk when installed (Debian package: `apt-get install -y wrk`; `make bench` never
installs it), else a Python one built in (threads with keep-alive connections: it takes a core
itself, so the hello-world side is then understated and the ratios flattered; say which in any
note). `KIEMDIEM_BENCH_LOADGEN=wrk|python` picks one (wrk then fails when it is missing); the
generator used is logged on stderr. Prints `BENCH W1-page-<name> app=… baseline=…
ratio=… unit=req/s` per page, `BENCH W1-page-hello-user …` for a view that only reads the
signed-in user (the ceiling of any page behind the login), and `BENCH W1-min …` for the slowest
page. Those run as deployed, kept pages on (kiemdiem/core/page_cache.py: nothing is written
during the run, so after each worker's first request every page is a kept one); then every page
again on a server with them off, `BENCH W1-built-min …` for the slowest page built every time
(the deadline day's case: a commit every second leaves nothing kept), each page's ratio on
stderr. Noisy on a shared 2-core box.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from bench.dashboard import log, prepare, sig3
from kiemdiem.remediation.models import RemediationPlan

SECONDS = float(os.environ.get("KIEMDIEM_BENCH_PAGE_SECONDS", 3))
CONNECTIONS = 8
WORKERS = 3
ROOT = Path(__file__).resolve().parent.parent


def pages(cycle, province, office) -> dict[str, str]:
    plan = (
        RemediationPlan.objects.visible_to(office)
        .filter(cycle=cycle)
        .annotate(n=Count("actions"))
        .order_by("-n", "pk")
        .first()
    )
    item = plan.actions.order_by("position", "pk").first()
    return {
        "home": reverse("home"),
        "reports": reverse("reports:index"),
        "dashboards": reverse("dashboard:cycle-list"),
        "province-dashboard": reverse("dashboard:cycle-unit", args=[cycle.pk, province.pk]),
        "cycle": reverse("reviews:cycle-detail", args=[cycle.pk]),
        "plan": reverse("remediation:plan-detail", args=[plan.pk]),
        "plan-list": reverse("remediation:plan-list"),
        "appraisal-queue": reverse("remediation:queue-appraisal"),
        "verification-queue": reverse("remediation:queue-verification"),
        "audit": reverse("audit-list"),
        "discipline": reverse("discipline:case-list"),
        "confidence": reverse("confidence:result-list"),
        "suggestions": reverse("reviews:suggestion-list"),
        "commitments": reverse("reviews:commitment-list"),
        "oversight": reverse("oversight:index"),
        # the rest of the menu, and the pages its lists open
        "item": reverse("remediation:action-detail", args=[item.pk]),
        "cycles": reverse("reviews:cycle-list"),
        "records": reverse("reports:records"),
        "classification": reverse("classification:round-list"),
        "org-tree": reverse("org:unit-tree"),
        "unit": reverse("org:unit-detail", args=[province.pk]),
        "transfer": reverse("transfer:index"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int,
    workers: int | str | None = WORKERS,
    recycle: bool = False,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """gunicorn with the production config on 127.0.0.1:port; `workers` None: the config's
    default ((2 × cores) + 1); `recycle`: keep the config's worker recycling (max_requests)."""
    env = {
        **os.environ,
        **(extra_env or {}),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "KIEMDIEM_BIND": f"127.0.0.1:{port}",
        "KIEMDIEM_ACCESS_LOG": "",
        "KIEMDIEM_LOG_LEVEL": "WARNING",
    }
    if workers is not None:
        env["KIEMDIEM_WEB_WORKERS"] = str(workers)
    if not recycle:
        # no recycling during the run: at hello-world's rate every worker reached its
        # max_requests within a minute, all three about together, and the server answered
        # nothing while they booted again (0 req/s for a page or a hello-world run)
        env["KIEMDIEM_WEB_MAX_REQUESTS"] = "0"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "kiemdiem.wsgi:application"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("bench: gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    """Stop a process started in its own session (gunicorn, the worker): SIGTERM to its group,
    SIGKILL after 15 s."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def with_wrk(port: int, path: str, cookie: str) -> float:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(SECONDS))}s",
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"bench: {path} answered errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def with_python(port: int, path: str, cookie: str, seconds: float = SECONDS) -> float:
    done = [0] * CONNECTIONS
    failed: list[str] = []
    stop_at = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failed.append(f"{path} → {response.status}")
                return
            done[i] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise SystemExit(f"bench: {failed[0]}")
    return sum(done) / (time.perf_counter() - started)


def load_generator():
    wanted = os.environ.get("KIEMDIEM_BENCH_LOADGEN", "") or (
        "wrk" if shutil.which("wrk") else "python"
    )
    if wanted not in ("wrk", "python"):
        raise SystemExit("bench: KIEMDIEM_BENCH_LOADGEN là wrk hoặc python")
    if wanted == "wrk" and not shutil.which("wrk"):
        raise SystemExit(
            "bench: không có wrk (apt-get install -y wrk) — hoặc KIEMDIEM_BENCH_LOADGEN=python"
        )
    return with_wrk if wanted == "wrk" else with_python


def run() -> str:
    province, office, cycle = prepare()
    urls = pages(cycle, province, office)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed names
    client = Client(SERVER_NAME="localhost")
    client.force_login(office)
    for name, url in urls.items():  # every page answers 200 before anything is timed
        status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"bench: {name} {url} → {status}")
    # Every cookie the pages set, as a browser sends them back: the session and the CSRF
    # secret (the forms' tokens are made from it; without it each page makes a new one)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    measure = load_generator()
    log(f"W1: {measure.__name__}, {WORKERS} gunicorn workers, {CONNECTIONS} connections")
    rates, hellos = measure_pages(measure, {"hello-user": "/bench-hello-user/", **urls}, cookie)
    # The same pages built every time (kept pages off): what they cost on a busy day, when a
    # commit every second leaves the cache nothing to serve (docs/performance.md, part 9).
    built, built_hellos = measure_pages(
        measure, urls, cookie, extra_env={"KIEMDIEM_PAGE_CACHE_SECONDS": "0"}
    )
    log("W1 hello-world around each page: " + ", ".join(f"{h:.0f}" for h in hellos.values()))
    ratios = {name: rates[name] / hellos[name] for name in rates}
    lines = [
        f"BENCH W1-page-{name} app={sig3(rates[name])} baseline={sig3(hellos[name])} "
        f"ratio={sig3(ratios[name])} unit=req/s"
        for name in rates
    ]
    slowest = min((name for name in ratios if name != "hello-user"), key=ratios.get)
    lines.append(
        f"BENCH W1-min app={sig3(rates[slowest])} baseline={sig3(hellos[slowest])} "
        f"ratio={sig3(ratios[slowest])} unit=req/s"
    )
    log(f"W1 slowest page: {slowest}")
    built_ratios = {name: built[name] / built_hellos[name] for name in built}
    log(
        "W1 pages built every time (kept pages off): "
        + ", ".join(f"{name} {sig3(r)}" for name, r in built_ratios.items())
    )
    worst = min(built_ratios, key=built_ratios.get)
    lines.append(
        f"BENCH W1-built-min app={sig3(built[worst])} baseline={sig3(built_hellos[worst])} "
        f"ratio={sig3(built_ratios[worst])} unit=req/s"
    )
    return "\n".join(lines)


def measure_pages(
    measure, urls: dict[str, str], cookie: str, extra_env: dict[str, str] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """Each page's req/s on a fresh server, and the hello-world's around it."""
    port = free_port()
    server = start_server(port, extra_env=extra_env)
    try:
        # warm-up: every worker has loaded the app, connected, and rendered each page once
        for _ in range(2):
            with_python(port, "/bench-hello/", cookie, seconds=2)
        for url in urls.values():
            with_python(port, url, cookie, seconds=0.5)
        # Each page between two hello-world runs, its ratio against their mean: the load of a
        # shared machine drifts within a run (hello-world moved 499 → 114 req/s across one
        # run measured only before and after all the pages).
        rates: dict[str, float] = {}
        hellos: dict[str, float] = {}
        hello = measure(port, "/bench-hello/", cookie)
        for name, url in urls.items():
            rates[name] = measure(port, url, cookie)
            after = measure(port, "/bench-hello/", cookie)
            hellos[name], hello = (hello + after) / 2, after
    finally:
        stop_server(server)
    return rates, hellos
