"""Opening a cycle over its subtree runs in the task queue: over a province it writes tens of
thousands of reviews, plans and audit rows (25-34 s), longer than a request may take."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from kiemdiem.campaign import services as campaign
from kiemdiem.reviews.models import ReviewCycle


def cycle_open(cycle_id: int, user_id: int, note: str, version: int) -> str:
    """Open the cycle as the user who asked, with the version they saw (so a second delivery
    after success, or a change by someone else meanwhile, is refused, never applied twice)."""
    cycle = ReviewCycle.objects.get(pk=cycle_id)
    user = get_user_model().objects.get(pk=user_id)
    counts = campaign.cycle_open(cycle=cycle, by=user, note=note, expected_version=version)
    return _(
        "Đã triển khai đợt kiểm điểm: tạo %(n)s bản kiểm điểm, chuyển %(c)s hạn chế, khuyết điểm "
        "từ kỳ trước."
    ) % {"n": counts["reviews"], "c": counts["carried"]}
