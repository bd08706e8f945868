"""Processes the scenarios start and kill: a PostgreSQL server of their own, the app under
gunicorn, the task worker, and a bounded load on 127.0.0.1. Nothing here talks to any other
address, and every loop stops after a fixed number of requests or seconds."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
HOST = "127.0.0.1"
PASSWORD = "Mat-khau-kiem-thu-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (read from /proc), deepest last."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill9_tree(pid: int) -> int:
    """SIGKILL a process we started and all its descendants; returns how many were killed."""
    victims = [pid, *children(pid)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return len(victims)


class Postgres:
    """A PostgreSQL server in a temporary folder, durable settings (fsync and synchronous_commit
    on, unlike the test suite's throwaway one): what a kill -9 must not lose, it must keep."""

    def __init__(self) -> None:
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="kiemdiem-rel-pg."))
        self.port = free_port()
        self.run_as: list[str] = []
        if os.getuid() == 0:
            if subprocess.run(["id", "kiemdiem-pg"], capture_output=True).returncode:
                subprocess.run(
                    ["useradd", "--system", "--no-create-home", "kiemdiem-pg"], check=True
                )
            shutil.chown(self.dir, "kiemdiem-pg")
            self.run_as = ["runuser", "-u", "kiemdiem-pg", "--"]
        self._pg(
            "initdb",
            "-D",
            str(self.dir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bin / tool), *args], check=True, capture_output=True)

    def start(self) -> float:
        began = time.monotonic()
        self._pg(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses={HOST}",
            "start",
        )
        return time.monotonic() - began

    def url(self, db: str = "postgres", user: str = "postgres") -> str:
        return f"postgres://{user}@{HOST}:{self.port}/{db}"

    def postmaster(self) -> int:
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def kill9(self) -> int:
        return kill9_tree(self.postmaster())

    def sql(self, query: str, db: str = "postgres", user: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(db, user), autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []

    def halt(self) -> None:
        """Stop the server at once (pg_ctl -m immediate), keeping its folder."""
        self._pg("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.halt()
        shutil.rmtree(self.dir, ignore_errors=True)


class Standby(Postgres):
    """A streaming replica of `primary`: pg_basebackup -R as a replication role, then a hot
    standby on its own port (wal_level=replica and the loopback replication line of pg_hba are
    initdb's defaults in PostgreSQL 15)."""

    def __init__(self, primary: Postgres, role: str = "replicator") -> None:
        primary.sql(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} WITH REPLICATION LOGIN; END IF; END $$"
        )
        self.bin, self.run_as = primary.bin, primary.run_as
        self.dir = Path(tempfile.mkdtemp(prefix="kiemdiem-rel-standby."))
        self.port = free_port()
        if self.run_as:
            shutil.chown(self.dir, "kiemdiem-pg")
        began = time.monotonic()
        self._pg(
            "pg_basebackup",
            "-h",
            HOST,
            "-p",
            str(primary.port),
            "-U",
            role,
            "-D",
            str(self.dir / "data"),
            "-R",  # standby.signal + primary_conninfo: a streaming replica
            "-X",
            "stream",
            "-c",
            "fast",
        )
        self.copy_seconds = time.monotonic() - began
        self.start_seconds = self.start()


class PgBouncer:
    """PgBouncer (Debian package pgbouncer) in front of `pg`, transaction pooling, few server
    connections, so that clients take turns on them. None of it runs without the binary."""

    BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

    @classmethod
    def missing(cls) -> str:
        if not os.access(cls.BINARY, os.X_OK):
            return "không có pgbouncer (gói Debian: apt-get install -y pgbouncer)"
        return ""

    def __init__(self, pg: Postgres, pool_size: int = 2) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kiemdiem-rel-pgbouncer."))
        self.port = free_port()
        ini = self.dir / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"postgres = host={HOST} port={pg.port} dbname=postgres user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = {HOST}\nlisten_port = {self.port}\nunix_socket_dir =\n"
            "auth_type = any\npool_mode = transaction\n"
            f"default_pool_size = {pool_size}\nmax_client_conn = 200\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        run_as = []
        if os.getuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(self.dir, "kiemdiem-pg")
            shutil.chown(ini, "kiemdiem-pg")
            run_as = ["runuser", "-u", "kiemdiem-pg", "--"]
        self.process = subprocess.Popen(
            [*run_as, self.BINARY, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return
            time.sleep(0.1)
        raise RuntimeError("pgbouncer did not start")

    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/postgres"

    def stop(self) -> None:
        kill9_tree(self.process.pid)
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class App:
    """The project run as in production (DEBUG off), on one database, in its own folders."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.var = Path(tempfile.mkdtemp(prefix="kiemdiem-rel-app."))
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KIEMDIEM_")}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.update(
            DATABASE_URL=database_url,
            KIEMDIEM_VAR_DIR=str(self.var),
            KIEMDIEM_MEDIA_ROOT=str(self.var / "media"),
            KIEMDIEM_DEBUG="0",
            KIEMDIEM_ALLOWED_HOSTS=HOST,
            KIEMDIEM_API_RATE="1000000/hour",
            KIEMDIEM_LOG_LEVEL="ERROR",
            KIEMDIEM_ACCESS_LOG="",
            KIEMDIEM_BIND=f"{HOST}:{self.port}",
            **env,
        )
        self.processes: list[subprocess.Popen] = []
        self.base = f"http://{HOST}:{self.port}"

    def manage(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-v0", "-c", code).strip()

    def prepare(self, scale: str = "small") -> dict:
        """Migrate, load the demo data, and make an administrator with an API token."""
        self.manage("migrate", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")  # DEBUG off: hashed names needed
        self.manage("seed_demo", "--scale", scale, "--seed", "1")
        out = self.shell(
            "from django.contrib.auth import get_user_model\n"
            "from kiemdiem.api.services import token_create\n"
            "from kiemdiem.org.models import Unit\n"
            f"u = get_user_model().objects.create_superuser('kiemthu', password='{PASSWORD}')\n"
            "_t, key = token_create(user=u, name='reliability')\n"
            "p = Unit.objects.filter(kind='grassroots_committee').order_by('pk').first()\n"
            "print(key, p.pk, p.code)"
        )
        key, parent, code = out.split()[-3:]
        return {"token": key, "parent": int(parent), "parent_code": code}

    def login(self, check: bool = True) -> requests.Session:
        """A browser signed in as the administrator `prepare()` made (`check`: raise unless the
        login redirects, i.e. succeeded)."""
        session = requests.Session()
        session.get(self.base + "/dang-nhap/", timeout=10)
        response = session.post(
            self.base + "/dang-nhap/",
            timeout=10,
            data={
                "username": "kiemthu",
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
            },
            headers={"Referer": self.base + "/dang-nhap/"},
            allow_redirects=False,
        )
        if check and response.status_code != 302:
            raise RuntimeError(f"login answered {response.status_code}")
        return session

    def start_web(self, workers: int = 2) -> subprocess.Popen:
        env = {**self.env, "KIEMDIEM_WEB_WORKERS": str(workers)}
        log = open(self.var / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [GUNICORN, "kiemdiem.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/dang-nhap/", timeout=2).status_code == 200:
                    return process
            time.sleep(0.2)
        raise RuntimeError(
            "gunicorn did not start: " + (self.var / "gunicorn.log").read_text()[-2000:]
        )

    def start_worker(self, **env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [PYTHON, "manage.py", "worker"],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                kill9_tree(process.pid)
                process.wait(timeout=10)
        shutil.rmtree(self.var, ignore_errors=True)


class WriteLoad:
    """Threads creating units through the API, each with a unique code: a 201 is an
    acknowledged write that must be in the database afterwards, whatever was killed."""

    def __init__(
        self, app: App, prep: dict, prefix: str, threads: int = 4, max_requests: int = 4000
    ) -> None:
        self.app, self.prep, self.prefix = app, prep, prefix
        self.threads, self.max_requests = threads, max_requests
        self.acked: set[str] = set()
        self.statuses: Counter = Counter()
        self.timeline: list[tuple[float, int]] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.sent = 0
        self.workers: list[threading.Thread] = []

    def _next(self) -> int | None:
        with self.lock:
            if self.sent >= self.max_requests:
                return None
            self.sent += 1
            return self.sent

    def _run(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.prep['token']}"
        while not self.stop_event.is_set():
            n = self._next()
            if n is None:
                return
            code = f"{self.prefix}{n}"
            body = {
                "code": code,
                "name": f"Chi bộ kiểm thử {n}",
                "kind": "subordinate_cell",
                "parent": self.prep["parent"],
            }
            try:
                status = session.post(
                    self.app.base + "/api/v1/units/", json=body, timeout=15
                ).status_code
            except requests.RequestException:
                status = 0  # connection refused or reset: not acknowledged
                time.sleep(0.05)
            with self.lock:
                self.statuses[status] += 1
                self.timeline.append((time.monotonic(), status))
                if status == 201:
                    self.acked.add(code)
            if status not in (201, 0):
                time.sleep(0.02)

    def start(self) -> "WriteLoad":
        self.workers = [
            threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)
        ]
        for worker in self.workers:
            worker.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for worker in self.workers:
            worker.join(timeout=30)

    def since(self, moment: float) -> Counter:
        with self.lock:
            return Counter(status for at, status in self.timeline if at >= moment)

    def first_ok_after(self, moment: float) -> float | None:
        with self.lock:
            times = [at for at, status in self.timeline if at >= moment and status == 201]
        return min(times) - moment if times else None
