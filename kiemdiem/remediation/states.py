"""Lifecycles of remediation plans and their items.

A plan is drafted by the reviewed collective or person, then submitted to its recipients (the
upper standing committee and the working group assigned to the unit; until working groups exist
the parent committee's office appraises). Submission is refused until every item has content, a
responsible party and a deadline inside the cycle's horizon, and every shortcoming is covered.
The appraiser returns it (ticking the grounds: not feasible, no political resolve, no responsible
party, no deadline) or accepts it. A returned plan is prepared again and resubmitted; every
submission is kept as a version. An accepted plan is put to the collective, whose decision
(meeting date, resolution) adopts it.

An item is open until progress is reported, done when the unit reports it finished, verified when
the appraiser checks the evidence. It is cancelled or replaced only with a reason.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Chờ thẩm định")
    RETURNED = "returned", _("Bị trả lại, chuẩn bị lại")
    ACCEPTED = "accepted", _("Đạt yêu cầu, chờ tập thể quyết định")
    ADOPTED = "adopted", _("Đã ban hành")


PLAN_ALLOWED: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.SUBMITTED},
    PlanStatus.SUBMITTED: {PlanStatus.RETURNED, PlanStatus.ACCEPTED},
    PlanStatus.RETURNED: {PlanStatus.SUBMITTED},
    PlanStatus.ACCEPTED: {PlanStatus.ADOPTED},
    PlanStatus.ADOPTED: set(),
}

# Items may be edited only while the plan is being prepared.
PLAN_EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Báo cáo hoàn thành")
    VERIFIED = "verified", _("Đã xác nhận hoàn thành")
    CANCELLED = "cancelled", _("Đã hủy")
    REPLACED = "replaced", _("Đã thay thế")


ACTION_ALLOWED: dict[str, set[str]] = {
    ActionStatus.OPEN: {
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
        ActionStatus.CANCELLED,
        ActionStatus.REPLACED,
    },
    ActionStatus.IN_PROGRESS: {
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
        ActionStatus.CANCELLED,
        ActionStatus.REPLACED,
    },
    # The appraiser verifies a done item, or sends it back to in progress.
    ActionStatus.DONE: {ActionStatus.VERIFIED, ActionStatus.IN_PROGRESS},
    ActionStatus.VERIFIED: set(),
    ActionStatus.CANCELLED: set(),
    ActionStatus.REPLACED: set(),
}

ACTION_CLOSED = frozenset({ActionStatus.VERIFIED, ActionStatus.CANCELLED, ActionStatus.REPLACED})


class ReturnGround(models.TextChoices):
    NOT_FEASIBLE = "not_feasible", _("Không khả thi")
    NO_RESOLVE = "no_resolve", _("Không thể hiện quyết tâm chính trị")
    NO_RESPONSIBLE = "no_responsible", _("Không nêu rõ tổ chức, cá nhân chịu trách nhiệm")
    NO_DEADLINE = "no_deadline", _("Không có mốc thời gian hoàn thành")
