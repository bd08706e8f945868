"""manage.py seed_campaign [--if-absent]: a review cycle under way over the demo province."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kiemdiem.dashboard.demo import generate_activity, open_cycle
from kiemdiem.dashboard.demo_classification import generate_classification
from kiemdiem.dashboard.demo_oversight import generate_oversight
from kiemdiem.dashboard.demo_records import generate_records
from kiemdiem.dashboard.summaries import rebuild
from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.models import (
    CELL_KINDS,
    AccessGrant,
    AccessRole,
    Person,
    Position,
    PositionRole,
)
from kiemdiem.org.scoping import access_for
from kiemdiem.reviews.models import ReviewCycle

OFFICE_USERNAME = "vanphong"


class Command(BaseCommand):
    help = (
        "Dữ liệu mẫu của một đợt kiểm điểm đang diễn ra trên tỉnh demo: bản kiểm điểm, hạn chế, "
        "kế hoạch khắc phục (đúng hạn, trễ, bị trả lại, đạt), nội dung quá hạn, đã xác nhận."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Không làm gì nếu đã có đợt kiểm điểm (make run dùng tùy chọn này).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Mặc định 1.")

    def handle(self, *args, if_absent: bool, seed: int, **options) -> None:
        if if_absent and ReviewCycle.objects.exists():
            self.stdout.write("Đã có đợt kiểm điểm: không nạp đợt mẫu.")
            return
        office = get_user_model().objects.filter(username=OFFICE_USERNAME).first()
        grant = (
            AccessGrant.objects.select_related("unit")
            .filter(user=office, role=AccessRole.OFFICE)
            .first()
        )
        if grant is None:
            raise CommandError(
                f"Chưa có tài khoản demo “{OFFICE_USERNAME}”: hãy chạy seed_demo trước."
            )
        started = time.perf_counter()
        cycle = open_cycle(grant.unit, office, log=self.stdout.write)
        # Each demo login that appraises (office, secretaries) finds plans waiting for it...
        demo_users = get_user_model().objects.filter(username__in=DEMO_USERNAMES)
        appraising = set().union(*(access_for(user).recipient_unit_ids for user in demo_users))
        # ... and each demo secretary a returned plan, each demo person items coming due.
        people = Person.objects.filter(user__in=demo_users)
        secretaries = Position.objects.current().filter(
            person__in=people, role=PositionRole.SECRETARY, unit__kind__in=CELL_KINDS
        )
        counts = generate_activity(
            cycle,
            seed=seed,
            awaiting_under=appraising,
            returned_units=secretaries.values_list("unit_id", flat=True),
            tracked_people=people.values_list("pk", flat=True),
        )
        records = generate_records(
            cycle,
            office,
            seed=seed,
            commune=_led_by("bithuxa"),
            cell=_led_by("bithuchibo"),
        )
        oversight = generate_oversight(cycle, office, seed=seed)
        rated = generate_classification(cycle, office, commune=_led_by("bithuxa"), seed=seed)
        rebuild(cycle)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đợt “{cycle.title}” trên {grant.unit.name}: {counts['reviews']} bản kiểm điểm, "
                f"{counts['plans']} kế hoạch, {counts['items']} nội dung khắc phục; "
                f"{records['discipline']} hồ sơ kỷ luật, {records['polls']} hội nghị lấy phiếu, "
                f"{records['suggestions']} gợi ý kiểm điểm, {records['commitments']} bản cam kết, "
                f"{oversight.get('groups', 0)} tổ công tác, "
                f"{oversight.get('assignments', 0)} phân công theo dõi, "
                f"{rated['ratings']} kết quả xếp loại năm {cycle.year} "
                f"({time.perf_counter() - started:.1f} s)."
            )
        )


def _led_by(username: str):
    """The unit whose secretary is the demo login `username` (None if absent)."""
    post = (
        Position.objects.filter(person__user__username=username, role=PositionRole.SECRETARY)
        .select_related("unit")
        .first()
    )
    return post.unit if post else None
