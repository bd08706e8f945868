"""Two offices taking numbers at once never get the same one (PostgreSQL: the sequence row is
locked with SELECT … FOR UPDATE)."""

import threading

import pytest
from django.db import connection, connections

from kiemdiem.documents import services
from kiemdiem.documents.models import DocumentType, OutgoingDocument

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer"),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_registrations_get_distinct_consecutive_numbers(org_tree, office):
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def office_worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                services.document_register(
                    unit=org_tree.province_a, doc_type=DocumentType.KH, by=office, title="Kế hoạch"
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=office_worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(OutgoingDocument.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 21))
