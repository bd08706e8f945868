"""Fold pending change records into the dashboard summaries (once, or as a loop)."""

import time

from django.core.management.base import BaseCommand

from kiemdiem.dashboard.summaries import merge_all


class Command(BaseCommand):
    help = "Tổng hợp các thay đổi số liệu đang chờ vào bảng theo dõi (một lượt, hoặc lặp)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=5000, help="Số thay đổi mỗi lô.")
        parser.add_argument("--loop", action="store_true", help="Chạy mãi như tiến trình nền.")
        parser.add_argument("--interval", type=float, default=5.0, help="Giây nghỉ giữa các lượt.")

    def handle(self, *args, batch: int, loop: bool, interval: float, **options) -> None:
        while True:
            started = time.monotonic()
            merged = merge_all(batch=batch)
            if merged or not loop:
                self.stdout.write(
                    f"Đã tổng hợp {merged} thay đổi trong {time.monotonic() - started:.2f} giây."
                )
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
