"""PostgreSQL: give the role the application runs as what it needs, and nothing on the audit
tables beyond reading and appending. Run as the owner of the tables, after each `migrate`.

The owner (who runs migrations) could disable or drop the audit tables' triggers; the app role
cannot: ALTER TABLE … DISABLE TRIGGER and DROP TRIGGER need ownership, SET
session_replication_role needs a superuser, and UPDATE, DELETE and TRUNCATE of the audit tables
are not granted at all. README, "Production", tells how to create both roles.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from kiemdiem.core.partitions import partitions_of

AUDIT_TABLES = ["core_auditevent", "core_auditseal"]


class Command(BaseCommand):
    help = (
        "PostgreSQL: cấp cho vai trò mà ứng dụng dùng quyền đọc, ghi các bảng, nhưng với bảng nhật "
        "ký chỉ được đọc và ghi thêm. Chạy bằng vai trò chủ sở hữu các bảng, sau mỗi lần migrate."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("role", help="Vai trò PostgreSQL của ứng dụng, ví dụ kiemdiem_app.")

    def handle(self, *args, role: str, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Lệnh này chỉ dành cho PostgreSQL.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"Không có vai trò “{role}”: hãy tạo bằng CREATE ROLE trước.")
            if any(found):
                raise CommandError(
                    f"Vai trò “{role}” là superuser hoặc bỏ qua RLS: ứng dụng không được chạy "
                    "bằng vai trò có thể tắt trigger của nhật ký."
                )
            cursor.execute(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"Vai trò “{role}” đang sở hữu bảng: chủ sở hữu tắt được trigger. Hãy dùng một "
                    "vai trò khác để chạy migrate."
                )
            # the audit trail's yearly partitions (core/partitions.py) get the same restriction:
            # a partition can be written to directly, not only through its parent
            audit = AUDIT_TABLES + [
                part for table in AUDIT_TABLES for part in partitions_of(cursor, table)
            ]
            who = sql.Identifier(role)
            database = sql.Identifier(connection.settings_dict["NAME"])
            statements = [
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, who),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who),
                sql.SQL(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
                ).format(who),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who),
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
                ).format(who),
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                    "GRANT USAGE, SELECT ON SEQUENCES TO {}"
                ).format(who),
                sql.SQL(
                    "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}"
                ).format(sql.SQL(", ").join(sql.Identifier(t) for t in audit), who),
            ]
            cursor.execute("SELECT to_regprocedure('kiemdiem_partition_add(text, int, text)')")
            if cursor.fetchone()[0]:
                # the daily partitions-ensure schedule creates next year's partitions through it
                statements.append(
                    sql.SQL(
                        "GRANT EXECUTE ON FUNCTION kiemdiem_partition_add(text, int, text) TO {}"
                    ).format(who)
                )
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"Đã cấp quyền cho “{role}”: đọc, ghi mọi bảng; bảng nhật ký chỉ đọc và ghi thêm."
        )
