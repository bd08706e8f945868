"""Appending change records for the campaign summaries (SummaryDelta).

Lifecycle tables name the counters each arrow moves; `core.lifecycle` appends them here inside
the user's transaction, next to the audit row. That is the only dashboard write on a user's path:
updating every ancestor's summary row there would serialize all writers of a province on its top
rows. The dashboard app merges the records in the background and knows what each counter means;
it registers the counter names at start-up so that a misspelt one fails loudly here.

Also the pieces the summary keepers share (the campaign's CycleSummary, the classification's
RatingSummary, the members per unit): `chunks` for IN lists, `merge_until_done` for their
background merges, `rebuild_in_snapshot` for their rebuilds.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from django.db import OperationalError, connection, transaction

from kiemdiem.core.models import SummaryDelta

logger = logging.getLogger(__name__)

# Below SQLite's bound-parameter limit on old builds; plenty for PostgreSQL.
CHUNK = 900
T = TypeVar("T")
Item = TypeVar("Item")


def chunks(items: Sequence[Item], size: int = CHUNK) -> Iterator[Sequence[Item]]:
    """`items` in slices of at most `size` (IN lists, executemany batches)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def merge_until_done(
    merge_pending: Callable[[int], int], *, batch: int, max_batches: int | None = None
) -> int:
    """Call `merge_pending(batch)` (a summary keeper's: merges up to `batch` pending changes,
    returns how many) until a call finds fewer than `batch` (or `max_batches` calls were made);
    returns how many were merged in all."""
    total = batches = 0
    while max_batches is None or batches < max_batches:
        merged = merge_pending(batch)
        total += merged
        batches += 1
        if merged < batch:
            break
    return total


def rebuild_in_snapshot(once: Callable[[], T], *, attempts: int = 3, what: str = "") -> T:
    """Run `once` (a summaries' rebuild: recompute, delete the old rows and pending change
    records, insert) in one transaction that reads one snapshot.

    On PostgreSQL the transaction is REPEATABLE READ, so a change committed meanwhile is counted
    either in the recomputation or by its still-pending record, never both; a clash with a
    concurrent merge (could not serialize access) is retried up to `attempts` times. Inside an
    outer transaction the isolation cannot be set and nothing is retried. SQLite's write lock
    gives the same guarantee.
    """
    nested = connection.in_atomic_block
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql" and not nested:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                return once()
        except OperationalError:
            if nested or attempt == attempts:
                raise
            logger.info("%s xung đột với lượt tổng hợp, thử lại", what or "dựng lại số liệu")
    raise ValueError("attempts must be at least 1")


_KNOWN: set[str] = set()


def metrics_register(names: Iterable[str]) -> None:
    """Declare the counter names deltas may carry (the dashboard's metrics)."""
    _KNOWN.update(names)


def _check(names: Iterable[str]) -> None:
    unknown = set(names) - _KNOWN
    if _KNOWN and unknown:
        raise ValueError(f"unknown metrics: {sorted(unknown)}")


def deltas_append(*, cycle_id: int, unit_path: str, changes: Mapping[str, int]) -> None:
    """Record that counters of `unit_path` in `cycle_id` changed by the given amounts."""
    _check(changes)
    changes = {k: v for k, v in changes.items() if v}
    if changes:
        SummaryDelta.objects.create(cycle_id_ref=cycle_id, unit_path=unit_path, changes=changes)


def deltas_append_many(*, cycle_id: int, rows: Iterable[tuple[str, str, int]]) -> None:
    """Bulk form for set operations: (unit_path, metric, amount) rows, one record per unit."""
    per_unit: dict[str, Counter] = {}
    for unit_path, metric, amount in rows:
        per_unit.setdefault(unit_path, Counter())[metric] += amount
    _check({m for counter in per_unit.values() for m in counter})
    SummaryDelta.objects.bulk_create(
        [
            SummaryDelta(
                cycle_id_ref=cycle_id, unit_path=path, changes={k: v for k, v in c.items() if v}
            )
            for path, c in per_unit.items()
            if any(c.values())
        ],
        batch_size=2000,
    )


# Reading the summaries from the apps below the dashboard (the cycle page's counts, the plan
# list's count per cycle): the dashboard registers its reader at start-up. A reader takes
# {cycle id: unit paths (disjoint subtrees)} and returns {cycle id: the summed figures with
# "as_of", the oldest merge time among the rows}, leaving out cycles without any summary row.
SummaryReader = Callable[[Mapping[int, list[str]]], dict[int, dict]]
_reader: list[SummaryReader] = []


def reader_register(reader: SummaryReader) -> None:
    _reader[:] = [reader]


def summed(scopes: Mapping[int, list[str]]) -> dict[int, dict]:
    """The summed figures of each cycle's subtrees ({} without a reader: count the base rows)."""
    if not _reader or not scopes:
        return {}
    return _reader[0](scopes)
