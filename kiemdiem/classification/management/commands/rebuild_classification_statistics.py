"""Recompute the classification statistics of one round, or of every round, from the ratings."""

import time

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.classification.models import RatingRound
from kiemdiem.classification.statistics import rebuild


class Command(BaseCommand):
    help = "Tính lại số liệu thống kê xếp loại chất lượng từ kết quả đánh giá, xếp loại."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--round", type=int, help="Chỉ tính lại đợt đánh giá có mã này.")

    def handle(self, *args, round: int | None, **options) -> None:
        rounds = RatingRound.objects.select_related("scope_unit").order_by("pk")
        if round is not None:
            rounds = rounds.filter(pk=round)
            if not rounds.exists():
                raise CommandError(f"Không có đợt đánh giá, xếp loại với mã {round}.")
        started = time.monotonic()
        count = units = 0
        for item in rounds:
            units += rebuild(item)
            count += 1
        self.stdout.write(
            f"Đã tính lại số liệu xếp loại của {count} đợt ({units} đơn vị) "
            f"trong {time.monotonic() - started:.2f} giây."
        )
