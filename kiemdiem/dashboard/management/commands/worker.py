"""The background worker: overdue sweep, summary merge, reminder e-mails; in a loop or once."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kiemdiem.dashboard.reminders import reminders_send
from kiemdiem.dashboard.summaries import merge_all
from kiemdiem.exports.services import run_pending_exports
from kiemdiem.remediation.services import sweep_overdue
from kiemdiem.transfer.jobs import run_pending_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Tiến trình nền: đánh dấu quá hạn, tổng hợp số liệu bảng theo dõi, gửi thư nhắc việc, "
        "nhập dữ liệu và xuất Excel danh sách dài."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Chạy một lượt rồi dừng.")
        parser.add_argument("--interval", type=float, default=60.0, help="Giây nghỉ giữa các lượt.")

    def run_once(self) -> str:
        swept = sweep_overdue()
        merged = merge_all()
        mailed = reminders_send()
        imports = run_pending_jobs()
        exports = run_pending_exports()
        line = (
            f"Quá hạn mới: {swept['items']} nội dung, {swept['plans']} kế hoạch; "
            f"tổng hợp {merged} thay đổi; gửi {mailed['mails']} thư "
            f"({mailed['reminders']} nhắc việc, {mailed['failed']} lỗi); "
            f"{imports} lượt nhập dữ liệu, {exports} lượt xuất Excel."
        )
        self.stdout.write(line)
        return line

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        if once:
            self.run_once()
            return
        while True:
            close_old_connections()
            try:
                self.run_once()
            except KeyboardInterrupt:
                return
            except Exception:  # noqa: BLE001 - keep the worker alive; the next round retries
                logger.exception("worker: lượt chạy bị lỗi")
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
