"""Keeping CycleSummary fresh: fold change records in, or recompute everything from base rows.

Lifecycle moves append SummaryDelta rows inside the user's transaction (core.summaries); that is
the only dashboard write on the user's path, because updating every ancestor's row there
serializes all writers of a province on its top rows. merge_pending() runs in the background
worker: it claims a batch of records, adds each change to the summary row of the unit and of every
ancestor inside
the cycle's scope, and deletes the batch, in one transaction. recompute() derives the same figures
from the base tables through selectors.FAMILIES; rebuild() replaces a cycle's rows with it.
"""

import logging
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from kiemdiem.core.bulk import Table, insert_rows
from kiemdiem.core.models import SummaryDelta
from kiemdiem.core.summaries import chunks, merge_until_done, rebuild_in_snapshot
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.selectors import FAMILIES
from kiemdiem.org.models import PATH_STEP, Unit, ancestor_paths, path_depth
from kiemdiem.reviews.models import ReviewCycle

logger = logging.getLogger(__name__)

Cells = dict[tuple[int, str], Counter]


_COLUMNS = ("cycle_id", "unit_id", "unit_path", "depth", "updated_at", *METRIC_NAMES)


def _upsert_sql() -> str:
    """INSERT … ON CONFLICT DO UPDATE adding to the stored figures (same SQL on both databases).

    Adding in the statement, not in Python, keeps two workers that touch the same ancestor row
    correct: the second one waits for the first one's row lock and adds to its result.
    """
    q = connection.ops.quote_name
    table = q(CycleSummary._meta.db_table)
    columns = _COLUMNS
    added = ", ".join(f"{q(m)} = {table}.{q(m)} + excluded.{q(m)}" for m in METRIC_NAMES)
    return (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({q('cycle_id')}, {q('unit_id')}) DO UPDATE SET {added}, "
        f"{q('updated_at')} = excluded.{q('updated_at')}, "
        f"{q('unit_path')} = excluded.{q('unit_path')}, {q('depth')} = excluded.{q('depth')}"
    )


def _add_to_summaries(cells: Cells) -> int:
    """Add each (cycle, path) counter to its summary row, creating missing rows."""
    ids = Unit.objects.ids_by_path(path for _cycle, path in cells)
    missing = {path for _cycle, path in cells if path not in ids}
    if missing:
        # A unit moved or was removed since the change was recorded: rebuild_summaries fixes it.
        logger.warning(
            "merge_summaries: %d đơn vị không còn đường dẫn cũ: %s", len(missing), missing
        )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            cycle_id,
            ids[path],
            path,
            path_depth(path),
            now,
            *(int(counter.get(m, 0)) for m in METRIC_NAMES),
        )
        for (cycle_id, path), counter in cells.items()
        if path in ids
    ]
    # One order for every worker, so two merges never wait on each other's rows in a cycle.
    rows.sort(key=lambda row: (row[0], row[1]))
    sql = _upsert_sql()
    with connection.cursor() as cursor:
        for chunk in chunks(rows, 2000):
            cursor.executemany(sql, chunk)
    return len(rows)


def merge_pending(*, batch: int = 5000) -> int:
    """Fold up to `batch` change records into the summaries; returns how many were merged.

    Claims the oldest records with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so several
    workers can run at once; SQLite (one writer at a time anyway) runs one worker.
    """
    with transaction.atomic():
        claim = SummaryDelta.objects.order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            claim = claim.select_for_update(skip_locked=True)
        records = list(claim.values_list("pk", "cycle_id_ref", "unit_path", "changes")[:batch])
        if not records:
            return 0
        scopes = dict(
            ReviewCycle.objects.filter(pk__in={r[1] for r in records}).values_list(
                "pk", "scope_unit__path"
            )
        )
        cells: Cells = defaultdict(Counter)
        for _pk, cycle_id, path, changes in records:
            floor = scopes.get(cycle_id)
            if floor is None or not path.startswith(floor):
                logger.warning(
                    "merge_summaries: bỏ qua thay đổi ngoài phạm vi đợt %s: %s", cycle_id, path
                )
                continue
            changes = {m: v for m, v in changes.items() if m in METRIC_NAMES}
            for ancestor in ancestor_paths(path, floor):
                cells[(cycle_id, ancestor)].update(changes)
        _add_to_summaries(cells)
        for chunk in chunks([r[0] for r in records]):
            SummaryDelta.objects.filter(pk__in=chunk).delete()
    return len(records)


def merge_all(*, batch: int = 5000, max_batches: int | None = None) -> int:
    """Merge batches until nothing is pending (or `max_batches` were merged); returns the count."""
    return merge_until_done(lambda n: merge_pending(batch=n), batch=batch, max_batches=max_batches)


def recompute(cycle: ReviewCycle) -> dict[str, dict[str, int]]:
    """Every metric of every unit with activity in the cycle, from the base tables.

    One grouped query per family of selectors.FAMILIES, grouped by the owning unit's path, then
    rolled up to every ancestor inside the cycle's scope in Python. Units without any row in the
    cycle are absent (their figures are all zero).
    """
    floor = cycle.scope_unit.path
    index = {metric: i for i, metric in enumerate(METRIC_NAMES)}
    own: dict[str, list[int]] = {}  # each unit's own rows, then its subtree's
    for family in FAMILIES:
        path_field = f"{family.unit}__path"
        counts = {
            metric: Count("pk", filter=condition) if condition is not None else Count("pk")
            for metric, condition in family.metrics.items()
        }
        grouped = (
            family.model.objects.filter(**{family.cycle: cycle})
            .order_by()
            .values(path_field)
            .annotate(**counts)
        )
        columns = [(metric, index[metric]) for metric in family.metrics]
        for row in grouped:
            values = own.setdefault(row[path_field], [0] * len(METRIC_NAMES))
            for metric, i in columns:
                values[i] += row[metric]
    # Rolled up bottom-up: each unit's subtree totals added to its parent once (adding every
    # row to each of its ancestors cost ~0.6 s on a province).
    for path in [*own]:
        for ancestor in ancestor_paths(path, floor)[:-1]:
            own.setdefault(ancestor, [0] * len(METRIC_NAMES))
    start = max(len(floor), PATH_STEP)
    for path in sorted(own, key=len, reverse=True):
        if len(path) > start:
            parent = own[path[: len(path) - PATH_STEP]]
            for i, value in enumerate(own[path]):
                parent[i] += value
    return {
        path: dict(zip(METRIC_NAMES, map(int, values), strict=True))
        for path, values in own.items()
        if len(path) >= start  # (a unit above the scope has no row, as ancestor_paths says)
    }


def _rebuild_once(cycle: ReviewCycle) -> int:
    figures = recompute(cycle)
    # Change records of this snapshot are already in `figures`; later ones are not visible here
    # (repeatable read on PostgreSQL, the write lock on SQLite) and stay to be merged.
    SummaryDelta.objects.filter(cycle_id_ref=cycle.pk).delete()
    CycleSummary.objects.filter(cycle=cycle).delete()
    ids = Unit.objects.ids_by_path(figures)
    # core.bulk's plain INSERT (COPY on PostgreSQL): bulk_create prepared each of the ~220k
    # values of a province's ~9,500 rows through its field (~2 s of the rebuild's ~4 s)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_rows(
        connection,
        Table.columns_only(CycleSummary._meta.db_table, list(_COLUMNS)),
        (
            (cycle.pk, ids[path], path, path_depth(path), now, *(values[m] for m in METRIC_NAMES))
            for path, values in figures.items()
            if path in ids
        ),
    )
    return len(figures)


def rebuild(cycle: ReviewCycle, *, attempts: int = 3) -> int:
    """Replace the cycle's summaries by recompute() and drop its pending records, atomically,
    in one snapshot (core.summaries.rebuild_in_snapshot). Returns the number of summary rows."""
    return rebuild_in_snapshot(
        lambda: _rebuild_once(cycle),
        attempts=attempts,
        what=f"rebuild_summaries: đợt {cycle.pk}",
    )
