"""Every write to remediation plans and items: preparation, submission, appraisal, tracking.

Each move of a plan or an item goes through its lifecycle table (`remediation.states`), which
checks who may take it, audits it and moves the dashboard counters; plain edits check the same
`can_*` decision here. Pages, the API and commands call these functions and nothing else.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import GONE, begin, flag_raise, transition
from kiemdiem.core.models import AuditAction, NotificationKind
from kiemdiem.core.notifications import notify
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import Membership, Person, Position, Unit
from kiemdiem.org.selectors import group_member_users, users_answering_for, users_of_people
from kiemdiem.remediation.evidence import check_evidence, check_progress, store_evidence
from kiemdiem.remediation.models import (
    Appraisal,
    Evidence,
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.permissions import (
    acting_recipient,
    can_add_followup,
    can_edit_item,
    recipients_due,
    recipients_of,
)
from kiemdiem.remediation.states import (
    ACTION,
    ITEM_DEAD,
    ITEM_OPEN,
    PLAN,
    PLAN_EDITABLE,
    PLAN_TRACKABLE,
    ActionStatus,
    PlanStatus,
    ReturnGround,
    items_overdue_q,
)
from kiemdiem.reviews.models import Finding, FindingSource, Review, ReviewCycle
from kiemdiem.reviews.services import finding_add_found, finding_resolve, require_open
from kiemdiem.reviews.states import FINDING, FINDING_UNRESOLVED, REVIEW_CONCLUDED, FindingStatus

ACTION_FIELDS = ["content", "responsible_unit", "responsible_person", "due_date", "expected_result"]


def _audit(
    obj: Model,
    action: str,
    by: Actor,
    *,
    plan: RemediationPlan,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit_record(
        obj=obj,
        action=action,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
    )


def _prepared_by(plan: RemediationPlan, by: Actor) -> None:
    """Remember who wrote an item of the plan: they may not appraise it (separation of duties)."""
    user = acting_user(by)
    if user is not None:
        plan.preparers.add(user)


def plans_create_for_reviews(*, cycle: ReviewCycle, reviews: list[Review]) -> None:
    """One plan per review, due on the cycle's plan deadline (bulk, at cycle opening)."""
    RemediationPlan.objects.bulk_create(
        [
            RemediationPlan(
                review_id=r.pk,
                cycle=cycle,
                unit_id=r.unit_id,
                person_id=r.person_id,
                due_date=cycle.plan_due,
            )
            for r in reviews
        ],
        batch_size=2000,
    )


# --- preparing items ----------------------------------------------------------------------


def _require_editable(plan: RemediationPlan) -> None:
    require_open(plan.cycle)
    if plan.status not in PLAN_EDITABLE:
        raise DomainError(
            _("Kế hoạch đang ở trạng thái “%(s)s”: chỉ sửa được khi là dự thảo hoặc bị trả lại.")
            % {"s": plan.get_status_display()}
        )


def _check_responsible(plan: RemediationPlan, unit: Unit | None, person: Person | None) -> None:
    """The responsible unit/person must belong to the plan's unit subtree."""
    if unit is not None and not unit.path.startswith(plan.unit.path):
        raise DomainError(
            _("Tổ chức chịu trách nhiệm “%(u)s” không thuộc %(p)s.") % {"u": unit, "p": plan.unit},
            field="responsible_unit",
        )
    if person is not None:
        inside = Q(unit__path__startswith=plan.unit.path)
        belongs = (
            person.pk == plan.person_id
            or Membership.objects.current().filter(inside, person=person).exists()
            or Position.objects.current().filter(inside, person=person).exists()
        )
        if not belongs:
            raise DomainError(
                _("Cá nhân chịu trách nhiệm “%(p)s” không sinh hoạt, công tác trong %(u)s.")
                % {"p": person, "u": plan.unit},
                field="responsible_person",
            )


def _due_outside(cycle: ReviewCycle, due: datetime.date) -> str:
    return _("thời hạn %(d)s nằm ngoài thời gian của đợt (%(s)s – %(e)s)") % {
        "d": vn_date(due),
        "s": vn_date(cycle.starts_on),
        "e": vn_date(cycle.horizon_end),
    }


def _check_due(plan: RemediationPlan, due: datetime.date | None) -> None:
    cycle = plan.cycle
    if due is not None and not cycle.starts_on <= due <= cycle.horizon_end:
        message = _due_outside(cycle, due)
        raise DomainError(message[:1].upper() + message[1:] + ".", field="due_date")


def _check_findings(plan: RemediationPlan, findings: list[Finding]) -> None:
    foreign = [f for f in findings if f.review_id != plan.review_id]
    if foreign:
        raise DomainError(
            _("Chỉ liên kết được hạn chế, khuyết điểm của chính bản kiểm điểm này."),
            field="findings",
        )


@transaction.atomic
def action_add(
    *,
    plan: RemediationPlan,
    by: Actor,
    content: str = "",
    findings: list[Finding] | None = None,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    due_date: datetime.date | None = None,
    expected_result: str = "",
) -> PlanAction:
    """Add an item to a plan being prepared. Incomplete items are allowed until submission."""
    position = (plan.actions.aggregate(m=Max("position"))["m"] or 0) + 1
    action = PlanAction(
        plan=plan,
        position=position,
        content=normalize_text_block(content),
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        due_date=due_date,
        expected_result=normalize_text_block(expected_result),
    )
    move = begin(obj=action, to=ActionStatus.OPEN, lifecycle=ACTION, by=by)
    _require_editable(plan)
    _check_responsible(plan, responsible_unit, responsible_person)
    _check_due(plan, due_date)
    findings = list(findings or [])
    _check_findings(plan, findings)
    action.save()
    action.findings.set(findings)
    changes = diff({}, snapshot(action, ACTION_FIELDS))
    changes["findings"] = [None, [str(f) for f in findings]]
    move.born(changes=changes)
    _prepared_by(plan, by)
    return action


@transaction.atomic
def action_add_followup(
    *,
    plan: RemediationPlan,
    by: Actor,
    content: str,
    due_date: datetime.date | None,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    expected_result: str = "",
    finding_text: str = "",
    finding_area: str = "other",
    reason: str = "",
) -> PlanAction:
    """Add an item to an accepted plan as the follow-up of an oversight activity, by one of the
    plan's recipients (a working group, the parent committee). With `finding_text`, the
    inspection found a new shortcoming: it is recorded on the plan's review (source: inspection)
    and this item remedies it, so the plan still covers every shortcoming. Tracked from then on
    like every item (progress, evidence, overdue, verification)."""
    if plan.status not in PLAN_TRACKABLE:
        raise DomainError(
            _(
                "Kế hoạch khắc phục của %(u)s đang ở trạng thái “%(s)s”: chỉ bổ sung nội dung theo "
                "dõi vào kế hoạch đã được thẩm định đạt. Kế hoạch đang chuẩn bị thì đơn vị tự đưa "
                "ý kiến vào; đang chờ thẩm định thì trả lại kèm ý kiến."
            )
            % {"u": plan.unit, "s": plan.get_status_display()}
        )
    position = (plan.actions.aggregate(m=Max("position"))["m"] or 0) + 1
    action = PlanAction(
        plan=plan,
        position=position,
        content=normalize_text_block(content),
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        due_date=due_date,
        expected_result=normalize_text_block(expected_result),
    )
    require(can_add_followup(by, action))
    move = begin(obj=action, to=ActionStatus.OPEN, lifecycle=ACTION, by=by, reason=reason)
    require_open(plan.cycle)
    if not action.content:
        raise DomainError(_("Phải nêu nội dung cần khắc phục."), field="content")
    if responsible_unit is None and responsible_person is None:
        raise DomainError(
            _("Phải nêu tổ chức hoặc cá nhân chịu trách nhiệm thực hiện."),
            field="responsible_unit",
        )
    if due_date is None:
        raise DomainError(_("Phải có mốc thời gian hoàn thành."), field="due_date")
    if due_date < timezone.localdate():
        raise DomainError(_("Thời hạn hoàn thành đã qua."), field="due_date")
    _check_responsible(plan, responsible_unit, responsible_person)
    _check_due(plan, due_date)
    action.save()
    changes = diff({}, snapshot(action, ACTION_FIELDS))
    if finding_text.strip():
        finding = finding_add_found(
            review=plan.review,
            by=by,
            text=finding_text,
            area=finding_area,
            source=FindingSource.INSPECTION,
            reason=move.reason,
        )
        action.findings.set([finding])
        changes["findings"] = [None, [str(finding)]]
    move.born(changes=changes)
    return action


@transaction.atomic
def action_update(
    *,
    action: PlanAction,
    by: Actor,
    expected_version: int | None = None,
    findings: list[Finding] | None = None,
    **values: Any,
) -> PlanAction:
    """Change an item while its plan is being prepared."""
    require(can_edit_item(by, action))
    require_version(action, expected_version)
    plan = action.plan
    _require_editable(plan)
    values = {k: v for k, v in values.items() if k in ACTION_FIELDS}
    for key in ("content", "expected_result"):
        if key in values:
            values[key] = normalize_text_block(values[key])
    unit = values.get("responsible_unit", action.responsible_unit)
    person = values.get("responsible_person", action.responsible_person)
    _check_responsible(plan, unit, person)
    _check_due(plan, values.get("due_date", action.due_date))
    before = snapshot(action, ACTION_FIELDS)
    old_findings = sorted(str(f) for f in action.findings.all())
    for key, value in values.items():
        setattr(action, key, value)
    changes = diff(before, snapshot(action, ACTION_FIELDS))
    if findings is not None:
        findings = list(findings)
        _check_findings(plan, findings)
        new_findings = sorted(str(f) for f in findings)
        if new_findings != old_findings:
            changes["findings"] = [old_findings, new_findings]
    if not changes:
        return action
    save_if_unchanged(action, expected_version, **values)
    if findings is not None:
        action.findings.set(findings)
    _audit(action, AuditAction.UPDATE, by, plan=plan, changes=changes)
    _prepared_by(plan, by)
    return action


@transaction.atomic
def action_remove(
    *, action: PlanAction, by: Actor, reason: str = "", expected_version: int | None = None
) -> None:
    """Delete an item of a plan being prepared (a submitted item is cancelled instead)."""
    move = begin(
        obj=action, to=GONE, lifecycle=ACTION, by=by, reason=reason, version=expected_version
    )
    plan = action.plan
    _require_editable(plan)
    if plan.submissions.exists():
        raise DomainError(_("Kế hoạch đã từng được nộp: hãy hủy nội dung kèm lý do thay vì xóa."))
    move.gone(changes=diff(snapshot(action, ACTION_FIELDS), {}))
    action.findings.clear()
    action.delete()
    _prepared_by(plan, by)


# --- submission and appraisal -------------------------------------------------------------


def plan_problems(plan: RemediationPlan) -> list[str]:
    """Every reason the plan cannot be submitted, per item, in Vietnamese (empty = can submit)."""
    cycle = plan.cycle
    problems: list[str] = []
    if plan.review.status not in REVIEW_CONCLUDED:
        problems.append(
            _(
                "Bản kiểm điểm “%(r)s” chưa qua hội nghị kiểm điểm (đang là “%(s)s”): kế hoạch "
                "khắc phục những hạn chế mà hội nghị đã kết luận, nên chỉ nộp được sau hội nghị."
            )
            % {"r": plan.review, "s": plan.review.get_status_display()}
        )
    actions = [a for a in plan.actions.prefetch_related("findings") if a.status not in ITEM_DEAD]
    if not actions:
        problems.append(_("Kế hoạch chưa có nội dung khắc phục nào."))
    for index, action in enumerate(actions, start=1):
        label = _("Mục %(n)s") % {"n": index}
        if not action.content.strip():
            problems.append(_("%(l)s: chưa có nội dung khắc phục.") % {"l": label})
        if not action.responsible_unit_id and not action.responsible_person_id:
            problems.append(
                _("%(l)s: chưa nêu rõ tổ chức, cá nhân chịu trách nhiệm thực hiện.") % {"l": label}
            )
        if action.due_date is None:
            problems.append(_("%(l)s: chưa có mốc thời gian hoàn thành.") % {"l": label})
        elif not cycle.starts_on <= action.due_date <= cycle.horizon_end:
            problems.append(
                _("%(l)s: %(what)s.") % {"l": label, "what": _due_outside(cycle, action.due_date)}
            )
    covered = {f.pk for a in actions for f in a.findings.all()}
    open_findings = plan.review.findings.exclude(
        status__in=[FindingStatus.RESOLVED, FindingStatus.CARRIED_OVER]
    )
    for finding in open_findings:
        if finding.pk not in covered:
            problems.append(_("Hạn chế “%(f)s” chưa có nội dung khắc phục nào.") % {"f": finding})
    return problems


class PlanIncomplete(DomainError):
    """Submission refused; `problems` lists each problem per item."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("Chưa nộp được kế hoạch: ") + " ".join(problems))
        self.problems = problems


def plan_snapshot(plan: RemediationPlan) -> dict[str, Any]:
    """The plan as submitted: what the appraiser compares between versions."""
    items = []
    for action in plan.actions.select_related(
        "responsible_unit", "responsible_person"
    ).prefetch_related("findings"):
        items.append(
            {
                "id": action.pk,
                "content": action.content,
                "responsible_unit": str(action.responsible_unit or ""),
                "responsible_person": str(action.responsible_person or ""),
                "due_date": vn_date(action.due_date),
                "expected_result": action.expected_result,
                "findings": [f.text for f in action.findings.all()],
                "status": action.status,
            }
        )
    return {"items": items}


@transaction.atomic
def plan_submit(
    *,
    plan: RemediationPlan,
    by: Actor,
    note: str = "",
    expected_version: int | None = None,
    effective_on: datetime.date | None = None,
) -> PlanSubmission:
    """Submit the plan to its recipients; refused (listing every problem) while incomplete."""
    move = begin(
        obj=plan,
        to=PlanStatus.SUBMITTED,
        lifecycle=PLAN,
        by=by,
        reason=note,
        version=expected_version,
        effective_on=effective_on,
    )
    require_open(plan.cycle)
    # Lock the review row before checking the plan: a change of its shortcomings locks it too,
    # so a shortcoming added meanwhile either lands before the check (and must be covered) or
    # is refused after it (the shortcomings are locked from here on).
    Review.objects.select_for_update().filter(pk=plan.review_id).order_by().exists()
    problems = plan_problems(plan)
    if problems:
        raise PlanIncomplete(problems)
    number = plan.submissions.count() + 1
    # The kept version first: its time goes on the plan in the move's own UPDATE (the
    # appraisal queue's order); a refused move (stale version) rolls it back with the rest.
    submission = PlanSubmission.objects.create(
        plan=plan,
        number=number,
        submitted_by=acting_user(by),
        effective_on=move.effective_on,
        note=move.reason,
        snapshot=plan_snapshot(plan),
    )
    at = submission.submitted_at
    also: dict[str, Any] = {
        "last_submitted_at": at,
        "last_submitted_by_id": submission.submitted_by_id,
    }
    if plan.first_submitted_at is None:
        also |= {"first_submitted_at": at, "first_submitted_on": move.effective_on}
    move.apply(**also)
    Review.objects.filter(pk=plan.review_id).update(findings_locked=True)
    _record_recipients(plan, by, first=number == 1)
    _notify_submitted(plan, submission)
    return submission


def _record_recipients(plan: RemediationPlan, by: Actor, *, first: bool) -> None:
    """Record where the plan went: the parent committee and the working group(s) assigned to
    the unit today (a group assigned since an earlier submission is added now)."""
    for due in recipients_due(plan):
        recipient, created = PlanRecipient.objects.get_or_create(
            plan=plan, kind=due.kind, unit=due.unit, working_group=due.working_group
        )
        if created:
            changes: dict[str, Any] = {
                "kind": [None, recipient.kind],
                "unit": [None, str(recipient.unit)],
            }
            if recipient.working_group_id:
                changes["working_group"] = [None, str(recipient.working_group)]
            _audit(
                recipient,
                AuditAction.CREATE,
                by,
                plan=plan,
                changes=changes,
                reason=_("Nơi nhận kế hoạch khi nộp lần đầu")
                if first
                else _("Nơi nhận kế hoạch được phân công sau lần nộp trước"),
            )


def _answering_users(plan: RemediationPlan) -> set[int]:
    """Who hears about the plan's appraisal: the person (a personal plan) or the unit's head and
    office, and whoever submitted it last."""
    if plan.person_id:
        users = set(users_of_people({plan.person_id}).values())
    else:
        users = users_answering_for({plan.unit_id}).get(plan.unit_id, set())
    latest = plan.submissions.order_by("-number").values_list("submitted_by_id", flat=True)[:1]
    return users | {uid for uid in latest if uid}


def _notify_submitted(plan: RemediationPlan, submission: PlanSubmission) -> None:
    """The members of the working groups the plan went to have a plan to appraise."""
    groups = set(
        plan.recipients.filter(working_group__isnull=False).values_list(
            "working_group_id", flat=True
        )
    )
    if groups:
        notify(
            user_ids=group_member_users(groups) - {submission.submitted_by_id},
            kind=NotificationKind.PLAN_SUBMITTED,
            key=f"plan_submitted:submission={submission.pk}",
            text=_("%(p)s (lần nộp %(n)s) chờ tổ công tác thẩm định.")
            % {"p": plan, "n": submission.number},
            url=plan.get_absolute_url(),
        )


def _notify_appraised(
    plan: RemediationPlan, appraisal: Appraisal, by: Actor, *, why: str = ""
) -> None:
    """The unit (or the person) hears that its plan was returned (with the grounds) or accepted."""
    if appraisal.decision == Appraisal.Decision.RETURNED:
        text = _("%(p)s bị trả lại, yêu cầu chuẩn bị lại: %(why)s") % {"p": plan, "why": why}
    else:
        text = _("%(p)s đã được thẩm định đạt yêu cầu.") % {"p": plan}
    me = acting_user(by)
    notify(
        user_ids=_answering_users(plan) - {me.pk if me is not None else None},
        kind=NotificationKind.PLAN_RETURNED
        if appraisal.decision == Appraisal.Decision.RETURNED
        else NotificationKind.PLAN_ACCEPTED,
        key=f"plan_appraised:appraisal={appraisal.pk}",
        text=text,
        url=plan.get_absolute_url(),
    )


def _require_submitted_once(plan: RemediationPlan) -> None:
    """Cancel and replace are for items already submitted; a draft's item is simply deleted."""
    if not plan.submissions.exists():
        raise DomainError(_("Kế hoạch chưa nộp lần nào: hãy sửa hoặc xóa nội dung thay vì hủy."))


def _latest_submission(plan: RemediationPlan) -> PlanSubmission:
    submission = plan.submissions.order_by("-number").first()
    if submission is None or hasattr(submission, "appraisal"):
        raise DomainError(_("Kế hoạch không có lần nộp nào đang chờ thẩm định."))
    return submission


def _recipient(plan: RemediationPlan, by: Actor) -> dict[str, Any]:
    """The recipient the appraiser acts for (the first recipient when not one of them, e.g. an
    administrator), as the appraisal records it: its kind and working group."""
    recipient = acting_recipient(by, plan)
    if recipient is None:
        recipient = next(iter(recipients_of(plan)), None)
    if recipient is None:
        return {"recipient_kind": ""}
    return {"recipient_kind": recipient.kind, "working_group_id": recipient.working_group_id}


@transaction.atomic
def plan_return(
    *,
    plan: RemediationPlan,
    grounds: list[str],
    remarks: str,
    by: Actor,
    expected_version: int | None = None,
    effective_on: datetime.date | None = None,
) -> Appraisal:
    """Send the plan back to be prepared again, with the grounds ticked and remarks."""
    valid = set(ReturnGround.values)
    grounds = [g for g in dict.fromkeys(grounds) if g]
    labels = dict(ReturnGround.choices)
    remarks = normalize_text_block(remarks)
    note = "; ".join(str(labels.get(g, g)) for g in grounds) + (f". {remarks}" if remarks else "")
    move = begin(
        obj=plan,
        to=PlanStatus.RETURNED,
        lifecycle=PLAN,
        by=by,
        reason=note,
        version=expected_version,
        effective_on=effective_on,
    )
    require_open(plan.cycle)
    if not grounds:
        raise DomainError(_("Phải chọn ít nhất một lý do trả lại."), field="grounds")
    bad = [g for g in grounds if g not in valid]
    if bad:
        raise DomainError(
            _("Lý do trả lại không hợp lệ: %(g)s.") % {"g": ", ".join(bad)}, field="grounds"
        )
    submission = _latest_submission(plan)
    move.apply()
    # Prepared again: its shortcomings may change until the next submission.
    Review.objects.filter(pk=plan.review_id).update(findings_locked=False)
    appraisal = Appraisal.objects.create(
        submission=submission,
        decision=Appraisal.Decision.RETURNED,
        grounds=grounds,
        remarks=remarks,
        decided_by=acting_user(by),
        effective_on=move.effective_on,
        **_recipient(plan, by),
    )
    _notify_appraised(plan, appraisal, by, why=note)
    return appraisal


@transaction.atomic
def plan_accept(
    *,
    plan: RemediationPlan,
    remarks: str = "",
    by: Actor,
    expected_version: int | None = None,
    effective_on: datetime.date | None = None,
) -> Appraisal:
    """Accept the plan: it may now be put to the collective and carried out."""
    remarks = normalize_text_block(remarks)
    move = begin(
        obj=plan,
        to=PlanStatus.ACCEPTED,
        lifecycle=PLAN,
        by=by,
        reason=remarks,
        version=expected_version,
        effective_on=effective_on,
    )
    require_open(plan.cycle)
    submission = _latest_submission(plan)
    move.apply()
    appraisal = Appraisal.objects.create(
        submission=submission,
        decision=Appraisal.Decision.ACCEPTED,
        remarks=remarks,
        decided_by=acting_user(by),
        effective_on=move.effective_on,
        **_recipient(plan, by),
    )
    _notify_appraised(plan, appraisal, by)
    return appraisal


@transaction.atomic
def plan_adopt(
    *,
    plan: RemediationPlan,
    decision_date: datetime.date,
    decision_ref: str,
    by: Actor,
    expected_version: int | None = None,
) -> RemediationPlan:
    """Record the collective's decision (meeting date, resolution) that adopts the plan.

    The decision date is when the collective decided (the day the adoption took effect); it is
    recorded by the unit itself, whenever it was, between the acceptance and today."""
    decision_ref = normalize_text_block(decision_ref)
    move = begin(
        obj=plan,
        to=PlanStatus.ADOPTED,
        lifecycle=PLAN,
        by=by,
        reason=decision_ref,
        version=expected_version,
    )
    require_open(plan.cycle)
    if not decision_ref:
        raise DomainError(
            _("Phải ghi số nghị quyết hoặc biên bản của tập thể."), field="decision_ref"
        )
    accepted = (
        plan.submissions.filter(appraisal__decision=Appraisal.Decision.ACCEPTED)
        .select_related("appraisal")
        .order_by("-number")
        .first()
    )
    if accepted and decision_date < accepted.appraisal.effective_on:
        raise DomainError(
            _("Ngày tập thể quyết định phải sau ngày kế hoạch được thẩm định đạt."),
            field="decision_date",
        )
    if decision_date > timezone.localdate():
        raise DomainError(
            _("Ngày tập thể quyết định không thể ở tương lai."), field="decision_date"
        )
    move.apply(decision_date=decision_date, decision_ref=decision_ref)
    return plan


# --- tracking -----------------------------------------------------------------------------


def _require_trackable(plan: RemediationPlan) -> None:
    require_open(plan.cycle)
    if plan.status not in PLAN_TRACKABLE:
        raise DomainError(_("Chỉ theo dõi tiến độ khi kế hoạch đã được thẩm định đạt yêu cầu."))


@transaction.atomic
def action_record_progress(
    *,
    action: PlanAction,
    status: str,
    percent: int,
    narrative: str,
    by: Actor,
    files: list | None = None,
    expected_version: int | None = None,
    effective_on: datetime.date | None = None,
) -> ProgressUpdate:
    """Report progress on an item (in progress or done), with evidence files."""
    narrative = normalize_text_block(narrative)
    if status not in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
        raise DomainError(_("Tiến độ chỉ là “đang thực hiện” hoặc “hoàn thành”."), field="status")
    move = begin(
        obj=action,
        to=status,
        lifecycle=ACTION,
        by=by,
        reason=narrative,
        version=expected_version,
        effective_on=effective_on,
        from_states=ITEM_OPEN,
    )
    plan = action.plan
    _require_trackable(plan)
    check_progress(status=status, percent=percent, narrative=narrative, done=ActionStatus.DONE)
    checked = [(f, check_evidence(f)) for f in (files or [])]
    if (
        status == ActionStatus.DONE
        and not checked
        and not Evidence.objects.filter(update__action=action).exists()
    ):
        raise DomainError(
            _("Báo cáo hoàn thành phải kèm ít nhất một tệp minh chứng."), field="files"
        )
    before_percent = action.percent
    # The new percent on the move's own audit row (one row, one INSERT, per report).
    moved = {"percent": [before_percent, percent]} if before_percent != percent else None
    # The report first: a "done" report's time goes on the item in the move's own UPDATE
    # (the verification queue's order); a refused move rolls it back with the rest.
    update = ProgressUpdate.objects.create(
        action=action,
        status=status,
        percent=percent,
        narrative=narrative,
        reported_by=acting_user(by),
        effective_on=move.effective_on,
    )
    done = (
        {"done_at": update.reported_at, "done_by_id": update.reported_by_id}
        if status == ActionStatus.DONE
        else {}
    )
    move.apply(moved, percent=percent, **done)
    store_evidence(
        Evidence,
        update=update,
        checked=checked,
        by=by,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
    )
    for finding in Finding.objects.filter(actions=action, status=FindingStatus.OPEN):
        if finding.review_id == plan.review_id:
            finding.review = plan.review  # its place (unit path) without reading it again
        # Its shortcomings are being remedied now (a system arrow of the Finding lifecycle).
        transition(
            obj=finding,
            to=FindingStatus.IN_PROGRESS,
            lifecycle=FINDING,
            by=by,
            reason=_("Đã có báo cáo tiến độ của nội dung khắc phục “%(a)s”.") % {"a": action},
            effective_on=move.effective_on,
        )
    return update


@transaction.atomic
def action_verify(
    *,
    action: PlanAction,
    by: Actor,
    note: str = "",
    accept: bool = True,
    expected_version: int | None = None,
    effective_on: datetime.date | None = None,
) -> PlanAction:
    """A recipient checks a reported item: verified, or back to in progress with a remark."""
    note = normalize_text_block(note)
    to = ActionStatus.VERIFIED if accept else ActionStatus.IN_PROGRESS
    move = begin(
        obj=action,
        to=to,
        lifecycle=ACTION,
        by=by,
        reason=note,
        version=expected_version,
        effective_on=effective_on,
        from_states={ActionStatus.DONE},
    )
    _require_trackable(action.plan)
    if not accept and not note:
        raise DomainError(_("Phải nêu lý do chưa xác nhận."), field="note")
    if accept:
        move.apply(
            verified_at=timezone.now(), verified_on=move.effective_on, verified_by=acting_user(by)
        )
        _resolve_findings(action, by, effective_on=move.effective_on)
    else:
        move.apply(percent=min(action.percent, 99))
    return action


def _resolve_findings(action: PlanAction, by: Actor, *, effective_on: datetime.date | None) -> None:
    """Re-check the findings of `action` after it was verified, cancelled or replaced: a finding
    is resolved when all its live items (not cancelled or replaced) are verified, and at least
    one is."""
    for finding in action.findings.filter(status__in=FINDING_UNRESOLVED):
        states = set(finding.actions.values_list("status", flat=True)) - set(ITEM_DEAD)
        if states == {ActionStatus.VERIFIED}:
            finding_resolve(
                finding=finding,
                by=by,
                reason=_("Mọi nội dung khắc phục đã được xác nhận."),
                effective_on=effective_on,
            )


@transaction.atomic
def action_cancel(
    *, action: PlanAction, reason: str, by: Actor, expected_version: int | None = None
) -> PlanAction:
    """Cancel an item of a submitted plan; only with a reason."""
    reason = normalize_text_block(reason)
    move = begin(
        obj=action,
        to=ActionStatus.CANCELLED,
        lifecycle=ACTION,
        by=by,
        reason=reason,
        version=expected_version,
    )
    plan = action.plan
    require_open(plan.cycle)
    _require_submitted_once(plan)
    if not reason:
        raise DomainError(_("Phải nêu lý do hủy nội dung khắc phục."), field="reason")
    _require_not_last_live_item(action)
    move.apply(closing_reason=reason)
    _prepared_by(plan, by)
    # The other items of a finding may all be verified already: it is resolved now.
    _resolve_findings(action, by, effective_on=move.effective_on)
    return action


def _require_not_last_live_item(action: PlanAction) -> None:
    """An open finding of an accepted plan keeps at least one live item: cancelling the last
    would leave it unanswered, and unresolvable, for good. While the plan is prepared again
    (returned) it may be cancelled: resubmission is refused until every finding is covered."""
    if action.plan.status in PLAN_EDITABLE:
        return
    for finding in action.findings.filter(status__in=FINDING_UNRESOLVED):
        others = finding.actions.exclude(pk=action.pk).exclude(status__in=ITEM_DEAD)
        if not others.exists():
            raise DomainError(
                _(
                    "Không hủy được: đây là nội dung khắc phục duy nhất còn hiệu lực của hạn chế "
                    "“%(f)s”. Hãy thay thế nội dung này bằng nội dung khác (kèm lý do) thay vì "
                    "hủy, hoặc hủy sau khi hạn chế đó có nội dung khắc phục khác."
                )
                % {"f": finding}
            )


@transaction.atomic
def action_replace(
    *,
    action: PlanAction,
    reason: str,
    by: Actor,
    content: str,
    due_date: datetime.date,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    expected_result: str = "",
    expected_version: int | None = None,
) -> PlanAction:
    """Replace an item by a new one covering the same findings; only with a reason."""
    reason = normalize_text_block(reason)
    move = begin(
        obj=action,
        to=ActionStatus.REPLACED,
        lifecycle=ACTION,
        by=by,
        reason=reason,
        version=expected_version,
    )
    plan = action.plan
    require_open(plan.cycle)
    _require_submitted_once(plan)
    if not reason:
        raise DomainError(_("Phải nêu lý do thay thế nội dung khắc phục."), field="reason")
    content = normalize_text_block(content)
    if not content:
        raise DomainError(_("Nội dung thay thế không được để trống."), field="content")
    if not responsible_unit and not responsible_person:
        raise DomainError(
            _("Phải nêu tổ chức hoặc cá nhân chịu trách nhiệm."), field="responsible_person"
        )
    _check_responsible(plan, responsible_unit, responsible_person)
    _check_due(plan, due_date)
    new = PlanAction(
        plan=plan,
        position=action.position,
        content=content,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        due_date=due_date,
        expected_result=normalize_text_block(expected_result),
    )
    born = begin(obj=new, to=ActionStatus.OPEN, lifecycle=ACTION, by=by, reason=reason)
    new.save()
    new.findings.set(action.findings.all())
    move.apply(closing_reason=reason, replaced_by=new)
    born.born(changes=diff({}, snapshot(new, ACTION_FIELDS)))
    _prepared_by(plan, by)
    _resolve_findings(action, by, effective_on=move.effective_on)
    return new


# --- the overdue sweep (run by the background worker) -------------------------------------


def sweep_overdue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Flag items past their deadline and plans past their due date with no submission.

    Idempotent: each flag is raised by a conditional UPDATE (core.lifecycle.flag_raise), so two
    workers never count a row twice.
    """
    today = today or timezone.localdate()
    (item_flag,) = ACTION.flags
    (plan_flag,) = PLAN.flags
    items = list(
        PlanAction.objects.filter(items_overdue_q(today), overdue_flagged=False).values_list(
            "pk", "plan__cycle_id", "plan__unit__path"
        )
    )
    plans = list(
        RemediationPlan.objects.filter(
            due_date__lt=today, status__in=plan_flag.states, missing_flagged=False
        ).values_list("pk", "cycle_id", "unit__path")
    )
    flagged_items = flagged_plans = 0
    with transaction.atomic():
        for pk, cycle_id, path in items:
            flagged_items += flag_raise(
                ACTION, item_flag, model=PlanAction, pk=pk, cycle_id=cycle_id, unit_path=path
            )
        for pk, cycle_id, path in plans:
            flagged_plans += flag_raise(
                PLAN, plan_flag, model=RemediationPlan, pk=pk, cycle_id=cycle_id, unit_path=path
            )
    return {"items": flagged_items, "plans": flagged_plans}
