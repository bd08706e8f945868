"""The audit trail's hash chain and append-only guards (R10): every insert path is sealed, an
offline edit, deletion or insertion is found by verify_audit, the ORM's escape hatches and the
database itself refuse changes, and on PostgreSQL the app's role cannot lift the triggers."""

import datetime
import io
import os
import uuid

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kiemdiem.core.audit import audit_record
from kiemdiem.core.audit_chain import GENESIS, seal_pending, verify, verify_and_record
from kiemdiem.core.audit_triggers import lifted
from kiemdiem.core.models import AuditAction, AuditEvent, AuditImmutable, AuditSeal
from kiemdiem.transfer.tests.helpers import (
    MEMBERSHIP_HEADERS,
    PEOPLE_HEADERS,
    UNIT_HEADERS,
    import_now,
    xlsx_bytes,
)


def _offline(sql: str, params=()) -> None:
    """What someone with the database file or the owner's password does: triggers off, SQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER may run
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal ENABLE TRIGGER USER")
        else:
            with lifted(connection):
                cursor.execute(sql, params)


def test_every_insert_path_is_sealed_and_the_chain_verifies(open_cycle, org_tree, office):
    """audit_record rows, the cycle opening's bulk rows (open_cycle) and an import's bulk rows."""
    workbook = xlsx_bytes(
        {
            "Đơn vị": [UNIT_HEADERS, ["CB38A1C", "Chi bộ Tổ Sử", "Chi bộ trực thuộc", "CS38A1"]],
            "Đảng viên": [PEOPLE_HEADERS, ["012345678", "Phạm Thị Mai", "", "", "", ""]],
            "Sinh hoạt đảng": [MEMBERSHIP_HEADERS, ["012345678", "CB38A1C", "", "01/07/2025", ""]],
        }
    )
    import_now({"a.xlsx": workbook}, user=office)
    audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office, reason="thử")
    total = AuditEvent.objects.count()
    assert AuditEvent.objects.filter(reason__startswith="Nhập dữ liệu").exists()
    assert seal_pending(batch=7) == total  # several batches chain on from each other
    assert seal_pending() == 0
    verdict = verify(chunk=5)
    assert verdict.ok and verdict.sealed == total and verdict.pending == 0
    assert AuditSeal.objects.count() == total
    print(f"FIGURES R10 sealed={total} rows (audit_record, cycle opening, import)")


def test_an_offline_edit_is_reported_as_the_first_broken_link(org_tree, office):
    for n in range(5):
        audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office, reason=f"{n}")
    seal_pending()
    victim = AuditEvent.objects.order_by("id")[2]
    seq = AuditSeal.objects.get(event_id=victim.pk).seq
    _offline("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["sửa lén", victim.pk])
    verdict = verify()
    assert not verdict.ok
    assert f"bản ghi số {victim.pk} đã bị sửa" in verdict.problem
    assert f"mắt xích đầu tiên bị đứt là số {seq}" in verdict.problem
    with pytest.raises(CommandError, match=f"bản ghi số {victim.pk} đã bị sửa"):
        call_command("verify_audit")
    print(f"FIGURES R10 offline edit of row {victim.pk}: detected at link {seq}")


def test_rows_far_apart_in_id_are_verified_as_well(org_tree, office):
    """verify() reads a run of seals' rows as one id range unless the ids lie far apart
    (a gap in the sequence): that run is read by its ids, and an edit there is still found."""
    for n in range(3):
        audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office, reason=f"{n}")
    far = AuditEvent.objects.order_by("-id").first().pk + 1000
    _offline(
        "INSERT INTO core_auditevent (id, at, action, object_type, object_id, object_repr, "
        "unit_path, changes, reason) VALUES (%s, %s, 'update', 'org.unit', '1', 'x', '', "
        "'{}', 'xa')",
        [far, timezone.now()],
    )
    assert seal_pending() == AuditEvent.objects.count()
    assert verify(chunk=2).ok  # runs of two: the second spans 1,000 ids
    _offline("UPDATE core_auditevent SET reason = 'sửa' WHERE id = %s", [far])
    assert f"bản ghi số {far} đã bị sửa" in verify(chunk=2).problem


def test_a_deleted_row_and_a_row_added_outside_the_app_are_reported(org_tree, office):
    for n in range(3):
        audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office, reason=f"{n}")
    seal_pending()
    first = AuditEvent.objects.order_by("id").first()
    _offline("DELETE FROM core_auditevent WHERE id = %s", [first.pk])
    assert f"bản ghi số {first.pk} đã bị xóa" in verify().problem

    _offline("DELETE FROM core_auditseal")  # start over: a chain of the rows left
    seal_pending()
    assert verify().ok
    old = timezone.now() - datetime.timedelta(days=2)
    _offline(
        "INSERT INTO core_auditevent (at, action, object_type, object_id, object_repr, "
        "unit_path, changes, reason) VALUES (%s, 'update', 'org.unit', '1', 'x', '', '{}', 'giả')",
        [old],
    )
    forged = AuditEvent.objects.get(reason="giả")
    verdict = verify()
    assert not verdict.ok and f"đầu tiên: số {forged.pk}" in verdict.problem


def test_a_row_committed_late_is_sealed_on_the_next_pass(org_tree, office):
    """A long transaction commits a row whose id is lower than rows already sealed."""
    for n in range(3):
        audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office, reason=f"{n}")
    high = AuditEvent.objects.order_by("-id").first().pk
    _offline(
        "INSERT INTO core_auditevent (id, at, action, object_type, object_id, object_repr, "
        "unit_path, changes, reason) VALUES (%s, %s, 'update', 'org.unit', '1', 'x', '', '{}', "
        "'sau')",
        [high + 100, timezone.now()],
    )
    seal_pending()
    _offline(
        "INSERT INTO core_auditevent (id, at, action, object_type, object_id, object_repr, "
        "unit_path, changes, reason) VALUES (%s, %s, 'update', 'org.unit', '1', 'x', '', '{}', "
        "'muộn')",
        [high + 50, timezone.now()],
    )
    assert seal_pending() == 1
    assert verify().ok
    assert list(AuditSeal.objects.values_list("event_id", flat=True))[-2:] == [
        high + 100,
        high + 50,
    ]


def test_the_orm_cannot_change_or_remove_audit_rows(org_tree, office):
    event = audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office)
    seal_pending()
    seal = AuditSeal.objects.get(event_id=event.pk)
    attempts = [
        lambda: AuditEvent._base_manager.filter(pk=event.pk).update(reason="x"),
        lambda: AuditEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias),
        lambda: AuditEvent._base_manager.all()._raw_delete(connection.alias),
        lambda: AuditEvent.objects.bulk_update([event], ["reason"]),
        lambda: AuditEvent.objects.all().delete(),
        lambda: event.save(),
        lambda: AuditSeal._base_manager.update(hash=GENESIS),
        lambda: AuditSeal.objects.all()._raw_delete(connection.alias),
        lambda: seal.save(),
        lambda: seal.delete(),
    ]
    for attempt in attempts:
        with pytest.raises(AuditImmutable):
            attempt()
    assert verify().ok


@pytest.mark.parametrize("table", ["core_auditevent", "core_auditseal"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET hash = hash", "DELETE FROM {t}"])
def test_the_database_refuses_update_and_delete(org_tree, office, table, statement):
    audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office)
    seal_pending()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            column = "reason" if table == "core_auditevent" else "hash"
            cursor.execute(statement.format(t=table).replace("hash = hash", f"{column} = {column}"))
    assert AuditEvent.objects.count() == AuditSeal.objects.count() > 0


def test_daily_check_records_its_verdict_and_administrators_see_it(client, admin, org_tree):
    audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=admin)
    from kiemdiem.core.tasks import enqueue

    enqueue("kiemdiem.core.tasks.audit_verify", name="Kiểm tra nhật ký")
    sealed = AuditEvent.objects.count()
    row = AuditEvent.objects.get(object_type="core.auditseal")
    assert row.reason.startswith(f"Nhật ký nguyên vẹn: {sealed - 1} bản ghi đã niêm phong")
    client.force_login(admin)
    html = client.get("/tien-trinh-nen/").content.decode()
    assert "Nhật ký nguyên vẹn" in html and 'data-testid="audit-verdict"' in html
    out = io.StringIO()
    call_command("verify_audit", stdout=out)  # seals the verdict row and the login too
    total = AuditEvent.objects.count()
    assert out.getvalue().startswith(f"Nhật ký nguyên vẹn: {total} bản ghi đã niêm phong")


def test_a_broken_verdict_is_recorded_as_such(org_tree, office):
    audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office)
    seal_pending()
    _offline("UPDATE core_auditevent SET reason = 'khác'")
    line = verify_and_record()
    assert line.startswith("Nhật ký KHÔNG còn nguyên vẹn")
    assert AuditEvent.objects.get(object_type="core.auditseal").changes["kết quả"][1] == (
        "bị sửa đổi"
    )


# --- PostgreSQL: the role the app runs as ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only"
)
def test_app_role_can_append_but_cannot_lift_the_triggers(org_tree, office):
    import psycopg
    from psycopg import errors

    role = f"kiemdiem_app_{uuid.uuid4().hex[:6]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
    try:
        out = io.StringIO()
        call_command("grant_app_role", role, stdout=out)
        assert f"Đã cấp quyền cho “{role}”" in out.getvalue()
        audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office)
        settings = connection.settings_dict
        dsn = f"host={settings['HOST']} port={settings['PORT']} dbname={settings['NAME']}"
        refused = []
        with psycopg.connect(f"{dsn} user={role}", autocommit=True) as app:
            app.execute(
                "INSERT INTO core_auditevent (at, action, object_type, object_id, object_repr, "
                "unit_path, changes, reason) VALUES (now(), 'update', 'org.unit', '1', 'x', '', "
                "'{}', 'từ vai trò ứng dụng')"
            )
            assert app.execute("SELECT COUNT(*) FROM org_unit").fetchone()[0] > 0
            for statement in [
                "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update_delete",
                "DROP TRIGGER core_auditevent_no_update_delete ON core_auditevent",
                "DROP FUNCTION core_auditevent_append_only() CASCADE",
                "SET session_replication_role = replica",
                "UPDATE core_auditevent SET reason = 'x'",
                "DELETE FROM core_auditevent",
                "TRUNCATE core_auditevent",
                "UPDATE core_auditseal SET hash = 'x'",
                "DROP TABLE core_auditevent",
            ]:
                with pytest.raises(errors.InsufficientPrivilege):
                    app.execute(statement)
                refused.append(statement.split(" core_")[0])
        assert AuditEvent.objects.filter(reason="từ vai trò ứng dụng").exists()
        print(
            f"FIGURES R10 app role refused: {len(refused)} of {len(refused)} "
            "(DISABLE/DROP TRIGGER, replica mode, UPDATE/DELETE/TRUNCATE, DROP TABLE)"
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def test_grant_app_role_refuses_a_superuser_or_sqlite(db):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="chỉ dành cho PostgreSQL"):
            call_command("grant_app_role", "kiemdiem_app")
        return
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", "postgres")


def test_sealing_is_quiet_when_nothing_is_new(db):
    with time_machine.travel(timezone.now()):
        assert seal_pending() == 0
        assert verify().ok and verify().last_hash == GENESIS
