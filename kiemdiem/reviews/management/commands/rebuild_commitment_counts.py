"""Recompute the commitments-per-cell-and-year summary from the memberships, commitments and
items: after a load that bypassed its triggers (TRUNCATE, triggers disabled)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from kiemdiem.reviews import commitment_counts
from kiemdiem.reviews.models import UnitCommitmentCount


class Command(BaseCommand):
    help = "Tính lại số bản cam kết theo chi bộ và năm từ dữ liệu gốc."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        with transaction.atomic():
            commitment_counts.rebuild()
        self.stdout.write(
            f"Đã tính lại {UnitCommitmentCount.objects.count()} dòng "
            f"trong {time.monotonic() - started:.1f} giây."
        )
