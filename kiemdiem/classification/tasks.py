"""Opening the subjects of a round runs in the task queue: over a province it writes hundreds
of thousands of ratings and audit rows, longer than a request may take."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from kiemdiem.classification.models import RatingRound
from kiemdiem.classification.opening import subjects_open


def round_populate(round_id: int, user_id: int) -> str:
    """Open the round's subjects as the user who asked; a second delivery opens nothing twice
    (subjects already opened are skipped)."""
    round_ = RatingRound.objects.select_related("scope_unit").get(pk=round_id)
    user = get_user_model().objects.get(pk=user_id)
    counts = subjects_open(round_=round_, by=user)
    return _(
        "Đã mở %(n)s kết quả đánh giá, xếp loại (%(e)s đảng viên mới không xếp loại, %(t)s đảng "
        "viên sinh hoạt tạm thời)."
    ) % {"n": counts["opened"], "e": counts["exempt"], "t": counts["temporary"]}
