import importlib
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler

from kiemdiem.core.audit import (
    HISTORY_LIMIT,
    SENSITIVE_TYPES,
    audit_record,
    history_for,
    unit_ref_from_path,
)
from kiemdiem.core.models import AuditEvent, AuditImmutable
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Person, Unit


@pytest.fixture
def event(org_tree):
    return audit_record(
        obj=org_tree.province_a, action="update", by=SYSTEM, changes={"name": ["a", "b"]}
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


def test_audit_record_derives_the_unit_ref_from_the_path(org_tree):
    event = audit_record(
        obj=org_tree.cell_a1, action="update", by=SYSTEM, unit_path=org_tree.cell_a1.path
    )
    assert event.unit_ref == org_tree.cell_a1.pk
    assert audit_record(obj=org_tree.cell_a1, action="update", by=SYSTEM).unit_ref is None
    explicit = audit_record(
        obj=org_tree.cell_a1, action="update", by=SYSTEM, unit_path="", unit_ref=org_tree.root.pk
    )
    assert explicit.unit_ref == org_tree.root.pk


@pytest.mark.parametrize("pk", [1, 35, 36, 1295, 46656, 123456789, 36**6 - 1])
def test_unit_ref_from_path_reads_the_last_base36_segment(pk):
    from kiemdiem.org.models import path_segment

    assert unit_ref_from_path(path_segment(7) + path_segment(pk)) == pk
    assert unit_ref_from_path("") is None and unit_ref_from_path("zz!") is None


@pytest.mark.parametrize("pk", [1, 35, 36, 1295, 46656, 123456789, 36**6 - 1])
def test_migration_backfill_sql_agrees_with_python(db, pk):
    from kiemdiem.org.models import path_segment

    migration = importlib.import_module("kiemdiem.core.migrations.0003_audit_unit_ref")
    path = path_segment(42) + path_segment(pk)
    sql = migration.unit_ref_sql(connection.vendor, column="p")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql} FROM (SELECT %s AS p) AS t", [path])
        assert cursor.fetchone()[0] == pk == unit_ref_from_path(path)


def test_history_panel_follows_a_unit_after_a_move(org_tree):
    cell = org_tree.cell_a1
    old_path = cell.path
    services.unit_move(
        unit=org_tree.grassroots_a1, new_parent=org_tree.district_a2, by=SYSTEM, reason="QĐ 5"
    )
    cell = Unit.objects.get(pk=cell.pk)
    assert cell.path != old_path
    rows = history_for(cell, unit_path=cell.path)
    # The three memberships were written under the old path and still belong to the cell.
    memberships = [e for e in rows if e.object_type == "org.membership"]
    assert len(memberships) == 3 and {e.unit_path for e in memberships} == {old_path}


def test_history_panels_compile_their_reads_once_and_find_every_branchs_rows(org_tree):
    """A unit's and a person's panels give the newest rows of the object, of what is filed
    under the unit (by id or, without one, by path) or the person, sensitive types left out of
    those, as one OR over the trail would; their reads compiled once for all panels."""
    services.unit_move(
        unit=org_tree.grassroots_a1, new_parent=org_tree.district_a2, by=SYSTEM, reason="QĐ 5"
    )
    units = list(Unit.objects.all())
    people = list(Person.objects.all())
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        panels = {u: history_for(u, unit_path=u.path) for u in units}
        panels |= {p: history_for(p, person_id=p.pk) for p in people}
    assert sql.call_count <= 5  # four branches and the rows by key (none if compiled before)
    not_sensitive = ~Q(object_type__in=sorted(SENSITIVE_TYPES))
    for obj, rows in panels.items():
        own = Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        if isinstance(obj, Unit):
            around = Q(unit_ref=obj.pk) | Q(unit_ref__isnull=True, unit_path=obj.path)
        else:
            around = Q(person_id_ref=obj.pk)
        expected = AuditEvent.objects.filter(own | (around & not_sensitive))
        assert rows == list(expected.order_by("-at", "-id")[:HISTORY_LIMIT]), obj
    assert all(panels[u] for u in units) and any(len(r) > 1 for r in panels.values())


def _run_pending_checks():
    """PostgreSQL refuses TRUNCATE of a table with queued foreign-key checks (our inserts)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger lives in PostgreSQL")
def test_postgres_refuses_truncate_of_audit(event):
    _run_pending_checks()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger lives in PostgreSQL")
def test_postgres_truncate_needs_the_flush_setting_and_a_test_database(event):
    # The flush command's session setting is what lets a test database be emptied...
    _run_pending_checks()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0].startswith("test_")
        cursor.execute("SAVEPOINT s")
        cursor.execute("SET LOCAL kiemdiem.audit_truncate = 'allow'")
        cursor.execute("TRUNCATE core_auditevent")
        cursor.execute("SELECT COUNT(*) FROM core_auditevent")
        assert cursor.fetchone()[0] == 0
        cursor.execute("ROLLBACK TO SAVEPOINT s")  # undoes the setting and the TRUNCATE
        cursor.execute("SELECT current_setting('kiemdiem.audit_truncate', true)")
        assert cursor.fetchone()[0] in (None, "")
    # ...and without it TRUNCATE is refused again.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
