"""Import steps as queued tasks: claiming, a second delivery, resuming after a killed process
(for real, with SIGKILL)."""

import datetime
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import F
from django_q.models import OrmQ, Task

from kiemdiem.core.models import AuditEvent
from kiemdiem.core.tasks import run_queued
from kiemdiem.org.models import Unit
from kiemdiem.transfer import jobs, tasks
from kiemdiem.transfer.models import ImportJob
from kiemdiem.transfer.states import ImportStatus
from kiemdiem.transfer.tests.helpers import (
    MEMBERSHIP_HEADERS,
    PEOPLE_HEADERS,
    POSITION_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    dry_run,
    xlsx_bytes,
)

ROOT = Path(__file__).resolve().parents[3]


def _workbook() -> bytes:
    return xlsx_bytes(
        {
            "Đơn vị": [UNIT_HEADERS, ["CB38A1C", "Chi bộ Tổ Sử", "Chi bộ trực thuộc", "CS38A1"]],
            "Đảng viên": [PEOPLE_HEADERS, ["012345678", "Phạm Thị Mai", "", "", "", ""]],
            "Sinh hoạt đảng": [
                MEMBERSHIP_HEADERS,
                ["012345678", "CB38A1C", "", "01/07/2025", ""],
            ],
        }
    )


def _crashed(job: ImportJob, status: str) -> None:
    """What a worker killed in the middle leaves: the status it claimed, one more attempt."""
    ImportJob.objects.filter(pk=job.pk).update(status=status, attempts=F("attempts") + 1)


def test_running_job_whose_worker_died_is_run_again(org_tree, office):
    job = dry_run({"a.xlsx": _workbook()}, user=office)
    _crashed(job, ImportStatus.RUNNING)
    assert "Hoàn tất" in tasks.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.attempts == 3
    assert Unit.objects.get(code="CB38A1C").memberships.count() == 1


def test_a_second_delivery_of_a_finished_step_changes_nothing(org_tree, office):
    job = dry_run({"a.xlsx": _workbook()}, user=office)
    job = jobs.job_confirm(job, by=office)
    assert job.status == ImportStatus.DONE
    audit_rows = AuditEvent.objects.count()
    assert "không còn gì để ghi" in tasks.import_run(job.pk)
    assert "không còn gì để chạy thử" in tasks.import_check(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and AuditEvent.objects.count() == audit_rows
    assert Unit.objects.filter(code="CB38A1C").count() == 1


def test_interrupted_dry_run_is_checked_again(org_tree, office):
    job = dry_run({"a.xlsx": _workbook()}, user=office)
    ImportJob.objects.filter(pk=job.pk).update(counts={}, report={})
    _crashed(job, ImportStatus.CHECKING)
    tasks.import_check(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.counts["people"]["create"] == 1


def test_job_that_keeps_dying_is_given_up(org_tree, office, settings):
    settings.KIEMDIEM_IMPORT_MAX_ATTEMPTS = 2
    job = dry_run({"a.xlsx": _workbook()}, user=office)
    _crashed(job, ImportStatus.RUNNING)
    tasks.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "Đã thử 2 lần" in job.error
    assert not Unit.objects.filter(code="CB38A1C").exists()


def test_steps_wait_in_the_queue_until_a_worker_takes_them(org_tree, office):
    handles = [("a.xlsx", io.BytesIO(_workbook()))]
    job = jobs.job_submit(files=handles, by=office, eager=False)
    assert job.status == ImportStatus.UPLOADED and OrmQ.objects.count() == 1
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and OrmQ.objects.count() == 0
    job = jobs.job_confirm(job, by=office, eager=False)
    assert job.status == ImportStatus.QUEUED
    assert not Unit.objects.filter(code="CB38A1C").exists()
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    done = Task.objects.filter(func="kiemdiem.transfer.tasks.import_run").get()
    assert done.success and "Hoàn tất" in done.result


def test_real_run_rechecks_and_writes_nothing_if_the_data_changed(org_tree, office):
    from kiemdiem.org import services
    from kiemdiem.org.models import Position

    anh, huong = org_tree.members_a1[2], org_tree.members_a1[1]
    positions = [[anh.party_card_number, "CB38A1", "Bí thư", "01/09/2025", "", ""]]
    job = dry_run({"c.csv": csv_bytes([POSITION_HEADERS, *positions])}, user=office)
    assert job.changes == 1 and not job.rejected
    # Meanwhile someone else appoints another secretary of the same cell.
    services.position_add(
        person=huong,
        unit=org_tree.cell_a1,
        role="secretary",
        valid_from=datetime.date(2025, 8, 1),
        by=office,
    )
    job = jobs.job_confirm(job, by=office)
    assert job.status == ImportStatus.FAILED
    assert "Dữ liệu đã thay đổi từ lúc chạy thử" in job.error
    assert job.counts["positions"]["reject"] == 1
    assert "đã có Bí thư là Trần Thị Hương" in " ".join(job.report["rows"][0][4])
    assert not Position.objects.filter(person=anh).exists()


# --- kill -9 in the middle of the real run, then resume ------------------------------------


N_PEOPLE = 3000


def big_files(folder: Path) -> list[Path]:
    units = [
        ["TW", "Ban Chấp hành Trung ương", "central_committee", "", "", "", ""],
        ["TU38", "Đảng bộ tỉnh Thanh Hóa", "province", "TW", "38", "01/07/2025", ""],
        ["CS38", "Đảng bộ cơ sở", "grassroots_committee", "TU38", "", "", ""],
    ] + [[f"CB{i}", f"Chi bộ số {i}", "subordinate_cell", "CS38", "", "", ""] for i in range(20)]
    people = [[f"{80000000 + n}", f"Nguyễn Văn Số {n}", "", "", "", ""] for n in range(N_PEOPLE)]
    memberships = [
        [f"{80000000 + n}", f"CB{n % 20}", "", "01/07/2025", ""] for n in range(N_PEOPLE)
    ]
    paths = []
    for name, headers, rows in [
        ("don-vi.csv", UNIT_HEADERS, units),
        ("dang-vien.csv", PEOPLE_HEADERS, people),
        ("sinh-hoat-dang.csv", MEMBERSHIP_HEADERS, memberships),
    ]:
        path = folder / name
        path.write_bytes(csv_bytes([headers, *rows]))
        paths.append(path)
    return paths


@pytest.fixture
def scratch_database(tmp_path):
    """A database of its own for the subprocesses: a file SQLite, or a fresh PostgreSQL one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEMDIEM_")}
    env.update(
        DJANGO_SETTINGS_MODULE="kiemdiem.settings",
        KIEMDIEM_VAR_DIR=str(tmp_path),
        KIEMDIEM_MEDIA_ROOT=str(tmp_path / "media"),
        KIEMDIEM_IMPORT_BATCH="50",
        # A task not acknowledged within 2 s (its worker was killed) is delivered again.
        KIEMDIEM_TASK_TIMEOUT="1",
        KIEMDIEM_TASK_RETRY="2",
        KIEMDIEM_TASK_POLL_SECONDS="0",
    )
    env.pop("DATABASE_URL", None)
    if connection.vendor == "postgresql":
        import psycopg

        name = f"kiemdiem_kill_{uuid.uuid4().hex[:8]}"
        server = os.environ["DATABASE_URL"]
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + f"/{name}"

        def query(sql: str):
            with psycopg.connect(env["DATABASE_URL"]) as db:
                return db.execute(sql).fetchall()

        yield env, query
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    else:

        def query(sql: str):
            with sqlite3.connect(tmp_path / "kiemdiem.sqlite3") as db:
                return db.execute(sql).fetchall()

        yield env, query


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_import_killed_mid_write_leaves_nothing_and_resumes(scratch_database, tmp_path):
    env, query = scratch_database
    assert _manage(env, "migrate", "-v0").returncode == 0
    files = [str(p) for p in big_files(tmp_path)]
    process = subprocess.Popen(
        [sys.executable, "-u", "manage.py", "import_org", *files],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            match = re.search(r"Ghi đảng viên: (\d+)/", line)
            if match and int(match.group(1)) > 0:
                process.send_signal(signal.SIGKILL)  # no chance to clean up
                break
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    # The transaction died with the process: not one row of it is left.
    assert query("SELECT COUNT(*) FROM org_unit") == [(0,)]
    assert query("SELECT COUNT(*) FROM org_person") == [(0,)]
    assert query("SELECT COUNT(*) FROM core_auditevent WHERE object_type LIKE 'org.%'") == [(0,)]
    [(job_id, status)] = query("SELECT id, status FROM transfer_importjob")
    assert status == ImportStatus.RUNNING

    time.sleep(2.2)  # the dead run's task is due again after `retry` (2 s here)
    resumed = _manage(env, "import_org", "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Đã chạy 1 công việc" in resumed.stdout
    assert query(f"SELECT status FROM transfer_importjob WHERE id = {job_id}") == [("done",)]
    assert query("SELECT COUNT(*) FROM org_person") == [(N_PEOPLE,)]
    assert query("SELECT COUNT(*) FROM org_membership") == [(N_PEOPLE,)]
    audit = "SELECT COUNT(*) FROM core_auditevent WHERE object_type = 'org.person'"
    assert query(audit) == [(N_PEOPLE,)]
    paths = query("SELECT path, depth FROM org_unit WHERE code = 'CB7'")
    assert len(paths[0][0]) == 4 * 7 and paths[0][1] == 3

    again = _manage(env, "import_org", *files)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Không có gì thay đổi" in again.stdout
    assert query(audit) == [(N_PEOPLE,)]
    print(
        f"FIGURES R6 ({connection.vendor}) killed while writing: 0 rows left behind; resumed: "
        f"{N_PEOPLE} people, {N_PEOPLE} memberships, {N_PEOPLE} audit rows; run again: "
        "nothing changed, nothing duplicated"
    )


def test_oversized_files_are_refused_before_being_read_or_stored(
    org_tree, office, settings, tmp_path, monkeypatch
):
    import io

    from django.core.files.storage import default_storage
    from django.core.management import CommandError, call_command

    from kiemdiem.core.errors import DomainError

    settings.KIEMDIEM_IMPORT_MAX_BYTES = 2000
    settings.MEDIA_ROOT = str(tmp_path / "media")

    class Spy(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Spy.read_bytes += len(data)
            return data

    def no_store(*args, **kwargs):
        raise AssertionError("an oversized file was stored")

    monkeypatch.setattr(default_storage, "save", no_store)
    small, big = Spy(b"x" * 1500), Spy(b"y" * 1500)
    with pytest.raises(DomainError, match="Tệp quá lớn"):
        jobs.job_create(files=[("a.csv", small), ("b.csv", big)], by=office)
    assert Spy.read_bytes == 0

    path = tmp_path / "lon.csv"
    path.write_bytes(csv_bytes([PEOPLE_HEADERS]) + b"0" * 3000)
    with pytest.raises(CommandError, match="Tệp quá lớn"):
        call_command("import_org", str(path), user=office.username)
    assert not ImportJob.objects.exists()
    assert not (tmp_path / "media").exists()


def test_import_steps_pause_the_cycle_collector_and_turn_it_back_on(org_tree, office, monkeypatch):
    import gc

    seen = []
    real_plan = jobs.plan_import

    def plan_import(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_plan(*args, **kwargs)

    def apply_plan(*args, **kwargs):
        raise RuntimeError("đĩa đầy")

    monkeypatch.setattr(jobs, "plan_import", plan_import)
    monkeypatch.setattr(jobs, "apply_plan", apply_plan)
    job = dry_run({"a.xlsx": _workbook()}, user=office)
    assert job.status == ImportStatus.CHECKED and gc.isenabled()
    job = jobs.job_confirm(job, by=office)
    assert job.status == ImportStatus.FAILED and "đĩa đầy" in job.error
    assert seen == [False, False] and gc.isenabled()
    assert not Unit.objects.filter(code="CB38A1C").exists()
