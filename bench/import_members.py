"""Benchmark: importing 100,000 members (person + cell membership) through the app vs raw COPY.

Setup (not timed): a tree of its own under a new root (1 province, 20 communes, 500 cells),
created through the import itself, and two CSV files as a committee office would upload them:
100,000 people (card number, name, birth date, gender, admission and official dates) and their
100,000 official memberships spread over the 500 cells.

- app: what `manage.py import_org` and the web page do, end to end: store the files (SHA-256),
  the dry run (parse, normalize, check every row against the file and the database), then the
  real run (check again, write people and memberships in bulk in one transaction with one audit
  row per object, commit);
- baseline: the same rows read from the same CSV files with the csv module and written with
  PostgreSQL COPY, with nothing derived (no search text, sort key or audit), and committed like
  the app's run. The rows go to copies of org_person and org_membership in a scratch schema
  (`CREATE TABLE … (LIKE … INCLUDING ALL)`: the same columns, checks and indexes, and the same
  deferred foreign keys, to the scratch people and the real cells), so that the same card
  numbers can then be imported by the app; the schema is dropped at the end.

Both are reported in members per second (one member = one person row + one membership row).
Prints `BENCH W6-import-members app=… baseline=… ratio=… unit=rows/s`; progress goes to stderr.
"""

import csv
import datetime
import random
import sys
import tempfile
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from kiemdiem.core.permissions import SYSTEM
from kiemdiem.core.text import normalize_text
from kiemdiem.org.models import Membership, Person, Unit
from kiemdiem.transfer import jobs
from kiemdiem.transfer.columns import TABLES
from kiemdiem.transfer.states import ImportStatus

MEMBERS = 100_000
COMMUNES = 20
CELLS_PER_COMMUNE = 25
SEED = 1
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Xuân"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hương", "Khánh", "Lan", "Mai", "Nam", "Phúc", "Quế"]


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def sig3(value: float) -> str:
    return f"{float(f'{value:.3g}'):g}"


def _write_csv(path: Path, headers: list[str], rows) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)


def _import(paths: list[Path]):
    """The app's flow for files on disk: upload, dry run, confirm (real run in this process)."""
    handles = [(p.name, p.open("rb")) for p in paths]
    try:
        job = jobs.job_create(files=handles, by=SYSTEM)
    finally:
        for _name, handle in handles:
            handle.close()
    started = time.perf_counter()
    job = jobs.job_start_check(job)
    checked = time.perf_counter()
    if job.rejected:
        raise SystemExit(f"bench: nhập bị từ chối: {job.report.get('problems')} {job.counts}")
    job = jobs.job_start_run(job, by=SYSTEM)
    if job.status != ImportStatus.DONE:
        raise SystemExit(f"bench: nhập không thành công: {job.error}")
    log(f"dry run {checked - started:.1f} s, real run {time.perf_counter() - checked:.1f} s")
    return job


def make_files(folder: Path, tag: str) -> tuple[list[Path], list[Path], list[str]]:
    rng = random.Random(SEED)
    root = f"BENCH{tag}"
    units = [[root, "Đảng bộ thử nghiệm hiệu năng", "central_level_committee", "", "", "", ""]]
    units.append([f"{root}P", "Đảng bộ tỉnh thử nghiệm", "province", root, "", "", ""])
    cells = []
    for c in range(COMMUNES):
        commune = f"{root}X{c:02d}"
        units.append([commune, f"Đảng bộ xã thử {c}", "commune", f"{root}P", "", "", ""])
        for k in range(CELLS_PER_COMMUNE):
            cell = f"{commune}C{k:02d}"
            units.append([cell, f"Chi bộ thôn {k} xã {c}", "grassroots_cell", commune, "", "", ""])
            cells.append(cell)
    unit_file = folder / "don-vi.csv"
    _write_csv(unit_file, TABLES["units"].headers, units)

    people, memberships = [], []
    for n in range(MEMBERS):
        card = f"{tag}{n:06d}"
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 50 * 365))
        admitted = birth + datetime.timedelta(days=rng.randrange(18 * 366, 30 * 366))
        official = admitted + datetime.timedelta(days=365)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        gender = "Nữ" if "Thị" in name else "Nam"
        people.append(
            [
                card,
                name,
                birth.strftime("%d/%m/%Y"),
                gender,
                admitted.strftime("%d/%m/%Y"),
                official.strftime("%d/%m/%Y"),
            ]
        )
        start = max(admitted, datetime.date(2025, 7, 1))
        memberships.append([card, cells[n % len(cells)], "", start.strftime("%d/%m/%Y"), ""])
    people_file = folder / "dang-vien.csv"
    membership_file = folder / "sinh-hoat-dang.csv"
    _write_csv(people_file, TABLES["people"].headers, people)
    _write_csv(membership_file, TABLES["memberships"].headers, memberships)
    return [unit_file], [people_file, membership_file], cells


def _date(value: str) -> str | None:
    """dd/mm/yyyy → ISO text, which COPY reads as a date (no date objects: the leanest path)."""
    if not value:
        return None
    day, month, year = value.split("/")
    return f"{year}-{month}-{day}"


SCRATCH = "kd_bench_baseline"


def _scratch_tables() -> tuple[str, str]:
    """Empty copies of the person and membership tables in a scratch schema (committed)."""
    person_table = Person._meta.db_table
    membership_table = Membership._meta.db_table
    unit_table = Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCRATCH}")
        for table in (person_table, membership_table):
            cursor.execute(f"CREATE TABLE {SCRATCH}.{table} (LIKE {table} INCLUDING ALL)")
        cursor.execute(
            f"ALTER TABLE {SCRATCH}.{membership_table} "
            f"ADD FOREIGN KEY (person_id) REFERENCES {SCRATCH}.{person_table} (id) "
            "DEFERRABLE INITIALLY DEFERRED, "
            f"ADD FOREIGN KEY (unit_id) REFERENCES {unit_table} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
    return f"{SCRATCH}.{person_table}", f"{SCRATCH}.{membership_table}"


def baseline(people_file: Path, membership_file: Path, cell_ids: dict[str, int]) -> float:
    """Seconds to COPY the same people and memberships and commit (into the scratch tables)."""
    now = timezone.now().isoformat()
    gender = {"Nam": "male", "Nữ": "female", "": ""}
    person_table, membership_table = _scratch_tables()
    next_person = next_membership = 1
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        ids: dict[str, int] = {}
        with people_file.open(encoding="utf-8-sig", newline="") as source:
            reader = csv.reader(source)
            next(reader)
            columns = (
                "id, created_at, updated_at, version, party_card_number, full_name, "
                "birth_date, gender, admission_date, official_date, search_text, sort_key"
            )
            with cursor.cursor.copy(f"COPY {person_table} ({columns}) FROM STDIN") as copy:
                for card, name, birth, sex, admitted, official in reader:
                    ids[card] = next_person
                    copy.write_row(
                        (next_person, now, now, 1, card, normalize_text(name), _date(birth))
                        + (gender[sex], _date(admitted), _date(official), "", "")
                    )
                    next_person += 1
        with membership_file.open(encoding="utf-8-sig", newline="") as source:
            reader = csv.reader(source)
            next(reader)
            columns = (
                "id, created_at, updated_at, version, person_id, unit_id, kind, valid_from, "
                "valid_to"
            )
            with cursor.cursor.copy(f"COPY {membership_table} ({columns}) FROM STDIN") as copy:
                for card, cell, _kind, start, end in reader:
                    copy.write_row(
                        (next_membership, now, now, 1, ids[card], cell_ids[cell])
                        + ("official", _date(start), _date(end))
                    )
                    next_membership += 1
    elapsed = time.perf_counter() - started  # the commit included, as in the app's run
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {membership_table}")  # noqa: S608
        copied = cursor.fetchone()[0]
    if copied != MEMBERS:
        raise SystemExit(f"bench: baseline {copied} sinh hoạt, cần {MEMBERS}")
    return elapsed


def drop_scratch() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")


def run() -> str:
    if connection.vendor != "postgresql":
        raise SystemExit("bench: cần PostgreSQL (DATABASE_URL); hãy chạy `make bench`.")
    call_command("migrate", verbosity=0, interactive=False)
    tag = f"{int(time.time()) % 100_000:05d}"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        unit_files, member_files, cells = make_files(Path(tmp), tag)
        size = sum(p.stat().st_size for p in member_files) / 1048576
        log(f"files: {MEMBERS} members, {size:.1f} MB CSV, {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        _import(unit_files)
        cell_ids = dict(Unit.objects.filter(code__in=cells).values_list("code", "id"))
        log(f"tree: {len(cell_ids)} cells imported, {time.perf_counter() - started:.1f} s")

        try:
            base_seconds = baseline(member_files[0], member_files[1], cell_ids)
        finally:
            drop_scratch()
        log(f"baseline COPY + commit: {base_seconds:.2f} s")

        started = time.perf_counter()
        job = _import(member_files)
        app_seconds = time.perf_counter() - started
        log(f"app import: {app_seconds:.1f} s, {jobs.summary(job)}")
    # Counted through the new cells, not by the card-number prefix: the province demo loaded by
    # the dashboard bench in the same database has random card numbers that may share it.
    created = Person.objects.filter(memberships__unit_id__in=cell_ids.values()).distinct().count()
    linked = Membership.objects.filter(unit_id__in=cell_ids.values()).count()
    if created != MEMBERS or linked != MEMBERS:
        raise SystemExit(f"bench: {created} đảng viên, {linked} sinh hoạt, cần {MEMBERS}")
    app, base = MEMBERS / app_seconds, MEMBERS / base_seconds
    return (
        f"BENCH W6-import-members app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=rows/s"
    )
