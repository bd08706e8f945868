"""Re-check campaigns over a past year's published results (QĐ 366 Art. 13, 15; the Quảng Ngãi
2022 case): lifecycles, who may do what, every write and the reads of the pages.

A committee (its standing committee, head or office acting for it) opens a campaign over the
year's published results in its subtree, with a deadline. Each competent level that decided some
of those results gets a task listing them. Each result is then checked: confirmed as correct, or
corrected — a correction is the existing cancel-and-re-rate path (Mẫu 03, by the committee
directly above the competent level), so the old result stays with its reason and the re-rating
starts beside it; the level the re-check found right shows as "after" until the re-rating decides.
A task whose results are all checked is reported by its unit (the campaign's committee may send
it back with a reason). After the deadline, a task with results still pending is overdue. The
committee closes the campaign; results still pending then need a closing note.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.classification import rules, services
from kiemdiem.classification.models import Rating, RatingStatus
from kiemdiem.classification.permissions import can_cancel, decides
from kiemdiem.classification.recheck_models import (
    RecheckCampaign,
    RecheckItem,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
    RecheckTaskStatus,
)
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import BORN, Arrow, Lifecycle, Place, begin
from kiemdiem.core.models import NotificationKind
from kiemdiem.core.notifications import Note, notify, notify_many
from kiemdiem.core.permissions import ALLOW, Actor, Decision, acting_user, deny
from kiemdiem.core.text import normalize_text_block
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for
from kiemdiem.org.selectors import users_answering_for

# --- who may do what ----------------------------------------------------------------------------


def can_open_recheck(user: Actor, unit: Unit) -> Decision:
    """The committee itself: its standing committee, head or office acting for it."""
    if decides(user, unit):
        return ALLOW
    return deny(
        _(
            "Chỉ Ban Thường vụ, người đứng đầu hoặc văn phòng của %(u)s mới được mở đợt rà soát "
            "kết quả xếp loại trong phạm vi của cấp ủy đó (Quy định 366-QĐ/TW Điều 13)."
        )
        % {"u": unit}
    )


def can_manage_recheck(user: Actor, campaign: RecheckCampaign) -> Decision:
    """Close the campaign, send a report back: only the committee that opened it."""
    if decides(user, campaign.unit):
        return ALLOW
    return deny(
        _("Chỉ cấp ủy đã mở đợt rà soát (%(u)s) mới được thực hiện việc này.")
        % {"u": campaign.unit}
    )


def can_check(user: Actor, task: RecheckTask) -> Decision:
    """Confirm a result, report the task: the competent level that decided the results, or the
    committee that opened the campaign."""
    if decides(user, task.unit) or decides(user, task.campaign.unit):
        return ALLOW
    return deny(
        _(
            "Chỉ cấp đã quyết định các kết quả này (%(u)s) hoặc cấp ủy mở đợt rà soát mới được "
            "rà soát, báo cáo."
        )
        % {"u": task.unit}
    )


def _can_check_item(user: Actor, item: RecheckItem) -> Decision:
    return can_check(user, item.task)


def _can_correct_item(user: Actor, item: RecheckItem) -> Decision:
    """A correction cancels the result: the committee directly above the competent level."""
    return can_cancel(user, item.rating)


def _can_report(user: Actor, task: RecheckTask) -> Decision:
    return can_check(user, task)


def _can_return(user: Actor, task: RecheckTask) -> Decision:
    return can_manage_recheck(user, task.campaign)


# --- lifecycles ---------------------------------------------------------------------------------

CAMPAIGN = Lifecycle(
    name="recheck",
    labels=dict(RecheckStatus.choices),
    place=lambda c: Place(unit_path=c.unit.path),
    arrows={
        (BORN, RecheckStatus.OPEN): Arrow(can=lambda u, c: can_open_recheck(u, c.unit)),
        (RecheckStatus.OPEN, RecheckStatus.CLOSED): Arrow(can=can_manage_recheck),
    },
)

TASK = Lifecycle(
    name="recheck_task",
    labels=dict(RecheckTaskStatus.choices),
    place=lambda t: Place(unit_path=t.unit.path),
    arrows={
        (RecheckTaskStatus.OPEN, RecheckTaskStatus.REPORTED): Arrow(can=_can_report),
        (RecheckTaskStatus.REPORTED, RecheckTaskStatus.OPEN): Arrow(can=_can_return, reason=True),
    },
)

ITEM = Lifecycle(
    name="recheck_item",
    labels=dict(RecheckOutcome.choices),
    place=lambda i: Place(unit_path=i.rating.unit.path, person_id=i.rating.person_id),
    status_field="outcome",
    arrows={
        (RecheckOutcome.PENDING, RecheckOutcome.CONFIRMED): Arrow(can=_can_check_item),
        (RecheckOutcome.PENDING, RecheckOutcome.CORRECTED): Arrow(
            can=_can_correct_item, reason=True
        ),
    },
)


# --- reads --------------------------------------------------------------------------------------


def campaigns_for(user: Actor) -> QuerySet[RecheckCampaign]:
    return RecheckCampaign.objects.visible_to(user).select_related("unit")


def tasks_for(user: Actor, campaign: RecheckCampaign) -> QuerySet[RecheckTask]:
    """The campaign's tasks the user may read: all of them for its committee, else those of the
    units the user manages."""
    qs = RecheckTask.objects.filter(campaign=campaign).select_related("unit", "campaign__unit")
    if access_for(user).everything or decides(user, campaign.unit):
        return qs
    return qs & RecheckTask.objects.visible_to(user)


def items_for(user: Actor, task: RecheckTask) -> QuerySet[RecheckItem]:
    """The task's results the user may read (as the ratings themselves)."""
    visible = Rating.objects.visible_to(user).values("pk")
    return (
        RecheckItem.objects.filter(task=task, rating__in=visible)
        .select_related("rating__unit", "rating__person", "rating__deciding_unit", "rerating")
        .order_by("rating__unit__path", "rating__subject_kind", "rating__person__sort_key", "pk")
    )


def tasks_visible(user: Actor) -> QuerySet[RecheckTask]:
    """Every task the user may read: all those of a campaign opened by a committee the user acts
    for, and those of the units whose results the user manages."""
    qs = RecheckTask.objects.select_related("unit", "campaign__unit")
    access = access_for(user)
    if access.everything:
        return qs
    return qs.filter(
        Q(campaign__unit_id__in=access.recipient_unit_ids)
        | Q(pk__in=RecheckTask.objects.visible_to(user).values("pk"))
    )


def items_visible(user: Actor) -> QuerySet[RecheckItem]:
    """Every re-checked result the user may read: in a task they see, of a rating they see."""
    return RecheckItem.objects.filter(
        task__in=tasks_visible(user).values("pk"),
        rating__in=Rating.objects.visible_to(user).values("pk"),
    ).select_related("task__campaign", "task__unit", "rating__unit", "rating__person", "rerating")


@dataclass
class TaskRow:
    """One unit's progress: its counts and whether it is late."""

    task: RecheckTask
    counts: Counter

    @property
    def pending(self) -> int:
        return self.counts[RecheckOutcome.PENDING]

    @property
    def confirmed(self) -> int:
        return self.counts[RecheckOutcome.CONFIRMED]

    @property
    def corrected(self) -> int:
        return self.counts[RecheckOutcome.CORRECTED]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def overdue(self) -> bool:
        return task_overdue(self.task, self.pending)


def task_overdue(task: RecheckTask, pending: int, today: datetime.date | None = None) -> bool:
    """Past the deadline with results still pending or no report, in a campaign still open."""
    today = today or timezone.localdate()
    campaign = task.campaign
    return (
        campaign.status == RecheckStatus.OPEN
        and today > campaign.deadline
        and (pending > 0 or task.status != RecheckTaskStatus.REPORTED)
    )


def task_rows(user: Actor, campaign: RecheckCampaign) -> list[TaskRow]:
    """Every task of the campaign the user may read, with its counts (one grouped query)."""
    tasks = list(tasks_for(user, campaign))
    counts: dict[int, Counter] = {t.pk: Counter() for t in tasks}
    grouped = (
        RecheckItem.objects.filter(task__in=[t.pk for t in tasks])
        .values_list("task_id", "outcome")
        .order_by()
    )
    for task_id, outcome in grouped:
        counts[task_id][outcome] += 1
    return [TaskRow(t, counts[t.pk]) for t in tasks]


def _published_in(unit: Unit, year: int) -> QuerySet[Rating]:
    """The year's published results decided within the subtree (a result decided above it is
    the upper level's to re-check)."""
    return Rating.objects.filter(
        round__year=year,
        round__period="year",  # a term round's results are not the year's
        status=RatingStatus.PUBLISHED,
        unit__path__startswith=unit.path,
        deciding_unit__path__startswith=unit.path,
    )


# --- writes -------------------------------------------------------------------------------------


@transaction.atomic
def campaign_open(
    *,
    by: Actor,
    unit: Unit,
    year: int,
    deadline: datetime.date,
    title: str = "",
    document_number: str = "",
    instructions: str = "",
) -> RecheckCampaign:
    """Open a re-check of `year`'s published results in `unit`'s subtree: one task per competent
    level, one line per result to check."""
    today = timezone.localdate()
    if year >= today.year:
        raise DomainError(
            _("Chỉ rà soát kết quả của năm đã qua (trước năm %(y)s).") % {"y": today.year},
            field="year",
        )
    if deadline < today:
        raise DomainError(
            _("Hạn hoàn thành %(d)s đã qua.") % {"d": vn_date(deadline)}, field="deadline"
        )
    campaign = RecheckCampaign(
        unit=unit,
        year=year,
        deadline=deadline,
        title=normalize_text_block(title)
        or _("Rà soát kết quả đánh giá, xếp loại năm %(y)s") % {"y": year},
        document_number=document_number.strip()[:60],
        instructions=normalize_text_block(instructions),
        created_by=acting_user(by),
    )
    move = begin(obj=campaign, to=RecheckStatus.OPEN, lifecycle=CAMPAIGN, by=by)
    ratings = list(
        _published_in(unit, year)
        .order_by("deciding_unit_id", "pk")
        .values_list("pk", "deciding_unit_id", "decided_level")
    )
    if not ratings:
        raise DomainError(
            _("Năm %(y)s chưa có kết quả xếp loại nào được công khai trong phạm vi %(u)s.")
            % {"y": year, "u": unit},
            field="year",
        )
    full_clean(campaign)
    campaign.status = RecheckStatus.OPEN
    campaign.save()
    deciders = sorted({d for _pk, d, _lv in ratings})
    tasks = RecheckTask.objects.bulk_create(
        [RecheckTask(campaign=campaign, unit_id=d) for d in deciders]
    )
    task_of = {t.unit_id: t for t in tasks}
    # One row per result, in bulk (a province holds tens of thousands); their creation is the
    # campaign's, audited once below with the counts.
    RecheckItem.objects.bulk_create(
        [RecheckItem(task=task_of[d], rating_id=pk, before_level=lv) for pk, d, lv in ratings],
        batch_size=2000,
    )
    _notify_tasks(campaign, tasks, by)
    move.born(
        changes={
            "year": [None, year],
            "deadline": [None, deadline.isoformat()],
            "tasks": [None, len(tasks)],
            "items": [None, len(ratings)],
        }
    )
    return campaign


def _me(by: Actor) -> int | None:
    user = acting_user(by)
    return user.pk if user is not None else None


def _notify_tasks(campaign: RecheckCampaign, tasks: list[RecheckTask], by: Actor) -> None:
    """The head and office of each competent level have results to re-check by the deadline."""
    answering = users_answering_for({t.unit_id for t in tasks})
    notify_many(
        Note(
            user_id,
            NotificationKind.TASK_ASSIGNED,
            f"recheck_task:task={task.pk}",
            _("%(c)s: rà soát kết quả năm %(y)s do %(u)s quyết định, hạn %(d)s.")
            % {
                "c": campaign.unit,
                "y": campaign.year,
                "u": task.unit,
                "d": vn_date(campaign.deadline),
            },
            task.get_absolute_url(),
        )
        for task in tasks
        for user_id in answering.get(task.unit_id, set()) - {_me(by)}
    )


def _open(campaign: RecheckCampaign) -> None:
    if campaign.status != RecheckStatus.OPEN:
        raise DomainError(_("Đợt rà soát đã kết thúc: không thay đổi được kết quả rà soát."))


def _task_open(task: RecheckTask) -> None:
    _open(task.campaign)
    if task.status != RecheckTaskStatus.OPEN:
        raise DomainError(
            _("%(u)s đã báo cáo kết quả rà soát; cấp ủy mở đợt phải trả lại báo cáo trước.")
            % {"u": task.unit}
        )


def _still_published(item: RecheckItem) -> None:
    if item.rating.status != RatingStatus.PUBLISHED:
        raise DomainError(
            _("Kết quả của %(s)s không còn ở trạng thái đã công khai (%(st)s).")
            % {"s": item.rating.subject_label, "st": item.rating.get_status_display()}
        )


@transaction.atomic
def item_confirm(*, item: RecheckItem, by: Actor, version: int, note: str = "") -> None:
    """The result was checked and is correct."""
    move = begin(
        obj=item, to=RecheckOutcome.CONFIRMED, lifecycle=ITEM, by=by, version=version, reason=note
    )
    _task_open(item.task)
    _still_published(item)
    move.apply(note=normalize_text_block(note), checked_on=move.effective_on)


@transaction.atomic
def item_correct(
    *,
    item: RecheckItem,
    by: Actor,
    version: int,
    found_level: str,
    reason: str,
    decision_number: str,
    decided_on: datetime.date | None = None,
) -> Rating:
    """The result was wrong: the directly higher committee cancels it and orders a re-rating
    (Mẫu 03) through `services.rating_cancel`; the level the re-check found right is kept as
    "after" until the re-rating decides. Returns the re-rating."""
    rating = item.rating
    reason = normalize_text_block(reason)
    move = begin(
        obj=item,
        to=RecheckOutcome.CORRECTED,
        lifecycle=ITEM,
        by=by,
        version=version,
        reason=reason,
    )
    _task_open(item.task)
    _still_published(item)
    scheme = rating.round.rules
    if scheme.level(rating.subject_kind, found_level) is None:
        allowed = ", ".join(lv.short for lv in scheme.levels_for(rating.subject_kind))
        raise DomainError(
            _("Mức “%(l)s” không có trong %(s)s (các mức: %(a)s).")
            % {"l": rules.short(found_level) or _("(trống)"), "s": scheme.title, "a": allowed},
            field="found_level",
        )
    if found_level == item.before_level:
        raise DomainError(
            _("Mức đúng trùng với mức đã công khai (%(l)s): hãy xác nhận kết quả đúng.")
            % {"l": rules.short(found_level)},
            field="found_level",
        )
    if not reason:
        raise DomainError(_("Phải nêu lý do kết quả chưa đúng."), field="reason")
    rerating = services.rating_cancel(
        rating=rating,
        by=by,
        reason=_("Rà soát lại (%(c)s): %(r)s") % {"c": item.task.campaign.title, "r": reason},
        decision_number=decision_number,
        version=rating.version,
        cancelled_on=decided_on,
    )
    move.apply(
        {"level": [item.before_level, found_level]},
        found_level=found_level,
        note=reason,
        rerating=rerating,
        checked_on=move.effective_on,
    )
    return rerating


@transaction.atomic
def task_report(*, task: RecheckTask, by: Actor, version: int, report: str) -> None:
    """The unit reports its re-check done: nothing may be pending."""
    move = begin(obj=task, to=RecheckTaskStatus.REPORTED, lifecycle=TASK, by=by, version=version)
    _open(task.campaign)
    pending = task.items.filter(outcome=RecheckOutcome.PENDING).count()
    if pending:
        raise DomainError(
            _("Còn %(n)s kết quả chưa rà soát: rà soát hết rồi mới báo cáo.") % {"n": pending}
        )
    text = normalize_text_block(report)
    if not text:
        raise DomainError(_("Phải nêu kết quả rà soát."), field="report")
    move.reason = text
    move.apply(report=text, reported_on=move.effective_on)
    campaign = task.campaign
    notify(
        user_ids=users_answering_for({campaign.unit_id}).get(campaign.unit_id, set()) - {_me(by)},
        kind=NotificationKind.TASK_REPORTED,
        key=f"recheck_reported:task={task.pk}:v={task.version}",
        text=_("%(u)s đã báo cáo kết quả rà soát năm %(y)s.")
        % {"u": task.unit, "y": campaign.year},
        url=task.get_absolute_url(),
    )


@transaction.atomic
def task_return(*, task: RecheckTask, by: Actor, version: int, reason: str) -> None:
    """The campaign's committee sends a report back to be redone."""
    move = begin(
        obj=task,
        to=RecheckTaskStatus.OPEN,
        lifecycle=TASK,
        by=by,
        version=version,
        reason=normalize_text_block(reason),
    )
    _open(task.campaign)
    move.apply(reported_on=None)


@transaction.atomic
def campaign_close(*, campaign: RecheckCampaign, by: Actor, version: int, note: str) -> None:
    """End the campaign. Results still pending then need a closing note saying why."""
    move = begin(obj=campaign, to=RecheckStatus.CLOSED, lifecycle=CAMPAIGN, by=by, version=version)
    note = normalize_text_block(note)
    pending = RecheckItem.objects.filter(
        task__campaign=campaign, outcome=RecheckOutcome.PENDING
    ).count()
    if pending and not note:
        raise DomainError(
            _("Còn %(n)s kết quả chưa rà soát: phải nêu lý do kết thúc đợt.") % {"n": pending},
            field="note",
        )
    move.reason = note
    move.apply({"pending": [None, pending]}, closing_note=note, closed_on=move.effective_on)
