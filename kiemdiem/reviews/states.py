"""Lifecycles of review cycles and self-reviews.

A review cycle is drafted by the committee office, opened (which creates the expected reviews for
every participating unit and brings over last cycle's unresolved shortcomings), and closed at
the end of its horizon; a closed cycle accepts no more submissions.

A self-review (of a collective or an individual) is drafted, submitted to the unit's conference,
marked discussed once the conference is recorded, and finalized after the conference's comments have
been taken in. A finalized review is what the remediation plan answers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Đang chuẩn bị")
    OPEN = "open", _("Đang triển khai")
    CLOSED = "closed", _("Đã kết thúc")


CYCLE_ALLOWED: dict[str, set[str]] = {
    CycleStatus.DRAFT: {CycleStatus.OPEN},
    CycleStatus.OPEN: {CycleStatus.CLOSED},
    CycleStatus.CLOSED: set(),
}


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã gửi hội nghị")
    DISCUSSED = "discussed", _("Đã thảo luận tại hội nghị")
    FINALIZED = "finalized", _("Đã hoàn chỉnh")


REVIEW_ALLOWED: dict[str, set[str]] = {
    ReviewStatus.DRAFT: {ReviewStatus.SUBMITTED},
    ReviewStatus.SUBMITTED: {ReviewStatus.DISCUSSED, ReviewStatus.DRAFT},
    ReviewStatus.DISCUSSED: {ReviewStatus.FINALIZED},
    ReviewStatus.FINALIZED: set(),
}
