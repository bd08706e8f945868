"""manage.py document_pictures [--out docs/documents] [--dpi 100]: one picture per document kind.

Renders one document of each kind from the data in the database (the demo: seed_demo then
seed_campaign) as the draft a user downloads, turns it into PDF (LibreOffice) and its first page
into PNG (pdftoppm), written as <out>/<kind>.png for the README's readers.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone

from kiemdiem.core.errors import DomainError
from kiemdiem.documents import pdf, render
from kiemdiem.remediation.models import ActionStatus, RemediationPlan

# Past this many items the plan's table runs onto page 2 and the picture shows only its start.
PLAN_ITEMS_MAX = 6


def plan_docx() -> bytes:
    """A unit's remediation plan of the demo: the one with the most items that fit page 1."""
    plan = (
        RemediationPlan.objects.filter(person__isnull=True)
        .annotate(
            n=Count(
                "actions",
                filter=~Q(actions__status__in=[ActionStatus.CANCELLED, ActionStatus.REPLACED]),
            )
        )
        .filter(n__lte=PLAN_ITEMS_MAX)
        .select_related("unit", "unit__parent", "cycle", "review")
        .order_by("-n", "pk")
        .first()
    )
    if plan is None:
        raise CommandError(
            "Chưa có kế hoạch khắc phục nào: chạy seed_demo rồi seed_campaign trước."
        )
    context = render.plan_context(
        plan, number_symbol=render.draft_symbol(plan.unit), day=timezone.localdate()
    )
    return render.render_docx(context)


# (file name, the kind's document as DOCX bytes); each new kind adds its line.
KINDS: list[tuple[str, Callable[[], bytes]]] = [
    ("ke-hoach-khac-phuc", plan_docx),
]


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
        parser.add_argument("--kind", default="", help="Chỉ vẽ loại này (tên tệp, không đuôi).")

    def handle(self, *args, out: str, dpi: int, kind: str, **options) -> None:
        chosen = [(name, make) for name, make in KINDS if not kind or name == kind]
        if not chosen:
            names = ", ".join(name for name, _ in KINDS)
            raise CommandError(f"Không có loại văn bản “{kind}”; các loại: {names}.")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name, make in chosen:
            try:
                png = pdf.first_page_png(pdf.docx_to_pdf(make()), dpi=dpi)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            target = folder / f"{name}.png"
            target.write_bytes(png)
            self.stdout.write(f"{target}: {len(png) // 1024} KB")
