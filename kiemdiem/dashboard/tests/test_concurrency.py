"""Several merge workers at once (PostgreSQL: FOR UPDATE SKIP LOCKED and a row-locked upsert)."""

import random
import threading
from collections import Counter, defaultdict

import pytest
from django.db import connection, connections

from kiemdiem.core.models import SummaryDelta
from kiemdiem.core.summaries import deltas_append
from kiemdiem.dashboard import summaries
from kiemdiem.org.models import ancestor_paths

from .helpers import stored

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has one writer: one merge worker"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_workers_merge_every_record_exactly_once(open_cycle, org_tree):
    rng = random.Random(5)
    cells = [org_tree.cell_a1, org_tree.cell_a1b, org_tree.grassroots_a1, org_tree.district_a2]
    for _ in range(300):
        deltas_append(
            cycle_id=open_cycle.pk,
            unit_path=rng.choice(cells).path,
            changes={
                "findings_total": rng.choice([1, 1, 2, -1]),
                "findings_carried": rng.choice([0, 1]),
            },
        )
    # What a single worker would store: every record added to its cell and the cell's ancestors.
    expected: dict[str, Counter] = defaultdict(Counter)
    for path, changes in SummaryDelta.objects.values_list("unit_path", "changes"):
        for ancestor in ancestor_paths(path, org_tree.province_a.path):
            expected[ancestor].update(changes)
    pending = SummaryDelta.objects.count()
    merged: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while count := summaries.merge_pending(batch=7):
                merged.append(count)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(merged) == pending
    assert not SummaryDelta.objects.exists()
    have = stored(open_cycle)
    assert set(have) == set(expected)
    for path, counter in expected.items():
        assert {m: have[path][m] for m in counter} == dict(counter), path
