"""Check the audit trail's hash chain and report the first broken link (exit 1 if broken)."""

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.core.audit_chain import seal_pending, verify, verify_and_record


class Command(BaseCommand):
    help = (
        "Kiểm tra nhật ký thay đổi: niêm phong các bản ghi mới, rồi kiểm tra toàn bộ chuỗi mã "
        "băm; báo mắt xích đầu tiên bị đứt (bản ghi bị sửa, bị xóa, hoặc được chèn ngoài ứng "
        "dụng). Thoát với mã 1 nếu nhật ký không còn nguyên vẹn."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--record",
            action="store_true",
            help="Ghi kết quả vào nhật ký (như lượt kiểm tra hằng ngày của tiến trình nền).",
        )
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="Không niêm phong bản ghi mới trước khi kiểm tra.",
        )

    def handle(self, *args, record: bool, no_seal: bool, **options) -> None:
        if record:
            line = verify_and_record()
            ok = not line.startswith("Nhật ký KHÔNG")
        else:
            if not no_seal:
                seal_pending()
            verdict = verify()
            line, ok = verdict.line(), verdict.ok
        if not ok:
            raise CommandError(line)
        self.stdout.write(line)
