"""manage.py document_pictures [--out docs/documents] [--dpi 100] [--kind CODE]: one picture per
document kind.

For each registered kind (documents.kinds.KINDS) it takes one object from the database (the demo:
seed_demo then seed_campaign), renders the draft a user downloads (the template the object's unit
uses), turns it into PDF (LibreOffice) and its first page into PNG (pdftoppm): <out>/<code>.png,
for the README's readers.
"""

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.documents import pdf, services
from kiemdiem.documents.kinds import KINDS, Kind
from kiemdiem.remediation.models import ActionStatus
from kiemdiem.reviews.models import Review, SubjectKind

# Past this many items the plan's table runs onto page 2 and the picture shows only its start.
PLAN_ITEMS_MAX = 6


def _plan(kind: Kind) -> Any:
    """A unit's remediation plan (not a member's): the one with the most items that fit page 1."""
    live = ~Q(actions__status__in=[ActionStatus.CANCELLED, ActionStatus.REPLACED])
    return (
        kind.objects(SYSTEM)
        .filter(person__isnull=True)
        .annotate(n=Count("actions", filter=live))
        .filter(n__lte=PLAN_ITEMS_MAX)
        .order_by("-n", "pk")
        .first()
    )


def _most_findings(kind: Kind) -> Any:
    """A review with the most findings (a collective's report, a member's form): the picture
    shows a filled form rather than dotted lines."""
    return (
        kind.objects(SYSTEM)
        .annotate(n=Count("findings"))
        .filter(n__gt=0)
        .order_by("-n", "pk")
        .first()
    )


def _meeting(kind: Kind) -> Any:
    """The conference of the unit whose collective review has the most findings."""
    meetings = kind.objects(SYSTEM)
    reviews = (
        Review.objects.filter(
            subject_kind=SubjectKind.COLLECTIVE, unit__review_meetings__isnull=False
        )
        .annotate(n=Count("findings"))
        .order_by("-n", "pk")
    )
    review = reviews.first()
    found = meetings.filter(unit_id=review.unit_id, cycle_id=review.cycle_id) if review else None
    return (found.first() if found is not None else None) or meetings.order_by("pk").first()


def _round(kind: Kind) -> Any:
    """The year round with the most results decided by its own scope's committee."""
    decided = Count(
        "ratings",
        filter=Q(
            ratings__deciding_unit=F("scope_unit"),
            ratings__status__in=["decided", "published"],
        ),
    )
    rounds = kind.objects(SYSTEM).filter(period="year").annotate(n=decided)
    return rounds.order_by("-n", "-year", "pk").first()


# The object pictured for a kind, where the first one (by pk) would show it badly.
PICKS: dict[str, Callable[[Kind], Any]] = {
    "ke-hoach-khac-phuc": _plan,
    "bao-cao-kiem-diem-tap-the": _most_findings,
    "ban-kiem-diem-ca-nhan": _most_findings,
    "ban-kiem-diem-ca-nhan-2c": _most_findings,
    "bien-ban-hoi-nghi-kiem-diem": _meeting,
    "ket-qua-xep-loai": _round,
    "thong-ke-xep-loai": _round,
    "danh-muc-ho-so": _round,
}


def example(kind: Kind) -> Any:
    """The object of the kind the picture is made from, or None when the database has none."""
    pick = PICKS.get(kind.code)
    return pick(kind) if pick else kind.objects(SYSTEM).order_by("pk").first()


def draft_docx(kind: Kind, obj: Any, day: datetime.date) -> bytes:
    """The document as the download gives it (views.document_docx): the unit's template."""
    return services.document_content(kind, obj, day=day)[0]


class Command(BaseCommand):
    help = (
        "Vẽ trang đầu của một văn bản mỗi loại (DOCX → PDF bằng LibreOffice → PNG) vào "
        "docs/documents/<loại>.png, từ dữ liệu mẫu."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--out",
            default=str(Path(settings.BASE_DIR) / "docs" / "documents"),
            help="Thư mục ghi ảnh; mặc định docs/documents.",
        )
        parser.add_argument("--dpi", type=int, default=100, help="Độ phân giải; mặc định 100.")
        parser.add_argument(
            "--kind", default="", help="Chỉ vẽ loại này (mã loại, vd. ke-hoach-khac-phuc)."
        )

    def handle(self, *args, out: str, dpi: int, kind: str, **options) -> None:
        if kind and kind not in KINDS:
            raise CommandError(f"Không có loại văn bản “{kind}”; các loại: {', '.join(KINDS)}.")
        folder = Path(out)
        day = timezone.localdate()
        missing = []
        for found in [KINDS[kind]] if kind else list(KINDS.values()):
            obj = example(found)
            if obj is None:
                missing.append(found.label)
                continue
            try:
                png = pdf.first_page_png(pdf.docx_to_pdf(draft_docx(found, obj, day)), dpi=dpi)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{found.code}.png"
            target.write_bytes(png)
            self.stdout.write(f"{target}: {len(png) // 1024} KB")
        if missing:
            names = "; ".join(missing)
            raise CommandError(
                f"Chưa có dữ liệu cho: {names}. Chạy seed_demo rồi seed_campaign trước."
            )
