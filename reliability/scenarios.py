"""R1–R13: each returns (ok, one line of figures). Live scenarios start their own processes on
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

from reliability.infra import PYTHON, ROOT, App, Postgres, WriteLoad, children, kill9_tree

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
            session = requests.Session()
            session.get(app.base + "/dang-nhap/", timeout=10)
            session.post(
                app.base + "/dang-nhap/",
                timeout=10,
                data={
                    "username": "kiemthu",
                    "password": "Mat-khau-kiem-thu-2026",
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
                },
                headers={"Referer": app.base + "/dang-nhap/"},
            )
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
