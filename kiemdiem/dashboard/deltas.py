"""Appending change records: the only write the user's transaction makes for the dashboard."""

from collections import Counter
from collections.abc import Iterable

from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import SummaryDelta


def emit(*, cycle_id: int, unit_path: str, **changes: int) -> None:
    """Record that metrics of `unit_path` in `cycle_id` changed by the given amounts."""
    unknown = set(changes) - set(METRIC_NAMES)
    if unknown:
        raise ValueError(f"unknown metrics: {sorted(unknown)}")
    changes = {k: v for k, v in changes.items() if v}
    if changes:
        SummaryDelta.objects.create(cycle_id_ref=cycle_id, unit_path=unit_path, changes=changes)


def emit_many(*, cycle_id: int, rows: Iterable[tuple[str, str, int]]) -> None:
    """Bulk form for set operations: (unit_path, metric, amount) rows, grouped per unit."""
    per_unit: dict[str, Counter] = {}
    for unit_path, metric, amount in rows:
        if metric not in METRIC_NAMES:
            raise ValueError(f"unknown metric: {metric}")
        per_unit.setdefault(unit_path, Counter())[metric] += amount
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
