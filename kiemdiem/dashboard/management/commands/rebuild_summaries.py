"""Recompute the dashboard summaries of one cycle, or of every cycle, from the base tables."""

import time

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.dashboard.summaries import rebuild
from kiemdiem.reviews.models import ReviewCycle
from kiemdiem.reviews.states import CycleStatus


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu tổng hợp của bảng theo dõi từ dữ liệu gốc."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cycle", type=int, help="Chỉ tính lại đợt kiểm điểm có mã này.")

    def handle(self, *args, cycle: int | None, **options) -> None:
        cycles = ReviewCycle.objects.exclude(status=CycleStatus.DRAFT).select_related("scope_unit")
        if cycle is not None:
            cycles = cycles.filter(pk=cycle)
            if not cycles.exists():
                raise CommandError(f"Không có đợt kiểm điểm đã triển khai với mã {cycle}.")
        started = time.monotonic()
        count = rows = 0
        for item in cycles.order_by("pk"):
            rows += rebuild(item)
            count += 1
        self.stdout.write(
            f"Đã tính lại số liệu của {count} đợt ({rows} đơn vị) "
            f"trong {time.monotonic() - started:.2f} giây."
        )
