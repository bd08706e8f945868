"""The background worker: the django-q2 cluster (queued tasks and periodic schedules)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from kiemdiem.core.tasks import schedules_sync


class Command(BaseCommand):
    help = (
        "Tiến trình nền: chạy các công việc trong hàng đợi (nhập dữ liệu, chạy thử…) và các việc "
        "định kỳ (tổng hợp số liệu, đánh dấu quá hạn, thư nhắc việc). Có thể chạy nhiều tiến "
        "trình cùng lúc trên PostgreSQL."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Chạy mỗi việc định kỳ một lần ngay trong tiến trình này rồi dừng.",
        )

    def handle(self, *args, once: bool, **options) -> None:
        if once:
            results = [
                import_string(func)() for func, _every in settings.KIEMDIEM_SCHEDULES.values()
            ]
            line = "; ".join(results)
            self.stdout.write(line[:1].upper() + line[1:] + ".")
            return
        names = schedules_sync()
        self.stdout.write(f"Việc định kỳ: {', '.join(names)}.")
        call_command("qcluster")
