"""PostgreSQL: create the yearly partitions of the audit trail and the progress reports for this
year and the next ones (and for any year whose rows fell into DEFAULT), as the daily
`partitions-ensure` schedule does; list the partitions (core/partitions.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kiemdiem.core.partitions import TABLES, partitions_ensure, partitions_of


class Command(BaseCommand):
    help = (
        "PostgreSQL: tạo phân vùng theo năm của nhật ký thay đổi và báo cáo tiến độ cho năm nay "
        "và các năm tới (và cho năm có bản ghi rơi vào phân vùng DEFAULT), rồi liệt kê phân vùng."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--years-ahead", type=int, default=1, help="Số năm tới cần có sẵn (mặc định 1)."
        )

    def handle(self, *args, years_ahead: int, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Lệnh này chỉ dành cho PostgreSQL (SQLite không phân vùng bảng).")
        if not 0 <= years_ahead <= 20:
            raise CommandError("--years-ahead phải từ 0 đến 20.")
        created = partitions_ensure(years_ahead=years_ahead)
        self.stdout.write(
            f"Đã tạo {len(created)} phân vùng" + (f": {', '.join(created)}" if created else ".")
        )
        with connection.cursor() as cursor:
            for table in TABLES:
                self.stdout.write(f"{table}: {', '.join(partitions_of(cursor, table)) or '—'}")
