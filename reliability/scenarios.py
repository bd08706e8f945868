"""R1–R15: each returns (ok, one line of figures). Live scenarios start their own processes on
127.0.0.1; the others run the pytest tests that reproduce them, scaled up (KIEMDIEM_RELIABILITY)."""

import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from reliability.infra import (
    PYTHON,
    ROOT,
    App,
    PgBouncer,
    Postgres,
    Standby,
    WriteLoad,
    children,
    kill9_tree,
)

Result = tuple[bool, str]


def _missing(acked: set[str], present: set[str]) -> int:
    return len(acked - present)


# --- R1: kill -9 PostgreSQL under write load ------------------------------------------------


def r1_postgres_killed(short: bool) -> Result:
    pg = Postgres()
    app = App(pg.url())
    try:
        prep = app.prepare()
        app.start_web(workers=2)
        load = WriteLoad(app, prep, "R1-", threads=4, max_requests=1500 if short else 5000).start()
        time.sleep(2 if short else 5)
        killed = pg.kill9()
        down_at = time.monotonic()
        time.sleep(3)
        during = load.since(down_at)
        restart = pg.start()
        up_at = time.monotonic()
        time.sleep(2 if short else 5)
        load.stop()
        after = load.since(up_at)
        recovered = load.first_ok_after(up_at)
        present = {row[0] for row in pg.sql("SELECT code FROM org_unit WHERE code LIKE 'R1-%'")}
        lost = _missing(load.acked, present)
        errors_down = {s: n for s, n in during.items() if s != 503 and s != 201}
        ok = lost == 0 and during[503] > 0 and recovered is not None and not errors_down
        return ok, (
            f"acknowledged={len(load.acked)} lost={lost} killed_processes={killed} "
            f"while_down: 503={during[503]} other={errors_down or 0} "
            f"restart={restart:.1f}s recovered_after="
            f"{recovered if recovered is None else round(recovered, 2)}s "
            f"after_restart={dict(after)} "
            f"statuses={dict(load.statuses)}"
        )
    finally:
        app.stop()
        pg.stop()


# --- R2: kill -9 web workers and task workers under load ------------------------------------

N_PEOPLE = 3000


def _import_files(folder: Path) -> list[str]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemdiem.settings_test")
    import django

    django.setup()
    from kiemdiem.transfer.tests.test_jobs import big_files

    return [str(p) for p in big_files(folder)]


def r2_workers_killed(short: bool) -> Result:
    pg = Postgres()
    app = App(
        pg.url(),
        KIEMDIEM_TASK_TIMEOUT="20",
        KIEMDIEM_TASK_RETRY="25",
        KIEMDIEM_TASK_WORKERS="1",
        KIEMDIEM_TASK_POLL_SECONDS="1",
        KIEMDIEM_IMPORT_BATCH="50",
    )
    try:
        prep = app.prepare()
        web = app.start_web(workers=3)
        load = WriteLoad(app, prep, "R2-", threads=4, max_requests=1500 if short else 4000).start()
        time.sleep(2)
        web_workers = children(web.pid)
        for pid in web_workers[:2]:  # two of the three, mid-request; the master replaces them
            kill9_tree(pid)
        time.sleep(3)
        load.stop()
        present = {row[0] for row in pg.sql("SELECT code FROM org_unit WHERE code LIKE 'R2-%'")}
        web_lost = _missing(load.acked, present)

        # An import through the queue; the whole worker (cluster and its processes) killed
        # while it writes, then started again: the task is delivered again and finishes.
        folder = Path(tempfile.mkdtemp(prefix="kiemdiem-rel-import."))
        files = _import_files(folder)
        worker = app.start_worker()
        job = app.shell(
            "import io, pathlib\n"
            "from kiemdiem.transfer import jobs\n"
            f"files = [(pathlib.Path(p).name, open(p, 'rb')) for p in {files!r}]\n"
            "job = jobs.job_submit(files=files, by=None, eager=False)\n"
            "print(job.pk)"
        )
        job_id = int(job.split()[-1])
        status = _wait_status(pg, job_id, {"checked", "failed"}, 120)
        if status != "checked":
            return False, f"dry run ended {status}"
        app.shell(
            "from kiemdiem.transfer import jobs\nfrom kiemdiem.transfer.models import ImportJob\n"
            f"jobs.job_confirm(ImportJob.objects.get(pk={job_id}), by=None, eager=False)"
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            row = pg.sql(f"SELECT status, rows_done FROM transfer_importjob WHERE id = {job_id}")
            if row and row[0][0] == "running" and row[0][1] > 0:
                break
            time.sleep(0.05)
        killed_at = time.monotonic()
        killed = kill9_tree(worker.pid)
        half = pg.sql("SELECT COUNT(*) FROM org_person WHERE party_card_number LIKE '8%'")[0][0]
        app.start_worker()
        status = _wait_status(pg, job_id, {"done", "failed"}, 180)
        resumed = time.monotonic() - killed_at
        people = pg.sql("SELECT COUNT(*) FROM org_person WHERE party_card_number LIKE '8%'")[0][0]
        memberships = pg.sql(
            "SELECT COUNT(*) FROM org_membership m JOIN org_person p ON p.id = m.person_id "
            "WHERE p.party_card_number LIKE '8%'"
        )[0][0]
        ok = web_lost == 0 and status == "done" and people == memberships == N_PEOPLE and half == 0
        return ok, (
            f"web: acknowledged={len(load.acked)} lost={web_lost} killed_workers=2 "
            f"statuses={dict(load.statuses)}; task: killed_processes={killed} "
            f"committed_before_kill={half} status={status} "
            f"resumed_and_done_after={resumed:.1f}s "
            f"people={people} memberships={memberships} (expected {N_PEOPLE}, no duplicate)"
        )
    finally:
        app.stop()
        pg.stop()


def _wait_status(pg: Postgres, job_id: int, wanted: set[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    status = ""
    while time.monotonic() < deadline:
        rows = pg.sql(f"SELECT status FROM transfer_importjob WHERE id = {job_id}")
        status = rows[0][0] if rows else ""
        if status in wanted:
            return status
        time.sleep(0.2)
    return status or "timeout"


# --- R3: SQLite writers killed in WAL mode --------------------------------------------------


def r3_sqlite_killed(short: bool) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="kiemdiem-rel-sqlite."))
    database = folder / "kiemdiem.sqlite3"
    app = App(f"sqlite:///{database}")
    try:
        prep = app.prepare()
        web = app.start_web(workers=2)
        load = WriteLoad(app, prep, "R3-", threads=3, max_requests=1000 if short else 3000).start()
        time.sleep(3 if short else 6)
        killed = kill9_tree(web.pid)  # every writer at once, mid-transaction
        load.stop()
        with sqlite3.connect(database) as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            present = {r[0] for r in db.execute("SELECT code FROM org_unit WHERE code LIKE 'R3-%'")}
        lost = _missing(load.acked, present)
        ok = integrity == "ok" and lost == 0 and mode == "wal" and len(load.acked) > 0
        return ok, (
            f"journal_mode={mode} integrity_check={integrity} acknowledged={len(load.acked)} "
            f"lost={lost} killed_processes={killed}"
        )
    finally:
        app.stop()


# --- R4: backup and restore -----------------------------------------------------------------


def _checksums(pg: Postgres, db: str) -> dict[str, tuple[int, str]]:
    tables = [
        r[0]
        for r in pg.sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", db
        )
    ]
    sums = {}
    for table in tables:
        count, digest = pg.sql(
            f"SELECT COUNT(*), md5(COALESCE(string_agg(t::text, chr(10) ORDER BY t::text), '')) "
            f'FROM "{table}" t',
            db,
        )[0]
        sums[table] = (count, digest)
    return sums


def r4_backup_restore(short: bool) -> Result:
    pg = Postgres()
    app = App(pg.url())
    try:
        app.prepare()
        app.manage("seed_campaign", "--if-absent") if not short else None
        dump = pg.dir / "kiemdiem.dump"
        began = time.monotonic()
        subprocess.run(
            [
                *pg.run_as,
                str(pg.bin / "pg_dump"),
                "-Fc",
                "-h",
                str(pg.dir),
                "-p",
                str(pg.port),
                "-U",
                "postgres",
                "-f",
                str(dump),
                "postgres",
            ],
            check=True,
        )
        pg.sql("CREATE DATABASE restored")
        subprocess.run(
            [
                *pg.run_as,
                str(pg.bin / "pg_restore"),
                "-h",
                str(pg.dir),
                "-p",
                str(pg.port),
                "-U",
                "postgres",
                "-d",
                "restored",
                "--no-owner",
                str(dump),
            ],
            check=True,
        )
        took = time.monotonic() - began
        before, after = _checksums(pg, "postgres"), _checksums(pg, "restored")
        differing = [t for t in before if before[t] != after.get(t)]
        rows = sum(c for c, _d in before.values())
        triggers = pg.sql("SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal", "restored")[0][
            0
        ]
        ok = not differing and before.keys() == after.keys()
        return ok, (
            f"tables={len(before)} rows={rows} differing={len(differing)} {differing[:3]} "
            f"dump_size={dump.stat().st_size // 1024}KB dump+restore={took:.1f}s "
            f"triggers_restored={triggers}"
        )
    finally:
        app.stop()
        pg.stop()


# --- R12: deadline-day spike ----------------------------------------------------------------


def r12_spike(short: bool) -> Result:
    """70% page and API reads, 20% API writes, 10% XLSX exports, from 8 simulated users."""
    pg = Postgres()
    app = App(pg.url())
    try:
        prep = app.prepare()
        app.start_web(workers=5)  # (2 × cores) + 1 on the 2-core machine
        seconds = 10 if short else 30
        latencies: dict[str, list[float]] = {"read": [], "write": [], "export": []}
        errors: Counter = Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + seconds
        counter = iter(range(10**9))
        reads = [
            "/to-chuc/",
            "/ke-hoach/",
            "/theo-doi/",
            "/nhat-ky/",
            "/api/v1/units/?depth=2",
            f"/api/v1/units/?under={prep['parent']}",
            "/kiem-diem/",
        ]

        def user(n: int) -> None:
            import random

            rng = random.Random(n)
            session = app.login(check=False)
            api = requests.Session()
            api.headers["Authorization"] = f"Token {prep['token']}"
            sent = 0
            while time.monotonic() < deadline and sent < 2000:
                sent += 1
                roll = rng.random()
                began = time.monotonic()
                try:
                    if roll < 0.7:
                        kind = "read"
                        url = rng.choice(reads)
                        response = (api if url.startswith("/api/") else session).get(
                            app.base + url, timeout=30
                        )
                    elif roll < 0.9:
                        kind = "write"
                        code = f"R12-{next(counter)}"
                        response = api.post(
                            app.base + "/api/v1/units/",
                            timeout=30,
                            json={
                                "code": code,
                                "name": f"Chi bộ {code}",
                                "kind": "subordinate_cell",
                                "parent": prep["parent"],
                            },
                        )
                    else:
                        kind = "export"
                        response = session.get(
                            app.base + "/nhap-xuat/xuat/",
                            timeout=60,
                            params={"unit": prep["parent_code"], "format": "xlsx"},
                        )
                    status = response.status_code
                except requests.RequestException:
                    kind, status = kind, 0
                took = time.monotonic() - began
                with lock:
                    latencies[kind].append(took)
                    if status >= 400 or status == 0:
                        errors[(kind, status)] += 1

        threads = [threading.Thread(target=user, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        total = sum(len(v) for v in latencies.values())
        failed = sum(errors.values())

        def p95(values: list[float]) -> str:
            if not values:
                return "-"
            ordered = sorted(values)
            return f"{ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f}ms"

        every = [x for v in latencies.values() for x in v]
        rate = failed / total if total else 1
        ok = total > 0 and rate < 0.01
        return ok, (
            f"requests={total} in {seconds}s ({total / seconds:.0f}/s) users=8 web_workers=5 "
            f"p95: all={p95(every)} read={p95(latencies['read'])} write={p95(latencies['write'])} "
            f"export={p95(latencies['export'])} error_rate={rate:.2%} errors={dict(errors) or 0}"
        )
    finally:
        app.stop()
        pg.stop()


# --- R13: check --deploy --------------------------------------------------------------------


def r13_check_deploy(short: bool) -> Result:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIEMDIEM_")
        and k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        KIEMDIEM_ENV="production",
        KIEMDIEM_SECRET_KEY=secrets.token_urlsafe(60),
        KIEMDIEM_VAR_DIR=tempfile.mkdtemp(prefix="kiemdiem-rel-deploy."),
    )
    done = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    text = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, f"exit={done.returncode} {text[-1] if text else ''}"


# --- R14/R15: the scale-out path (issue 17): a streaming replica, PgBouncer ----------------

_CAMPAIGN_IDS = (
    "from kiemdiem.dashboard import summaries\n"
    "from kiemdiem.dashboard.models import CycleSummary\n"
    "from kiemdiem.reviews.models import ReviewCycle\n"
    "summaries.merge_all()\n"
    "c = ReviewCycle.objects.order_by('-pk').first()\n"
    "s = CycleSummary.objects.filter(cycle=c, unit__parent=c.scope_unit).order_by('unit').first()\n"
    "print(c.pk, c.scope_unit_id, s.unit_id)"
)


def _campaign(app: App) -> tuple[str, int, int]:
    """The demo campaign's dashboard URL, its scope unit and one child shown on it."""
    app.manage("seed_campaign", "--if-absent")
    cycle, scope, child = (int(x) for x in app.shell(_CAMPAIGN_IDS).split()[-3:])
    return f"/theo-doi/dot/{cycle}/don-vi/{scope}/", scope, child


def _export(app: App, session: requests.Session, cycle_url: str, unit: int) -> int:
    cycle = int(cycle_url.split("/")[3])
    return session.post(
        app.base + "/xuat/tao/",
        timeout=60,
        data={
            "kind": "dashboard.metric-rows",
            "next": "/",
            "p_cycle": cycle,
            "p_unit": unit,
            "p_metric": "plans_expected",
            "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
        },
        headers={"Referer": app.base + cycle_url},
    ).status_code


def _lag_ms(pg: Postgres, standby: Postgres, rounds: int) -> list[float]:
    """Time from a committed INSERT on the primary to the row being visible on the standby."""
    import psycopg

    pg.sql("CREATE TABLE kiemdiem_lag_probe (n integer PRIMARY KEY)")
    lags = []
    with (
        psycopg.connect(pg.url(), autocommit=True) as primary,
        psycopg.connect(standby.url(), autocommit=True) as replica,
    ):
        deadline = time.monotonic() + 10
        while not replica.execute("SELECT to_regclass('kiemdiem_lag_probe')").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not receive the probe table within 10 s")
            time.sleep(0.01)
        for n in range(rounds):
            began = time.monotonic()
            primary.execute("INSERT INTO kiemdiem_lag_probe VALUES (%s)", [n])
            while not replica.execute(
                "SELECT 1 FROM kiemdiem_lag_probe WHERE n = %s", [n]
            ).fetchone():
                if time.monotonic() - began > 10:
                    raise RuntimeError("the standby did not catch up within 10 s")
            lags.append((time.monotonic() - began) * 1000)
    pg.sql("DROP TABLE kiemdiem_lag_probe")
    return sorted(lags)


def r14_replica(short: bool) -> Result:
    """A streaming standby on loopback; the app with DATABASE_REPLICA_URL: the dashboard reads
    from the standby (replay paused: a name changed on the primary is not on the page), a browser
    that just wrote (the login, an export) reads from the primary for the pin's seconds, writes
    never reach the standby (it is read-only: any would fail the request); when the standby
    stops, the dashboard and the exports read from the primary."""
    pin = 2
    pg = Postgres()
    app = App(pg.url())
    standby = None
    try:
        app.prepare()
        page, scope, child = _campaign(app)
        standby = Standby(pg)
        lags = _lag_ms(pg, standby, 20 if short else 100)
        app.env.update(DATABASE_REPLICA_URL=standby.url(), KIEMDIEM_REPLICA_PIN_SECONDS=str(pin))
        # the connection the router picks, asked directly
        recovery = app.shell(
            "from django.db import router\n"
            "from kiemdiem.core.db_router import reading, replica_reads\n"
            "from kiemdiem.dashboard.models import CycleSummary\n"
            "q = 'SELECT pg_is_in_recovery()'\n"
            "with replica_reads():\n"
            "    c = reading(CycleSummary).cursor(); c.execute(q); inside = c.fetchone()[0]\n"
            "    w = router.db_for_write(CycleSummary)\n"
            "c = reading(CycleSummary).cursor(); c.execute(q); outside = c.fetchone()[0]\n"
            "print(inside, outside, w)"
        ).split()[-3:]
        app.start_web(workers=2)
        renamed = "Đơn vị đổi tên trên máy chính"
        standby.sql("SELECT pg_wal_replay_pause()")
        pg.sql(f"UPDATE org_unit SET name = '{renamed}' WHERE id = {child}")

        def shows_new(session: requests.Session) -> bool:
            response = session.get(app.base + page, timeout=30)
            if response.status_code != 200:
                raise RuntimeError(f"dashboard answered {response.status_code}")
            return renamed in response.text

        steps = {}
        session = app.login()  # a POST: pinned
        steps["after-login:primary"] = shows_new(session)
        time.sleep(pin + 0.5)
        steps["pin-expired:replica"] = not shows_new(session)
        steps["export-200"] = _export(app, session, page, scope) == 200  # a write: pinned
        steps["after-export:primary"] = shows_new(session)
        time.sleep(pin + 0.5)
        steps["pin-expired-again:replica"] = not shows_new(session)
        standby.sql("SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not standby.sql(
            f"SELECT 1 FROM org_unit WHERE id = {child} AND name = '{renamed}'"
        ):
            time.sleep(0.05)
        steps["replay-resumed:replica-has-it"] = shows_new(session)
        steps["router:replica-in-recovery,primary-not,writes-default"] = recovery == [
            "True",
            "False",
            "default",
        ]
        steps["standby-still-read-only"] = standby.sql("SELECT pg_is_in_recovery()") == [(True,)]
        # the standby dies: dashboards and exports fall back to the primary
        time.sleep(pin + 0.5)
        standby.halt()
        steps["standby-down:dashboard-from-primary"] = shows_new(session) and shows_new(session)
        steps["standby-down:export-200"] = _export(app, session, page, scope) == 200
        ok = all(steps.values())
        failed = [name for name, good in steps.items() if not good]
        median = lags[len(lags) // 2]
        return ok, (
            f"basebackup={standby.copy_seconds:.1f}s standby-start={standby.start_seconds:.1f}s "
            f"lag-ms p50={median:.2f} max={lags[-1]:.2f} (n={len(lags)}) pin={pin}s "
            f"steps={len(steps) - len(failed)}/{len(steps)}"
            + (f" failed={','.join(failed)}" if failed else "")
        )
    finally:
        app.stop()
        if standby is not None:
            standby.stop()
        pg.stop()


def _page_load(app: App, pages: list[str], threads: int, each: int) -> Counter:
    """`threads` signed-in browsers, each opening the pages in turn `each` times."""
    statuses: Counter = Counter()
    lock = threading.Lock()

    def browse() -> None:
        try:
            session = app.login()
        except (RuntimeError, requests.RequestException):
            with lock:
                statuses["login-failed"] += 1
            return
        for n in range(each):
            try:
                status = session.get(app.base + pages[n % len(pages)], timeout=30).status_code
            except requests.RequestException:
                status = 0
            with lock:
                statuses[status] += 1

    workers = [threading.Thread(target=browse, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return statuses


_CURSORS = (
    "import threading\n"
    "from django.db import connection\n"
    "from kiemdiem.org.models import Person\n"
    "errors = []\n"
    "def read():\n"
    "    try:\n"
    "        for _ in range(3):\n"
    "            sum(1 for _p in Person.objects.all().iterator(chunk_size=20))\n"
    "    except Exception as exc:\n"
    "        errors.append(type(exc).__name__)\n"
    "    finally:\n"
    "        connection.close()\n"
    "threads = [threading.Thread(target=read) for _ in range(6)]\n"
    "[t.start() for t in threads]; [t.join() for t in threads]\n"
    "print(len(errors), ','.join(sorted(set(errors))) or '-')"
)


def r15_pgbouncer(short: bool) -> Result:
    """The app through PgBouncer in transaction mode (2 server connections for 3 web workers and
    6 browsers): with KIEMDIEM_DB_SERVER_SIDE_BINDING=0 every page answers, and with it on too
    (Django leaves psycopg's prepare_threshold unset: no named prepared statements, which a
    transaction pool cannot keep). What does break is a server-side cursor (QuerySet.iterator)
    outside a transaction: its FETCHes reach a server connection that never declared it. With
    the binding off those cursors are off as well (KIEMDIEM_DB_SERVER_SIDE_CURSORS follows it)."""
    missing = PgBouncer.missing()
    if missing:
        return True, f"bỏ qua: {missing}"
    pg = Postgres()
    app = App(pg.url())
    bouncer = None
    try:
        app.prepare()  # migrations straight to PostgreSQL, as an operator runs them
        page, _scope, _child = _campaign(app)
        bouncer = PgBouncer(pg, pool_size=2)
        pages = ["/", "/theo-doi/", page, "/ke-hoach/", "/nhat-ky/", "/kiem-diem/", "/xep-loai/"]
        each = 20 if short else 60
        total = 6 * each
        figures, ok = [], True
        for binding in ("0", "1"):
            app.env.update(DATABASE_URL=bouncer.url(), KIEMDIEM_DB_SERVER_SIDE_BINDING=binding)
            web = app.start_web(workers=3)
            began = time.monotonic()
            statuses = _page_load(app, pages, threads=6, each=each)
            seconds = time.monotonic() - began
            kill9_tree(web.pid)
            web.wait(timeout=10)
            good = statuses.get(200, 0)
            ok = ok and good == total
            figures.append(
                f"binding={binding}: {good}/{total} pages 200 ({total / seconds:.0f} req/s)"
                + ("" if good == total else f" {dict(statuses)}")
            )
        cursors, errors = {}, {}
        for flag in ("0", "1"):
            app.env.update(
                KIEMDIEM_DB_SERVER_SIDE_BINDING="1", KIEMDIEM_DB_SERVER_SIDE_CURSORS=flag
            )
            failed, kinds = app.shell(_CURSORS).split()[-2:]
            cursors[flag] = int(failed)
            errors[flag] = kinds
        ok = ok and cursors["0"] == 0
        figures.append(
            f"iterator() in 6 threads: server-side cursors off {cursors['0']}/6 failed, "
            f"on {cursors['1']}/6 failed ({errors['1']})"
        )
        return ok, "; ".join(figures)
    finally:
        app.stop()
        if bouncer is not None:
            bouncer.stop()
        pg.stop()


# --- scenarios reproduced by pytest tests ---------------------------------------------------


def pytest_scenario(node_ids: list[str], scale: str, postgres: bool = False) -> Result:
    env = {**os.environ, "KIEMDIEM_RELIABILITY": scale}
    command = [
        PYTHON,
        "-m",
        "pytest",
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "-s",
        "--strict-markers",
        *node_ids,
    ]
    pg = None
    if postgres:
        pg = Postgres()
        env["DATABASE_URL"] = pg.url()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3000
        )
    finally:
        if pg is not None:
            pg.stop()
    figures = re.findall(r"FIGURES (.*?)$", done.stdout, re.M)
    summary = re.findall(r"=+ (\d+ (?:passed|failed|error)[^=]*) =+", done.stdout)
    tail = summary[-1].strip() if summary else done.stdout.strip().splitlines()[-1:]
    return done.returncode == 0, f"{'; '.join(figures)} pytest: {tail}"
