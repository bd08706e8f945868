import pytest
from django.db import DatabaseError, connection, transaction

from kiemdiem.core.audit import audit_record, history_for
from kiemdiem.core.models import AuditEvent, AuditImmutable


@pytest.fixture
def event(org_tree):
    return audit_record(
        obj=org_tree.province_a, action="update", by=None, changes={"name": ["a", "b"]}
    )


def test_audit_row_cannot_be_saved_again(event):
    event.reason = "sửa lén"
    with pytest.raises(AuditImmutable):
        event.save()


def test_audit_row_cannot_be_deleted_through_the_orm(event):
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger lives in PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET reason = 'sửa' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_postgres_refuses_update_and_delete_on_audit(event, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.reason == ""


def test_every_service_write_is_in_the_history(org_tree):
    # The fixture created units and memberships through services: each left a row.
    created = history_for(org_tree.cell_a1)
    assert [e.action for e in created] == ["create"]
    assert created[0].changes["code"] == [None, "CB38A1"]
