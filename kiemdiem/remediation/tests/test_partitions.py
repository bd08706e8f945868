"""PostgreSQL: the audit trail and the progress reports are partitioned by year
(kiemdiem/core/partitions.py, core/0011, remediation/0008). A row lands in its year's partition, a
date-bounded query reads one partition, a closed year's partition refuses UPDATE, DELETE and
TRUNCATE but still takes new rows, and the daily upkeep creates missing years (moving the rows
that fell into DEFAULT) without breaking the audit hash chain."""

import datetime
import io
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kiemdiem.core import table_writes, tasks
from kiemdiem.core.audit_chain import seal_pending, verify
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.partitions import (
    partition_table,
    partitions_ensure,
    partitions_of,
    unpartition_table,
    year_bounds,
)
from kiemdiem.remediation import services
from kiemdiem.remediation.models import Evidence, ProgressUpdate
from kiemdiem.remediation.tests.test_services import accepted_plan, pdf

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
postgres_only = pytest.mark.skipif(
    not POSTGRES, reason="partitions by year are PostgreSQL's (SQLite keeps plain tables)"
)

PROGRESS = "remediation_progressupdate"
AUDIT = "core_auditevent"


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _where(table: str, pk: int) -> str:
    return _one(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])[0]


def _refused(sql: str) -> None:
    with pytest.raises(DatabaseError, match="closed year|append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def _pending_checks_done() -> None:
    """Deferred foreign-key checks of this test's inserts run now: ALTER TABLE (the upkeep's
    move out of DEFAULT) refuses a table with pending trigger events."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@postgres_only
def test_old_years_stay_append_only(plan, org_tree, cell_secretary, appraiser, office):
    this = timezone.localdate().year
    last = this - 1
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    # This year's report, through the service (reported_at is auto_now_add: now).
    current = services.action_record_progress(
        action=action, status="in_progress", percent=40, narrative="Đang làm", by=cell_secretary
    )
    assert _where(PROGRESS, current.pk) == f"{PROGRESS}_y{this}"
    # Last year's, written as an import of paper records would be: an explicit reported_at.
    at = datetime.datetime(last, 11, 20, 9, 0, tzinfo=timezone.get_default_timezone())
    (old_id,) = _one(
        f"INSERT INTO {PROGRESS} (reported_at, effective_on, status, percent, narrative, "
        "action_id, reported_by_id) VALUES (%s, %s, 'in_progress', 10, 'Năm trước', %s, %s) "
        "RETURNING id",
        [at, at.date(), action.pk, office.pk],
    )
    (old_audit,) = _one(
        f"INSERT INTO {AUDIT} (at, action, object_type, object_id, object_repr, unit_path, "
        "changes, reason) VALUES (%s, 'update', 'remediation.planaction', %s, 'x', '', '{}', "
        "'năm trước') RETURNING id",
        [at, str(action.pk)],
    )
    # The test database has this year's and next year's partitions (none for last year yet):
    # the rows wait in DEFAULT until the daily upkeep creates their year and moves them.
    assert _where(PROGRESS, old_id) == f"{PROGRESS}_default"
    _refused(f"UPDATE {PROGRESS} SET percent = 20 WHERE id = {old_id}")  # closed there too
    _pending_checks_done()
    _refused(f"TRUNCATE {PROGRESS}_default")
    assert seal_pending() >= 1  # sealed while in DEFAULT: the move must not break the chain
    _pending_checks_done()
    created = partitions_ensure(years_ahead=1)
    assert set(created) == {f"{PROGRESS}_y{last}", f"{AUDIT}_y{last}"}
    assert partitions_ensure(years_ahead=1) == []  # idempotent
    assert _where(PROGRESS, old_id) == f"{PROGRESS}_y{last}"
    assert _where(AUDIT, old_audit) == f"{AUDIT}_y{last}"
    assert _one(f"SELECT COUNT(*) FROM {PROGRESS}_default")[0] == 0
    assert verify().ok

    # Last year is closed: UPDATE, DELETE and TRUNCATE are refused, through the parent or not.
    _refused(f"UPDATE {PROGRESS} SET percent = 20 WHERE id = {old_id}")
    _refused(f"UPDATE {PROGRESS}_y{last} SET narrative = 'sửa'")
    _refused(f"DELETE FROM {PROGRESS} WHERE id = {old_id}")
    _pending_checks_done()
    _refused(f"TRUNCATE {PROGRESS}_y{last}")
    _refused(f"TRUNCATE {AUDIT}_y{last}")
    _refused(f"DELETE FROM {AUDIT}_y{last}")
    assert ProgressUpdate.objects.get(pk=old_id).percent == 10
    # ...but it still takes rows (a late import), with an id from the shared sequence.
    (late_id,) = _one(
        f"INSERT INTO {PROGRESS}_y{last} (reported_at, effective_on, status, percent, narrative, "
        "action_id) VALUES (%s, %s, 'in_progress', 15, 'Bổ sung', %s) RETURNING id",
        [at, at.date(), action.pk],
    )
    assert late_id > current.pk
    # This year's rows remain as the application needs them.
    assert ProgressUpdate.objects.filter(pk=current.pk).update(narrative="Đang làm tiếp") == 1

    # A query bounded to last year reads last year's partition only.
    lo, hi = year_bounds(last)
    plan_text = ProgressUpdate.objects.filter(reported_at__gte=lo, reported_at__lt=hi).explain()
    assert f"{PROGRESS}_y{last}" in plan_text
    assert f"{PROGRESS}_y{this}" not in plan_text and f"{PROGRESS}_default" not in plan_text
    assert list(
        ProgressUpdate.objects.filter(reported_at__gte=lo, reported_at__lt=hi)
        .order_by("id")
        .values_list("id", flat=True)
    ) == [old_id, late_id]


@postgres_only
def test_evidence_needs_an_existing_progress_report(
    plan, org_tree, cell_secretary, appraiser, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    (action,) = accepted_plan(plan, org_tree, cell_secretary, appraiser)
    update = services.action_record_progress(
        action=action,
        status="in_progress",
        percent=50,
        narrative="Có biên bản",
        by=cell_secretary,
        files=[pdf()],
    )
    evidence = Evidence.objects.get(update=update)
    assert evidence.update_id == update.pk
    with pytest.raises(IntegrityError, match="does not exist"):
        with transaction.atomic():
            Evidence.objects.create(
                update_id=update.pk + 10_000,
                file=evidence.file.name,
                original_name="x.pdf",
                content_type="application/pdf",
                size=1,
                sha256=evidence.sha256,
            )


@postgres_only
def test_upkeep_task_and_app_ids(db, office):
    """The daily schedule's task creates nothing when the years exist; AuditEvent ids still come
    back from INSERT … RETURNING through the partitioned parent."""
    assert tasks.partitions_ensure() == "tạo 0 phân vùng theo năm"
    event = AuditEvent.objects.create(
        action="update", object_type="x", object_id="1", object_repr="x", actor=office
    )
    assert event.pk and AuditEvent.objects.get(pk=event.pk).actor == office
    assert _where(AUDIT, event.pk) == f"{AUDIT}_y{timezone.localdate().year}"
    # The command an operator runs (here two years ahead instead of the schedule's one).
    out = io.StringIO()
    call_command("partitions_ensure", years_ahead=2, stdout=out)
    ahead = timezone.localdate().year + 2
    assert f"Đã tạo 2 phân vùng: {AUDIT}_y{ahead}, {PROGRESS}_y{ahead}" in out.getvalue()
    assert f"{PROGRESS}_y{ahead}" in out.getvalue().splitlines()[-1]


@pytest.mark.skipif(POSTGRES, reason="SQLite only")
def test_upkeep_does_nothing_on_sqlite(db):
    assert partitions_ensure() == []
    assert tasks.partitions_ensure() == "tạo 0 phân vùng theo năm"
    with pytest.raises(CommandError, match="chỉ dành cho PostgreSQL"):
        call_command("partitions_ensure")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_app_role_gets_partitions_made_but_no_more_rights(org_tree, office):
    """grant_app_role covers the audit partitions; the app's role (which owns nothing) has next
    years created through the SECURITY DEFINER function, for the two partitioned tables only,
    and a new partition carries its parent's grants, not more."""
    import uuid

    import psycopg
    from psycopg import errors

    role = f"kiemdiem_app_{uuid.uuid4().hex[:6]}"
    ahead = timezone.localdate().year + 3
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
    try:
        call_command("grant_app_role", role, stdout=open(os.devnull, "w"))
        db = connection.settings_dict
        dsn = f"host={db['HOST']} port={db['PORT']} dbname={db['NAME']} user={role}"
        this_year = f"{AUDIT}_y{timezone.localdate().year}"
        with psycopg.connect(dsn, autocommit=True) as app:
            # not granted at all (the triggers would refuse them as well)
            for right in ("UPDATE", "DELETE", "TRUNCATE"):
                assert not app.execute(
                    "SELECT has_table_privilege(%s, %s, %s)", [role, this_year, right]
                ).fetchone()[0]
            with pytest.raises(errors.InsufficientPrivilege):
                app.execute(f"DELETE FROM {this_year}")
            made = app.execute(
                "SELECT kiemdiem_partition_add(%s, %s, %s)",
                [PROGRESS, ahead, "Asia/Ho_Chi_Minh"],
            ).fetchone()[0]
            assert made is True
            with pytest.raises(errors.RaiseException, match="not partitioned by year"):
                app.execute("SELECT kiemdiem_partition_add('org_unit', 2030, 'UTC')")
            rights = app.execute(
                "SELECT has_table_privilege(%s, %s, 'INSERT'), "
                "has_table_privilege(%s, %s, 'TRUNCATE')",
                [role, f"{PROGRESS}_y{ahead}"] * 2,
            ).fetchone()
            assert rights == (True, False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PROGRESS}_y{ahead}")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def _shape(table: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
        kind = cursor.fetchone()[0]
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        triggers = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT COUNT(*), MAX(id) FROM {table}")
        rows = cursor.fetchone()
    return {"kind": kind, "indexes": indexes, "triggers": triggers, "rows": rows}


@postgres_only
def test_migration_converts_both_ways_keeping_names_and_ids(db, office):
    """What core/0011 does forwards and backwards, on rows of two years: the same index and
    trigger names (later Django migrations find them), every row and id, and new ids after."""
    this = timezone.localdate().year
    AuditEvent.objects.create(action="update", object_type="x", object_id="1", object_repr="x")
    at = datetime.datetime(this - 2, 3, 1, tzinfo=timezone.get_default_timezone())
    _one(
        f"INSERT INTO {AUDIT} (at, action, object_type, object_id, object_repr, unit_path, "
        "changes, reason) VALUES (%s, 'update', 'x', '2', 'x', '', '{}', '') RETURNING id",
        [at],
    )
    partitioned = _shape(AUDIT)
    assert partitioned["kind"] == "p"
    _pending_checks_done()
    with connection.schema_editor() as editor:
        unpartition_table(editor, AUDIT, "at")
    plain = _shape(AUDIT)
    assert plain["kind"] == "r" and plain["rows"] == partitioned["rows"]
    assert plain["indexes"] == partitioned["indexes"]
    assert (
        plain["triggers"]
        == partitioned["triggers"]
        == {
            "core_auditevent_no_truncate",
            "core_auditevent_no_update_delete",
            table_writes.TRIGGER,  # the kept pages' count of its writes
        }
    )
    with connection.schema_editor() as editor:
        partition_table(editor, AUDIT, "at")
    again = _shape(AUDIT)
    assert again == partitioned
    # partitions from the earliest year in the data through next year
    assert _where(AUDIT, partitioned["rows"][1]) == f"{AUDIT}_y{this - 2}"
    with connection.cursor() as cursor:
        assert {f"{AUDIT}_y{y}" for y in range(this - 2, this + 2)} <= set(
            partitions_of(cursor, AUDIT)
        )
    new = AuditEvent.objects.create(
        action="update", object_type="x", object_id="3", object_repr="x"
    )
    assert new.pk > partitioned["rows"][1]
