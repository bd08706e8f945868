"""W5: the write path of a progress report vs a single-row UPDATE, at the same concurrency.

On the province campaign of bench.dashboard (reused when it ran first), CONCURRENCY worker
processes (each with its own database connection) write for SECONDS each side, every worker on
its own plan items (no two workers touch the same row):

- app: what the progress page's POST does after parsing the form: load the item with its plan
  and unit, then `remediation.services.action_record_progress` as the provincial office
  ("vanphong") — permission check, lifecycle move with its version check, the progress row,
  the audit rows, the summary change record, the findings it affects — one transaction each;
- baseline: `UPDATE remediation_planaction SET percent = …, updated_at = now() WHERE id = …`,
  one statement in its own transaction (autocommit), on the same items.

Both in writes per second (all workers together). Target (issue 17): ratio ≥ 0.5.
Prints `BENCH W5-write-path app=… baseline=… ratio=… unit=writes/s`.
"""

import multiprocessing
import os
import time

from django.contrib.auth import get_user_model
from django.db import connection, connections

from bench.dashboard import OFFICE_USERNAME, log, prepare, sig3
from kiemdiem.remediation import services
from kiemdiem.remediation.models import PlanAction
from kiemdiem.remediation.permissions import can_report_progress
from kiemdiem.remediation.states import ITEM_OPEN, PLAN_TRACKABLE, ActionStatus

CONCURRENCY = int(os.environ.get("KIEMDIEM_BENCH_WRITERS", 4))
SECONDS = float(os.environ.get("KIEMDIEM_BENCH_WRITE_SECONDS", 5))
ITEMS_PER_WORKER = 50


def _loop(write, item_ids: list[int], seconds: float) -> float:
    """Writes per second of one worker: a warm-up write (connection, caches), then
    `seconds` of writes, cycling through its items."""
    write(item_ids[0], 0)
    done = 0
    started = time.perf_counter()
    stop_at = started + seconds
    while time.perf_counter() < stop_at:
        write(item_ids[done % len(item_ids)], done)
        done += 1
    rate = done / (time.perf_counter() - started)
    connections.close_all()
    return rate


def _app_worker(item_ids: list[int], seconds: float) -> float:
    connections.close_all()  # a connection of its own (never the parent's)
    office = get_user_model().objects.get(username=OFFICE_USERNAME)

    def write(pk: int, n: int) -> None:
        action = PlanAction.objects.select_related("plan__unit", "plan__cycle").get(pk=pk)
        services.action_record_progress(
            action=action,
            status=ActionStatus.IN_PROGRESS,
            percent=1 + n % 98,
            narrative="Đã triển khai thêm một phần nội dung khắc phục.",
            by=office,
            expected_version=action.version,
        )

    return _loop(write, item_ids, seconds)


def _update_worker(item_ids: list[int], seconds: float) -> float:
    connections.close_all()
    table = connection.ops.quote_name(PlanAction._meta.db_table)
    sql = f"UPDATE {table} SET percent = %s, updated_at = now() WHERE id = %s"
    with connection.cursor() as cursor:
        return _loop(lambda pk, n: cursor.execute(sql, [1 + n % 98, pk]), item_ids, seconds)


def _measure(worker, shares: list[list[int]]) -> float:
    """All workers' writes per second together (each worker times itself after a warm-up,
    so the forks' start is not counted)."""
    connections.close_all()  # forked children must not share the parent's socket
    context = multiprocessing.get_context("fork")
    with context.Pool(len(shares)) as pool:
        return sum(pool.starmap(worker, [(share, SECONDS) for share in shares]))


def run() -> str:
    _province, office, cycle = prepare()
    candidates = (
        PlanAction.objects.filter(
            plan__cycle=cycle, plan__status__in=PLAN_TRACKABLE, status__in=ITEM_OPEN
        )
        .select_related("plan__review", "plan__unit")
        .order_by("pk")[: CONCURRENCY * ITEMS_PER_WORKER * 2]
    )
    # A worker's items belong to its own plans: items of one plan share findings, which the
    # first report moves (two workers would then refuse each other's stale version).
    shares: list[list[int]] = [[] for _ in range(CONCURRENCY)]
    worker_of: dict[int, int] = {}
    for action in candidates:
        if can_report_progress(office, action):
            worker = worker_of.setdefault(action.plan_id, len(worker_of) % CONCURRENCY)
            shares[worker].append(action.pk)
    shares = [share[:ITEMS_PER_WORKER] for share in shares]
    if not all(shares):
        raise SystemExit("bench: không đủ nội dung khắc phục để báo cáo tiến độ")
    log(f"W5: {CONCURRENCY} writers × {SECONDS:g} s, {sum(map(len, shares))} items")
    app = _measure(_app_worker, shares)
    base = _measure(_update_worker, shares)
    return (
        f"BENCH W5-write-path app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=writes/s"
    )
