"""W7: backup and restore through the documented procedure vs bare pg_dump + pg_restore.

On the province campaign of bench.dashboard (reused when it ran first), the same database is
backed up and restored twice in one run, each time end to end, into a new empty database:

- app: what README ("Backup") tells an office to do — `pg_dump -Fc <db> > file` as the owner,
  `CREATE DATABASE`, then `manage.py restore_backup file --app-role kiemdiem_app` run as an
  operator would (its own process, DATABASE_URL at the new database): pg_restore --no-owner
  -j 2, grant_app_role, the audit trail's hash chain verified on the copy;
- baseline: `pg_dump -Fc -f file <db>`, `CREATE DATABASE`, `pg_restore -d <new> file`.

Both sides run ROUNDS times (2), alternating, and the best time of each is reported.
Before timing, the audit rows are sealed (the worker does it every minute in production, so a
nightly dump holds a sealed chain). After each side, every table of the copy must hold as many
rows as the source's, or the run stops: a broken restore cannot pass.
Prints `BENCH W7-backup-restore app=… baseline=… ratio=… unit=s`. Target (issue 17): ≤ 2.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

from bench.dashboard import log, prepare, sig3
from kiemdiem.core.audit_chain import seal_pending
from kiemdiem.core.management.commands.restore_backup import libpq_env, pg_program

APP_ROLE = "kiemdiem_app"
ROOT = Path(__file__).resolve().parents[1]
COPIES = ("kd_bench_w7_app", "kd_bench_w7_base")
# Each side this many times, alternating; the best of each is reported (on a shared machine a
# neighbour's burst otherwise decides the ratio).
ROUNDS = int(os.environ.get("KIEMDIEM_BENCH_W7_ROUNDS", 2))


def _run(command: list[str], env: dict[str, str], **kwargs: Any) -> None:
    done = subprocess.run(command, env=env, check=False, **kwargs)
    if done.returncode:
        raise SystemExit(f"bench: {' '.join(command[:2])}… → mã {done.returncode}")


def _conninfo(database: str) -> str:
    settings = connection.settings_dict
    parts = {
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "dbname": database,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _admin(sql: str) -> None:
    """CREATE/DROP DATABASE or ROLE, outside any transaction."""
    with psycopg.connect(_conninfo(connection.settings_dict["NAME"]), autocommit=True) as conn:
        conn.execute(sql)


def _one(row: tuple[Any, ...] | None) -> int:
    assert row is not None
    return int(row[0])


def row_counts(database: str) -> dict[str, int]:
    with psycopg.connect(_conninfo(database)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            t: _one(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone())  # noqa: S608
            for t in tables
        }


def documented(source: str, target: str, dump: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    with dump.open("wb") as out:
        _run([pg_program("pg_dump"), "-Fc", source], env, stdout=out)
    _admin(f'CREATE DATABASE "{target}"')
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{target}"
    _run(
        [sys.executable, "manage.py", "restore_backup", str(dump), "--app-role", APP_ROLE],
        {**env, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def bare(source: str, target: str, dump: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    _run([pg_program("pg_dump"), "-Fc", "-f", str(dump), source], env)
    _admin(f'CREATE DATABASE "{target}"')
    _run([pg_program("pg_restore"), "-d", target, str(dump)], env)
    return time.perf_counter() - started


def run() -> str:
    if connection.vendor != "postgresql":
        raise SystemExit("bench: cần PostgreSQL (DATABASE_URL); hãy chạy `make bench`.")
    prepare()
    sealed = seal_pending()
    source = connection.settings_dict["NAME"]
    env = libpq_env()
    for name in COPIES:
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    before = row_counts(source)
    connection.close()  # nothing of the bench's own holds the source open during the dumps
    bases, apps = [], []
    for _round in range(ROUNDS):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                bases.append(bare(source, COPIES[1], Path(tmp) / "bare.dump", env))
                apps.append(documented(source, COPIES[0], Path(tmp) / "kiemdiem.dump", env))
                size = (Path(tmp) / "kiemdiem.dump").stat().st_size / 1048576
            for name in COPIES:
                after = row_counts(name)
                differing = [t for t in before if before[t] != after.get(t)]
                if differing or before.keys() != after.keys():
                    raise SystemExit(f"bench: bản khôi phục {name} thiếu: {differing[:5]}")
        finally:
            for name in COPIES:
                _admin(f'DROP DATABASE IF EXISTS "{name}"')
    base, app = min(bases), min(apps)
    times = f"baseline {' '.join(f'{b:.1f}' for b in bases)} s; app "
    log(f"W7: {times}{' '.join(f'{a:.1f}' for a in apps)} s")
    log(
        f"W7: {len(before)} tables, {sum(before.values())} rows, dump {size:.0f} MB, "
        f"{sealed} audit rows sealed first"
    )
    return (
        f"BENCH W7-backup-restore app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=s"
    )
