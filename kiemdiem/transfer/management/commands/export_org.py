"""Export a subtree (units, people, memberships, positions) to XLSX or CSV, re-importable as is."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import visible_units
from kiemdiem.transfer import exporter
from kiemdiem.transfer.columns import ENTITIES, TABLES


class Command(BaseCommand):
    help = (
        "Xuất đơn vị, đảng viên, sinh hoạt đảng, chức vụ của một nhánh ra XLSX (một tệp) hoặc "
        "CSV (một tệp mỗi bảng, trong thư mục OUTPUT); nhập lại tệp này không thay đổi gì."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("output", help="Tệp .xlsx, hoặc thư mục cho các tệp CSV.")
        parser.add_argument("--unit", help="Mã đơn vị gốc của nhánh (mặc định: cả cây).")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--entity", choices=ENTITIES, help="CSV: chỉ xuất một bảng.")
        parser.add_argument("--user", help="Chỉ xuất trong phạm vi tài khoản này được xem.")

    def handle(self, *args, output, unit, format, entity, user, **options) -> None:
        units = Unit.objects.all()
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"Không có tài khoản “{user}”.")
            units = visible_units(account)
        if unit:
            root = units.filter(code=unit.strip().upper()).first()
            if root is None:
                raise CommandError(f"Không tìm thấy đơn vị mã “{unit}” (trong phạm vi được xem).")
            roots = [root]
        else:
            roots = list(units.filter(parent__isnull=True))
            if len(roots) != 1:
                raise CommandError("Cây có nhiều gốc: hãy chọn --unit.")
        root = roots[0]
        target = Path(output)
        if format == "xlsx":
            with target.open("wb") as out:
                exporter.export_xlsx(root, out)
            self.stdout.write(f"Đã xuất nhánh {root.code} ra {target}.")
            return
        target.mkdir(parents=True, exist_ok=True)
        for name in [entity] if entity else ENTITIES:
            path = target / TABLES[name].filename
            with path.open("wb") as out:
                exporter.export_csv(name, root, out)
            self.stdout.write(f"Đã xuất {TABLES[name].label} của nhánh {root.code} ra {path}.")
