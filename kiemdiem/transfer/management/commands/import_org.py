"""Import units, people, memberships and positions from XLSX/CSV files (dry run, then real run)."""

import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kiemdiem.core.errors import DomainError
from kiemdiem.core.tasks import run_queued
from kiemdiem.transfer import jobs
from kiemdiem.transfer.columns import ENTITIES, TABLES
from kiemdiem.transfer.planner import ACTION_LABELS, REJECT
from kiemdiem.transfer.states import ImportStatus


class Command(BaseCommand):
    help = (
        "Nhập đơn vị, đảng viên, sinh hoạt đảng, chức vụ từ tệp XLSX hoặc CSV: chạy thử từng "
        "dòng, rồi ghi tất cả trong một giao dịch (hoặc không ghi gì). Chạy lại cùng tệp không "
        "thay đổi gì."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", help="Tệp .xlsx, hoặc một/nhiều tệp .csv.")
        parser.add_argument(
            "--entity",
            choices=ENTITIES,
            default="",
            help="Bảng của tệp CSV (mặc định: nhận biết theo dòng tiêu đề).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Chỉ chạy thử, không ghi.")
        parser.add_argument(
            "--user", help="Nhập với quyền của tài khoản này (mặc định: hệ thống, mọi đơn vị)."
        )
        parser.add_argument(
            "--show", type=int, default=50, help="Số dòng bị từ chối in ra (mặc định 50)."
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help=(
                "Chạy ngay trong tiến trình này các công việc đến hạn trong hàng đợi (kể cả "
                "lượt nhập bị dừng giữa chừng, khi hết thời gian chờ giao lại)."
            ),
        )

    def handle(self, *args, files, entity, dry_run, user, show, resume, **options) -> None:
        self.last_echo = 0.0
        self.last_stage = ""
        self.token = jobs.ECHO.set(self.echo)
        try:
            self.run(files, entity, dry_run, user, show, resume)
        finally:
            jobs.ECHO.reset(self.token)

    def wait(self, job):
        """Run the job's queued step here (a task worker may take it first: then wait for it)."""
        while True:
            job.refresh_from_db()
            if not job.is_active:  # checked, done or failed
                return job
            if not run_queued(limit=1):
                time.sleep(1)

    def run(self, files, entity, dry_run, user, show, resume) -> None:
        if resume:
            count = run_queued()
            self.stdout.write(f"Đã chạy {count} công việc trong hàng đợi.")
            return
        if not files:
            raise CommandError("Hãy chỉ ra tệp cần nhập.")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"Không có tài khoản “{user}”.")
        handles = []
        try:
            for name in files:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"Không tìm thấy tệp {name}.")
                handles.append((path.name, path.open("rb")))
            try:
                job = jobs.job_submit(files=handles, by=account, entity=entity, eager=False)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        finally:
            for _name, handle in handles:
                handle.close()
        self.stdout.write(f"Lượt nhập số {job.pk}: {', '.join(f['name'] for f in job.files)}")
        job = self.wait(job)
        self.report(job, show)
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.error)
        if job.rejected:
            raise CommandError(f"Có {job.rejected} dòng/lỗi bị từ chối: không ghi gì.")
        if dry_run:
            self.stdout.write("Chạy thử xong, không ghi gì (bỏ --dry-run để ghi).")
            return
        if not job.changes:
            self.stdout.write("Không có gì thay đổi: dữ liệu trong tệp đã có đủ.")
            return
        try:
            job = jobs.job_confirm(job, by=account, eager=False)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        job = self.wait(job)
        if job.status != ImportStatus.DONE:
            self.report(job, show)
            raise CommandError(job.error or "Không ghi được.")
        self.stdout.write(f"Đã ghi xong. {jobs.summary(job)}")

    def echo(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.last_stage and now - self.last_echo < 0.5 and done < total:
            return
        self.last_stage, self.last_echo = stage, now
        self.stdout.write(f"  {stage}: {done}/{total} dòng")
        self.stdout.flush()

    def report(self, job, show: int) -> None:
        for problem in job.report.get("problems", []):
            self.stdout.write(f"LỖI TỆP: {problem}")
        for note in job.report.get("notes", []):
            self.stdout.write(f"Ghi chú: {note}")
        for entity in ENTITIES:
            counts = job.counts.get(entity)
            if counts:
                figures = ", ".join(
                    f"{label}: {counts.get(action, 0)}" for action, label in ACTION_LABELS.items()
                )
                self.stdout.write(f"{TABLES[entity].label} — {figures}")
        shown = 0
        for entity, row, action, key, reasons, _changes in job.report.get("rows", []):
            if action != REJECT or shown >= show:
                continue
            shown += 1
            self.stdout.write(f"  [{TABLES[entity].label}] dòng {row} ({key}): {' '.join(reasons)}")
        if job.rejected > shown + len(job.report.get("problems", [])):
            self.stdout.write(
                f"  … (xem đủ trên trang Nhập, xuất dữ liệu; tối đa "
                f"{settings.KIEMDIEM_IMPORT_REPORT_ROWS} dòng được lưu)"
            )
