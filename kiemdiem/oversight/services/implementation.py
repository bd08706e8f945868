"""Writes of a committee's implementation plans for a directive: the draft and its comments, the
tasks and their tracking, the dissemination conferences, the 6-monthly and yearly reports."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction, NotificationKind
from kiemdiem.core.notifications import notify
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text, normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import CELL_KINDS, LEADER_ROLES, Unit
from kiemdiem.org.selectors import users_answering_for
from kiemdiem.oversight.models import (
    TASK_OPEN,
    CommentDecision,
    ConferenceLevel,
    DirectiveTask,
    DisseminationConference,
    DraftComment,
    DraftVersion,
    ImplementationPlan,
    ImplementationReport,
    TaskEvidence,
    TaskProgress,
)
from kiemdiem.oversight.periods import half_year_bounds
from kiemdiem.oversight.permissions import (
    can_run_plan,
    can_write_implementation_report,
)
from kiemdiem.oversight.services.halfyear import halfyear_submit, halfyear_update
from kiemdiem.oversight.states import (
    IMPLEMENTATION,
    IMPLEMENTATION_REPORT,
    TASK,
    DirectivePlanStatus,
    ReportStatus,
    TaskStatus,
)
from kiemdiem.remediation.evidence import check_evidence, check_progress, store_evidence

PLAN_FIELDS = ["title", "directive", "objectives", "number", "issued_on"]
TASK_FIELDS = ["content", "lead_unit", "due_date"]
COMMENT_FIELDS = ["author", "author_unit", "received_on", "channel", "text"]
CONFERENCE_FIELDS = ["level", "unit", "title", "held_on", "days", "attendance", "note"]


def _audit(obj: Any, action: str, by: Actor, plan: ImplementationPlan, **kwargs: Any) -> None:
    audit_record(obj=obj, action=action, by=by, unit_path=plan.committee.path, **kwargs)


def _require_draft(plan: ImplementationPlan, what: str) -> None:
    if plan.status != DirectivePlanStatus.DRAFT:
        raise DomainError(
            _("Kế hoạch đã ban hành (%(n)s): %(what)s chỉ khi kế hoạch còn là dự thảo.")
            % {"n": plan.number or plan.get_status_display(), "what": what}
        )


# --- the plan and its draft --------------------------------------------------------------------


@transaction.atomic
def implementation_create(
    *,
    committee: Unit,
    title: str,
    directive: str,
    draft_text: str,
    by: Actor,
    objectives: str = "",
) -> ImplementationPlan:
    """Draft a committee's plan to carry out a directive, with its first draft text."""
    plan = ImplementationPlan(
        committee=committee,
        title=normalize_text(title),
        directive=normalize_text(directive),
        objectives=normalize_text_block(objectives),
    )
    move = begin(obj=plan, to=DirectivePlanStatus.DRAFT, lifecycle=IMPLEMENTATION, by=by)
    if committee.kind in CELL_KINDS:
        raise DomainError(_("Kế hoạch thực hiện do cấp ủy ban hành."), field="committee")
    if not plan.title:
        raise DomainError(_("Phải ghi trích yếu của kế hoạch."), field="title")
    if not plan.directive:
        raise DomainError(_("Phải ghi nghị quyết, chỉ thị được thực hiện."), field="directive")
    draft_text = normalize_text_block(draft_text)
    if not draft_text:
        raise DomainError(_("Phải có nội dung dự thảo để lấy ý kiến."), field="draft_text")
    full_clean(plan)
    plan.save()
    DraftVersion.objects.create(plan=plan, number=1, text=draft_text, created_by=acting_user(by))
    move.born(changes=diff({}, snapshot(plan, PLAN_FIELDS)))
    return plan


@transaction.atomic
def implementation_update(
    *, plan: ImplementationPlan, by: Actor, expected_version: int | None = None, **values: Any
) -> ImplementationPlan:
    """Change the title, directive or objectives of a plan still in draft."""
    require(can_run_plan(by, plan))
    require_version(plan, expected_version)
    _require_draft(plan, _("sửa kế hoạch"))
    values = {k: v for k, v in values.items() if k in ("title", "directive", "objectives")}
    for key in ("title", "directive"):
        if key in values:
            values[key] = normalize_text(values[key])
            if not values[key]:
                raise DomainError(_("Không được để trống."), field=key)
    if "objectives" in values:
        values["objectives"] = normalize_text_block(values["objectives"])
    before = snapshot(plan, PLAN_FIELDS)
    for key, value in values.items():
        setattr(plan, key, value)
    changes = diff(before, snapshot(plan, PLAN_FIELDS))
    if not changes:
        return plan
    save_if_unchanged(plan, expected_version, **values)
    _audit(plan, AuditAction.UPDATE, by, plan, changes=changes)
    return plan


@transaction.atomic
def draft_revise(*, plan: ImplementationPlan, text: str, by: Actor, note: str = "") -> DraftVersion:
    """Keep a revised draft (after taking in comments); the comments stay on the draft they
    were made on."""
    require(can_run_plan(by, plan))
    _require_draft(plan, _("sửa dự thảo"))
    text = normalize_text_block(text)
    if not text:
        raise DomainError(_("Phải có nội dung dự thảo."), field="text")
    number = (plan.drafts.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = DraftVersion.objects.create(
        plan=plan,
        number=number,
        text=text,
        note=normalize_text_block(note),
        created_by=acting_user(by),
    )
    _audit(draft, AuditAction.CREATE, by, plan, changes={"number": [None, number]}, reason=note)
    return draft


@transaction.atomic
def comment_add(
    *,
    plan: ImplementationPlan,
    author: str,
    text: str,
    received_on: datetime.date,
    by: Actor,
    author_unit: Unit | None = None,
    channel: str = "",
    draft: DraftVersion | None = None,
) -> DraftComment:
    """Record a comment received on the draft (the latest draft unless named)."""
    require(can_run_plan(by, plan))
    ImplementationPlan.objects.select_for_update().filter(pk=plan.pk).exists()
    plan.refresh_from_db(fields=["status", "number", "version"])
    _require_draft(plan, _("ghi nhận góp ý"))
    draft = draft or plan.drafts.order_by("-number").first()
    if draft is None or draft.plan_id != plan.pk:
        raise DomainError(_("Kế hoạch chưa có dự thảo để góp ý."), field="draft")
    comment = DraftComment(
        plan=plan,
        draft=draft,
        author=normalize_text(author),
        author_unit=author_unit,
        received_on=received_on,
        channel=normalize_text(channel),
        text=normalize_text_block(text),
    )
    if not comment.author:
        raise DomainError(_("Phải ghi người, đơn vị góp ý."), field="author")
    if not comment.text:
        raise DomainError(_("Phải ghi nội dung góp ý."), field="text")
    if received_on > timezone.localdate():
        raise DomainError(_("Ngày nhận góp ý không thể ở tương lai."), field="received_on")
    full_clean(comment)
    comment.save()
    _audit(
        comment, AuditAction.CREATE, by, plan, changes=diff({}, snapshot(comment, COMMENT_FIELDS))
    )
    return comment


@transaction.atomic
def comment_decide(
    *,
    comment: DraftComment,
    decision: str,
    by: Actor,
    response: str = "",
    expected_version: int | None = None,
) -> DraftComment:
    """Record whether the drafters took a comment in (a comment not taken in is answered)."""
    plan = comment.plan
    require(can_run_plan(by, plan))
    require_version(comment, expected_version)
    _require_draft(plan, _("xem xét góp ý"))
    if decision not in CommentDecision.values or decision == CommentDecision.PENDING:
        raise DomainError(
            _("Chọn tiếp thu, tiếp thu một phần hoặc không tiếp thu."), field="decision"
        )
    response = normalize_text_block(response)
    if decision != CommentDecision.ACCEPTED and not response:
        raise DomainError(
            _("Góp ý không tiếp thu hoặc tiếp thu một phần thì phải có giải trình."),
            field="response",
        )
    changes = diff(
        {"decision": comment.decision, "response": comment.response},
        {"decision": decision, "response": response},
    )
    if not changes:
        return comment
    save_if_unchanged(comment, expected_version, decision=decision, response=response)
    comment.decision, comment.response = decision, response
    _audit(comment, AuditAction.UPDATE, by, plan, changes=changes)
    return comment


@transaction.atomic
def implementation_adopt(
    *,
    plan: ImplementationPlan,
    number: str,
    issued_on: datetime.date,
    by: Actor,
    expected_version: int | None = None,
) -> ImplementationPlan:
    """Adopt the plan (number-symbol, date): its tasks are assigned to their bodies, which are
    notified; comments are closed."""
    number = normalize_text(number)
    move = begin(
        obj=plan,
        to=DirectivePlanStatus.ADOPTED,
        lifecycle=IMPLEMENTATION,
        by=by,
        reason=number,
        version=expected_version,
    )
    if not number:
        raise DomainError(_("Phải ghi số, ký hiệu kế hoạch (ví dụ 16-KH/TU)."), field="number")
    if issued_on > timezone.localdate():
        raise DomainError(_("Ngày ban hành không thể ở tương lai."), field="issued_on")
    # Not compared with the day the draft was typed in: a plan adopted months ago may be
    # entered from paper records today.
    latest_comment = plan.comments.order_by("-received_on").values_list("received_on", flat=True)
    received = latest_comment.first()
    if received is not None and issued_on < received:
        raise DomainError(
            _("Ngày ban hành %(d)s trước ngày nhận góp ý cuối cùng (%(c)s).")
            % {"d": vn_date(issued_on), "c": vn_date(received)},
            field="issued_on",
        )
    tasks = list(plan.tasks.exclude(status=TaskStatus.CANCELLED).select_related("lead_unit"))
    if not tasks:
        raise DomainError(_("Kế hoạch chưa giao nhiệm vụ nào."))
    pending = plan.comments.filter(decision=CommentDecision.PENDING).count()
    if pending:
        raise DomainError(
            _("Còn %(n)s ý kiến góp ý chưa xem xét tiếp thu: hãy ghi tiếp thu hay không trước.")
            % {"n": pending}
        )
    move.apply(number=number, issued_on=issued_on)
    for task in tasks:
        _notify_assigned(task)
    return plan


@transaction.atomic
def implementation_close(
    *, plan: ImplementationPlan, reason: str, by: Actor, expected_version: int | None = None
) -> ImplementationPlan:
    """Close the plan after its summing-up (its tasks stay as they are)."""
    move = begin(
        obj=plan,
        to=DirectivePlanStatus.CLOSED,
        lifecycle=IMPLEMENTATION,
        by=by,
        reason=normalize_text_block(reason),
        version=expected_version,
    )
    move.apply()
    return plan


# --- tasks -----------------------------------------------------------------------------------


def _notify_assigned(task: DirectiveTask) -> None:
    units = {task.lead_unit_id, *task.coordinating_units.values_list("pk", flat=True)}
    # Every leader of the bodies: any of them may report on the task (can_report_task).
    answering = users_answering_for(units, roles=LEADER_ROLES)
    lead = answering.get(task.lead_unit_id, set())
    others = set().union(*answering.values()) - lead if answering else set()
    text = _("Nhiệm vụ “%(t)s” (hạn %(d)s) theo %(p)s") % {
        "t": str(task)[:120],
        "d": vn_date(task.due_date),
        "p": task.plan,
    }
    notify(
        user_ids=lead,
        kind=NotificationKind.TASK_ASSIGNED,
        key=f"task_assigned:task={task.pk}:due={task.due_date}",
        text=_("Chủ trì: %(t)s.") % {"t": text},
        url=task.get_absolute_url(),
    )
    notify(
        user_ids=others,
        kind=NotificationKind.TASK_ASSIGNED,
        key=f"task_assigned:task={task.pk}:due={task.due_date}",
        text=_("Phối hợp: %(t)s.") % {"t": text},
        url=task.get_absolute_url(),
    )


def _check_task(
    plan: ImplementationPlan,
    lead_unit: Unit | None,
    due_date: datetime.date | None,
    coordinating: list[Unit],
) -> None:
    if lead_unit is None:
        raise DomainError(_("Phải nêu cơ quan chủ trì thực hiện nhiệm vụ."), field="lead_unit")
    if due_date is None:
        raise DomainError(_("Phải có thời hạn hoàn thành nhiệm vụ."), field="due_date")
    inside = plan.committee.path
    for unit in [lead_unit, *coordinating]:
        if not unit.path.startswith(inside):
            raise DomainError(
                _("“%(u)s” không thuộc %(c)s.") % {"u": unit, "c": plan.committee},
                field="lead_unit" if unit is lead_unit else "coordinating_units",
            )
    if lead_unit in coordinating:
        raise DomainError(
            _("Cơ quan chủ trì không đồng thời là cơ quan phối hợp."), field="coordinating_units"
        )


@transaction.atomic
def task_add(
    *,
    plan: ImplementationPlan,
    content: str,
    lead_unit: Unit | None,
    due_date: datetime.date | None,
    by: Actor,
    coordinating_units: list[Unit] | None = None,
) -> DirectiveTask:
    """Give a task of the plan to a lead body (with coordinating bodies) by a deadline."""
    coordinating = list(coordinating_units or [])
    content = normalize_text_block(content)
    if not content:
        raise DomainError(_("Phải nêu nội dung nhiệm vụ."), field="content")
    _check_task(plan, lead_unit, due_date, coordinating)
    assert lead_unit is not None and due_date is not None
    if plan.status == DirectivePlanStatus.CLOSED:
        raise DomainError(_("Kế hoạch đã tổng kết: không giao thêm nhiệm vụ."))
    if due_date < timezone.localdate():
        raise DomainError(_("Thời hạn hoàn thành đã qua."), field="due_date")
    position = (plan.tasks.aggregate(m=Max("position"))["m"] or 0) + 1
    task = DirectiveTask(
        plan=plan, position=position, content=content, lead_unit=lead_unit, due_date=due_date
    )
    move = begin(obj=task, to=TaskStatus.OPEN, lifecycle=TASK, by=by)
    full_clean(task)
    task.save()
    task.coordinating_units.set(coordinating)
    changes = diff({}, snapshot(task, TASK_FIELDS))
    changes["coordinating_units"] = [None, [str(u) for u in coordinating]]
    move.born(changes=changes)
    if plan.status == DirectivePlanStatus.ADOPTED:
        _notify_assigned(task)
    return task


@transaction.atomic
def task_update(
    *,
    task: DirectiveTask,
    by: Actor,
    expected_version: int | None = None,
    coordinating_units: list[Unit] | None = None,
    **values: Any,
) -> DirectiveTask:
    """Change a task while the plan is a draft."""
    plan = task.plan
    require(can_run_plan(by, plan))
    require_version(task, expected_version)
    _require_draft(plan, _("sửa nhiệm vụ"))
    values = {k: v for k, v in values.items() if k in TASK_FIELDS}
    if "content" in values:
        values["content"] = normalize_text_block(values["content"])
        if not values["content"]:
            raise DomainError(_("Phải nêu nội dung nhiệm vụ."), field="content")
    coordinating = (
        list(task.coordinating_units.all())
        if coordinating_units is None
        else list(coordinating_units)
    )
    _check_task(
        plan,
        values.get("lead_unit", task.lead_unit),
        values.get("due_date", task.due_date),
        coordinating,
    )
    before = snapshot(task, TASK_FIELDS)
    old_coordinating = sorted(str(u) for u in task.coordinating_units.all())
    for key, value in values.items():
        setattr(task, key, value)
    changes = diff(before, snapshot(task, TASK_FIELDS))
    new_coordinating = sorted(str(u) for u in coordinating)
    if new_coordinating != old_coordinating:
        changes["coordinating_units"] = [old_coordinating, new_coordinating]
    if not changes:
        return task
    save_if_unchanged(task, expected_version, **values)
    task.coordinating_units.set(coordinating)
    audit_record(
        obj=task, action=AuditAction.UPDATE, by=by, changes=changes, unit_path=task.lead_unit.path
    )
    return task


def _require_adopted(plan: ImplementationPlan) -> None:
    if plan.status != DirectivePlanStatus.ADOPTED:
        raise DomainError(_("Chỉ theo dõi tiến độ nhiệm vụ khi kế hoạch đã ban hành."))


@transaction.atomic
def task_report_progress(
    *,
    task: DirectiveTask,
    status: str,
    percent: int,
    narrative: str,
    by: Actor,
    files: list | None = None,
    expected_version: int | None = None,
) -> TaskProgress:
    """Report progress on a task (in progress or done), with evidence files."""
    narrative = normalize_text_block(narrative)
    if status not in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        raise DomainError(_("Tiến độ chỉ là “đang thực hiện” hoặc “hoàn thành”."), field="status")
    if task.status not in TASK_OPEN:
        raise DomainError(
            _("Nhiệm vụ đang ở trạng thái “%(s)s”: không báo cáo tiến độ được.")
            % {"s": task.get_status_display()}
        )
    move = begin(
        obj=task, to=status, lifecycle=TASK, by=by, reason=narrative, version=expected_version
    )
    _require_adopted(task.plan)
    check_progress(status=status, percent=percent, narrative=narrative, done=TaskStatus.DONE)
    checked = [(f, check_evidence(f)) for f in (files or [])]
    if (
        status == TaskStatus.DONE
        and not checked
        and not TaskEvidence.objects.filter(update__task=task).exists()
    ):
        raise DomainError(
            _("Báo cáo hoàn thành phải kèm ít nhất một tệp minh chứng."), field="files"
        )
    before = task.percent
    move.apply(percent=percent)
    update = TaskProgress.objects.create(
        task=task,
        status=status,
        percent=percent,
        narrative=narrative,
        reported_by=acting_user(by),
        effective_on=move.effective_on,
    )
    store_evidence(
        TaskEvidence, update=update, checked=checked, by=by, unit_path=task.lead_unit.path
    )
    if before != percent:
        audit_record(
            obj=task,
            action=AuditAction.UPDATE,
            by=by,
            changes={"percent": [before, percent]},
            unit_path=task.lead_unit.path,
        )
    if status == TaskStatus.DONE:
        committee = task.plan.committee
        me = acting_user(by)
        notify(
            user_ids=users_answering_for({committee.pk}).get(committee.pk, set())
            - {me.pk if me else None},
            kind=NotificationKind.TASK_REPORTED,
            key=f"task_done:update={update.pk}",
            text=_("%(u)s báo cáo hoàn thành nhiệm vụ “%(t)s”: chờ xác nhận.")
            % {"u": task.lead_unit, "t": str(task)[:120]},
            url=task.get_absolute_url(),
        )
    return update


@transaction.atomic
def task_verify(
    *,
    task: DirectiveTask,
    by: Actor,
    accept: bool = True,
    note: str = "",
    expected_version: int | None = None,
) -> DirectiveTask:
    """The committee checks a task reported done: verified, or back to in progress with a
    remark."""
    note = normalize_text_block(note)
    if task.status != TaskStatus.DONE:
        raise DomainError(_("Chỉ xác nhận nhiệm vụ đã báo cáo hoàn thành."))
    to = TaskStatus.VERIFIED if accept else TaskStatus.IN_PROGRESS
    move = begin(obj=task, to=to, lifecycle=TASK, by=by, reason=note, version=expected_version)
    _require_adopted(task.plan)
    if not accept and not note:
        raise DomainError(_("Phải nêu lý do chưa xác nhận."), field="note")
    if accept:
        move.apply(verified_on=move.effective_on, verified_by=acting_user(by))
    else:
        move.apply(percent=min(task.percent, 99))
    return task


@transaction.atomic
def task_cancel(
    *, task: DirectiveTask, reason: str, by: Actor, expected_version: int | None = None
) -> DirectiveTask:
    """Cancel a task (no longer needed), with the reason."""
    reason = normalize_text_block(reason)
    move = begin(
        obj=task,
        to=TaskStatus.CANCELLED,
        lifecycle=TASK,
        by=by,
        reason=reason,
        version=expected_version,
    )
    move.apply(closing_reason=reason)
    return task


# --- dissemination conferences ----------------------------------------------------------------


@transaction.atomic
def conference_add(
    *,
    plan: ImplementationPlan,
    level: str,
    title: str,
    held_on: datetime.date,
    by: Actor,
    unit: Unit | None = None,
    days: int = 1,
    attendance: int = 0,
    note: str = "",
) -> DisseminationConference:
    """Record a conference held to disseminate the directive and the plan."""
    require(can_run_plan(by, plan))
    if level not in ConferenceLevel.values:
        raise DomainError(_("Cấp hội nghị không hợp lệ."), field="level")
    title = normalize_text(title)
    if not title:
        raise DomainError(_("Phải ghi tên hội nghị."), field="title")
    if held_on > timezone.localdate():
        raise DomainError(_("Chỉ ghi nhận hội nghị đã tổ chức."), field="held_on")
    if unit is not None and not unit.path.startswith(plan.committee.path):
        raise DomainError(
            _("“%(u)s” không thuộc %(c)s.") % {"u": unit, "c": plan.committee}, field="unit"
        )
    if days < 1:
        raise DomainError(_("Số ngày ít nhất là 1."), field="days")
    if attendance < 0:
        raise DomainError(_("Số người dự không âm."), field="attendance")
    conference = DisseminationConference(
        plan=plan,
        level=level,
        unit=unit,
        title=title,
        held_on=held_on,
        days=days,
        attendance=attendance,
        note=normalize_text_block(note),
    )
    full_clean(conference)
    conference.save()
    _audit(
        conference,
        AuditAction.CREATE,
        by,
        plan,
        changes=diff({}, snapshot(conference, CONFERENCE_FIELDS)),
    )
    return conference


# --- reports on the plan --------------------------------------------------------------------

TASK_FIGURE_LABELS: dict[str, str] = {
    "tasks_total": "Tổng số nhiệm vụ",
    "tasks_verified": "Đã hoàn thành (được xác nhận)",
    "tasks_reported_done": "Báo cáo hoàn thành, chờ xác nhận",
    "tasks_in_progress": "Đang thực hiện",
    "tasks_not_started": "Chưa thực hiện",
    "tasks_overdue": "Quá hạn",
    "conferences": "Hội nghị quán triệt, triển khai",
    "attendance": "Lượt người dự hội nghị",
}


def task_figures(plan: ImplementationPlan, as_of: datetime.date) -> dict[str, int]:
    """The plan's tasks as of `as_of`: each by its last progress report by then (verified if
    verified by then), overdue if its deadline passed before then while still open."""
    figures = dict.fromkeys(TASK_FIGURE_LABELS, 0)
    tasks = plan.tasks.exclude(status=TaskStatus.CANCELLED).prefetch_related("updates")
    for task in tasks:
        if timezone.localdate(task.created_at) > as_of:
            continue
        figures["tasks_total"] += 1
        state: str
        if task.verified_on is not None and task.verified_on <= as_of:
            state = TaskStatus.VERIFIED
        else:
            reports = [u for u in task.updates.all() if u.effective_on <= as_of]
            state = reports[0].status if reports else TaskStatus.OPEN
        keys: dict[str, str] = {
            TaskStatus.VERIFIED: "tasks_verified",
            TaskStatus.DONE: "tasks_reported_done",
            TaskStatus.IN_PROGRESS: "tasks_in_progress",
        }
        key = keys.get(state, "tasks_not_started")
        figures[key] += 1
        if state in TASK_OPEN and task.due_date < as_of:
            figures["tasks_overdue"] += 1
    held = plan.conferences.filter(held_on__lte=as_of).aggregate(
        n=Count("pk"), people=Sum("attendance")
    )
    figures["conferences"] = held["n"]
    figures["attendance"] = held["people"] or 0
    return figures


@transaction.atomic
def implementation_report_create(
    *, plan: ImplementationPlan, year: int, kind: str, by: Actor
) -> ImplementationReport:
    """Start the 6-monthly or yearly report on the plan, with its tasks' figures."""
    starts_on, ends_on, due_on = half_year_bounds(year, kind)
    report = ImplementationReport(
        plan=plan, year=year, kind=kind, starts_on=starts_on, ends_on=ends_on, due_on=due_on
    )
    move = begin(obj=report, to=ReportStatus.DRAFT, lifecycle=IMPLEMENTATION_REPORT, by=by)
    if plan.status == DirectivePlanStatus.DRAFT:
        raise DomainError(_("Kế hoạch chưa ban hành: chưa có kết quả thực hiện để báo cáo."))
    if starts_on > timezone.localdate():
        raise DomainError(_("Kỳ báo cáo chưa bắt đầu."), field="year")
    report.figures = task_figures(plan, min(ends_on, timezone.localdate()))
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise DomainError(_("Kế hoạch đã có báo cáo cho kỳ này.")) from exc
    move.born(changes={"figures": [None, report.figures]})
    return report


@transaction.atomic
def implementation_report_update(
    *,
    report: ImplementationReport,
    narrative: str,
    by: Actor,
    refresh: bool = False,
    expected_version: int | None = None,
) -> ImplementationReport:
    """Write the narrative of a draft report on the plan (and refresh its figures)."""
    halfyear_update(
        report=report,
        narrative=narrative,
        refresh=refresh,
        by=by,
        expected_version=expected_version,
        decision=can_write_implementation_report(by, report),
        figures=lambda: task_figures(report.plan, min(report.ends_on, timezone.localdate())),
        unit_path=report.plan.committee.path,
    )
    return report


@transaction.atomic
def implementation_report_submit(
    *, report: ImplementationReport, by: Actor, expected_version: int | None = None
) -> ImplementationReport:
    """Send the report to the standing committee."""
    halfyear_submit(
        report=report,
        lifecycle=IMPLEMENTATION_REPORT,
        by=by,
        expected_version=expected_version,
        figures=lambda: task_figures(report.plan, min(report.ends_on, timezone.localdate())),
        narrative_missing=_("Phải có phần kết quả thực hiện, đánh giá."),
    )
    return report
