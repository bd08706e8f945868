"""manage.py seed_demo --scale small|province|national --seed N [--force]: load demo data."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.org import demo


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu mẫu: cây tổ chức sau 01/7/2025 (kèm huyện, xã cũ), đảng viên, chức vụ và "
        "các tài khoản demo. Cùng quy mô và seed luôn cho cùng dữ liệu."
    )

    def add_arguments(self, parser) -> None:
        # Checked in handle(), not by argparse `choices`/`type`, so the error is in Vietnamese.
        parser.add_argument(
            "--scale", default="small", help="small (mặc định), province hoặc national."
        )
        parser.add_argument("--seed", default="2026", help="Số nguyên; mặc định 2026.")
        parser.add_argument(
            "--provinces",
            default="",
            help="Quy mô national: chỉ nạp chừng ấy tỉnh (ít nhất hai tỉnh demo); mặc định cả 34.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Không làm gì nếu cơ sở dữ liệu đã có cây tổ chức (make run dùng tùy chọn này).",
        )
        parser.add_argument(
            "--logins-file",
            default="",
            help="Ghi thêm bảng tài khoản demo vào tệp này (make run in lại bảng trước khi chạy).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Xóa dữ liệu mẫu cũ rồi nạp lại (chỉ khi nhật ký chỉ có các lần nạp mẫu).",
        )

    def handle(
        self,
        *args,
        scale: str,
        seed: str,
        force: bool,
        if_empty: bool,
        logins_file: str = "",
        provinces: str = "",
        **options,
    ) -> None:
        if scale not in demo.SCALES:
            raise CommandError(
                f"Quy mô không hợp lệ: “{scale}”; chọn một trong {', '.join(demo.SCALES)}."
            )
        try:
            seed_number = int(seed)
        except ValueError:
            raise CommandError(f"Seed phải là số nguyên, không phải “{seed}”.") from None
        try:
            provinces_limit = int(provinces) if provinces else None
        except ValueError:
            raise CommandError(f"Số tỉnh phải là số nguyên, không phải “{provinces}”.") from None
        if provinces_limit is not None and (scale != "national" or provinces_limit < 1):
            raise CommandError("--provinces chỉ dùng với --scale national, và từ 1 trở lên.")
        if if_empty and demo.has_org_data():
            logins = ", ".join(demo.existing_logins()) or "không có"
            self.stdout.write(
                "Cơ sở dữ liệu đã có cây tổ chức: không nạp dữ liệu mẫu. Tài khoản demo hiện có "
                f"(mật khẩu {demo.DEMO_PASSWORD}): {logins}."
            )
            return
        self.stdout.write(f"Nạp dữ liệu mẫu quy mô {scale}, seed {seed_number}…")
        try:
            report = demo.seed_demo(
                scale=scale,
                seed=seed_number,
                force=force,
                log=self.stdout.write,
                provinces=provinces_limit,
            )
        except demo.SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        counts = {name: f"{value:,}".replace(",", ".") for name, value in report.counts.items()}
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong trong {report.total_seconds:.1f} s: {counts['units']} đơn vị, "
                f"{counts['persons']} đảng viên, {counts['positions']} chức vụ, "
                f"{counts['successions']} chuyển đổi cũ → mới."
            )
        )
        table = login_table(report.logins)
        self.stdout.write("\n".join(table))
        if logins_file:
            path = Path(logins_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(table) + "\n", encoding="utf-8")


def login_table(logins: list[demo.DemoLogin]) -> list[str]:
    """The demo logins as aligned text lines: account, password, role, scope."""
    rows = [("Tài khoản", "Mật khẩu", "Vai trò", "Phạm vi")] + [
        (login.username, demo.DEMO_PASSWORD, login.role, login.scope) for login in logins
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        cells = [value.ljust(width) for value, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[3]]))
        if i == 0:
            lines.append("  ".join("-" * w for w in [*widths, len(row[3])]))
    return lines
