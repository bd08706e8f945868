"""PostgreSQL: restore a `pg_dump -Fc` backup into the empty database of DATABASE_URL, the way
README ("Backup") says, in one command an office can run without forgetting a step.

1. refuse unless the database is empty (no table in the public schema): a restore over live data
   would mix two states;
2. `pg_restore --no-owner --exit-on-error -j JOBS` as the connecting role (the owner), so the
   tables belong to it whoever owned them where the dump was taken; two jobs by default (the
   data of the big tables and their indexes load side by side: 10–30 % faster on 2 cores,
   bench/backup.py);
3. `grant_app_role ROLE` (the app's role reads and writes, the audit tables only read and append);
4. the audit trail's hash chain verified on the copy, read-only (`verify_audit --no-seal`): a
   backup that lost or altered rows of the trail is caught now, not on the day it is needed.
"""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from kiemdiem.core.audit_chain import verify


def pg_program(name: str) -> str:
    """`name` from PATH, else from the newest /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found
    folders = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name or 0)
    )
    for folder in reversed(folders):
        if (folder / name).exists():
            return str(folder / name)
    raise CommandError(f"Không tìm thấy chương trình {name}: cài gói Debian postgresql-client.")


def libpq_env() -> dict[str, str]:
    """The environment that points libpq's programs at the database Django is connected to."""
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, name in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings.get(name):
            env[key] = str(settings[name])
    return env


class Command(BaseCommand):
    help = (
        "PostgreSQL: khôi phục một bản sao lưu (pg_dump -Fc) vào cơ sở dữ liệu RỖNG của "
        "DATABASE_URL (chạy bằng vai trò chủ sở hữu), cấp quyền cho vai trò của ứng dụng, rồi "
        "kiểm tra chuỗi mã băm của nhật ký trên bản khôi phục."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dump", help="Tệp sao lưu, ví dụ kiemdiem-2026-12-06.dump.")
        parser.add_argument(
            "--app-role",
            required=True,
            help="Vai trò PostgreSQL của ứng dụng (như grant_app_role), ví dụ kiemdiem_app.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help="Số tiến trình pg_restore chạy song song (mặc định 2).",
        )

    def handle(self, *args: Any, dump: str, app_role: str, jobs: int, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Lệnh này chỉ dành cho PostgreSQL.")
        path = Path(dump)
        if not path.is_file():
            raise CommandError(f"Không có tệp sao lưu “{dump}”.")
        if jobs < 1:
            raise CommandError("--jobs phải từ 1 trở lên.")
        name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
            tables = cursor.fetchone()[0]
        if tables:
            raise CommandError(
                f"Cơ sở dữ liệu “{name}” đã có {tables} bảng: chỉ khôi phục vào một cơ sở dữ liệu "
                "rỗng (CREATE DATABASE … OWNER <chủ sở hữu>), rồi đặt DATABASE_URL tới đó."
            )
        connection.close()  # pg_restore works alone; Django reconnects for the steps after it
        command = [pg_program("pg_restore"), "--no-owner", "--exit-on-error", "-j", str(jobs)]
        done = subprocess.run([*command, "-d", name, str(path)], env=libpq_env(), check=False)
        if done.returncode:
            raise CommandError(
                f"pg_restore dừng với mã {done.returncode} (lỗi ở trên): bản khôi phục chưa "
                f"dùng được. Hãy xóa và tạo lại cơ sở dữ liệu rỗng “{name}” trước khi thử lại."
            )
        call_command("grant_app_role", app_role, stdout=self.stdout)
        verdict = verify()
        if not verdict.ok:
            raise CommandError(f"Đã khôi phục, nhưng nhật ký của bản sao lưu: {verdict.line()}")
        self.stdout.write(f"Đã khôi phục “{path.name}” vào “{name}”. {verdict.line()}")
