"""manage.py restore_backup: the documented restore in one command (README, "Backup")."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kiemdiem.core.audit import audit_record
from kiemdiem.core.audit_chain import seal_pending
from kiemdiem.core.management.commands.restore_backup import libpq_env, pg_program
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.org.models import Unit

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def test_restore_refuses_sqlite_a_missing_file_or_a_database_with_tables(db, tmp_path):
    dump = tmp_path / "kiemdiem.dump"
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="chỉ dành cho PostgreSQL"):
            call_command("restore_backup", str(dump), "--app-role", "kiemdiem_app")
        return
    with pytest.raises(CommandError, match="Không có tệp sao lưu"):
        call_command("restore_backup", str(dump), "--app-role", "kiemdiem_app")
    dump.write_bytes(b"PGDMP")
    with pytest.raises(CommandError, match="đã có .* bảng: chỉ khôi phục vào một cơ sở dữ liệu"):
        call_command("restore_backup", str(dump), "--app-role", "kiemdiem_app")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL only")
def test_a_dump_restores_whole_with_the_app_role_granted_and_the_chain_verified(
    org_tree, office, tmp_path
):
    audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=office, reason="trước")
    assert seal_pending() > 0
    dump = tmp_path / "kiemdiem.dump"
    subprocess.run([pg_program("pg_dump"), "-Fc", "-f", str(dump)], env=libpq_env(), check=True)
    copy, role = f"kd_restore_{uuid.uuid4().hex[:6]}", f"kd_app_{uuid.uuid4().hex[:6]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {copy}")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{copy}"
    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "restore_backup", str(dump), "--app-role", role],
            env={**os.environ, "DATABASE_URL": url},
            cwd=Path(settings.BASE_DIR),
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert f"Đã cấp quyền cho “{role}”" in done.stdout
        assert "Nhật ký nguyên vẹn" in done.stdout
        dsn = f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={copy}"
        with psycopg.connect(dsn) as restored:
            for model in (Unit, AuditEvent):
                table = model._meta.db_table
                count = restored.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
                assert count == model.objects.count()
            granted = restored.execute(
                "SELECT has_table_privilege(%s, 'core_auditevent', 'DELETE'), "
                "has_table_privilege(%s, 'org_unit', 'UPDATE')",
                [role, role],
            ).fetchone()
            assert granted == (False, True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
