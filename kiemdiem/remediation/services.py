"""Every write to remediation plans and items: preparation, submission, appraisal, tracking."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.core.lifecycle import transition
from kiemdiem.core.models import AuditAction
from kiemdiem.dashboard.deltas import emit
from kiemdiem.org.models import Membership, Person, Position, Unit
from kiemdiem.org.services import _bump
from kiemdiem.remediation.evidence import check_evidence
from kiemdiem.remediation.models import (
    Appraisal,
    Evidence,
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.permissions import acting_recipient, recipients_of
from kiemdiem.remediation.states import (
    ACTION_ALLOWED,
    ACTION_CLOSED,
    PLAN_ALLOWED,
    PLAN_EDITABLE,
    ActionStatus,
    PlanStatus,
    ReturnGround,
)
from kiemdiem.reviews.models import Finding, FindingStatus, Review, ReviewCycle
from kiemdiem.reviews.services import normalize_text_block, require_open

ACTION_FIELDS = ["content", "responsible_unit", "responsible_person", "due_date", "expected_result"]
OPEN_ACTION_STATES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
# Items that no longer count for their findings.
DEAD_ACTION_STATES = (ActionStatus.CANCELLED, ActionStatus.REPLACED)
UNRESOLVED_FINDINGS = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS)


def _audit(obj, action: str, by, *, plan: RemediationPlan, changes=None, reason: str = "") -> None:
    audit_record(
        obj=obj,
        action=action,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
    )


def _require_version(obj, expected_version: int | None) -> None:
    """Refuse with the other person's change (StaleObject) if the row moved since it was loaded.

    Checked before any rule that depends on the current state: otherwise the second of two
    concurrent users would get "not allowed in this state" instead of seeing who changed what.
    The conditional UPDATE in the write itself stays the lock.
    """
    version = obj.version if expected_version is None else expected_version
    if not type(obj).objects.filter(pk=obj.pk, version=version).exists():
        raise StaleObject(obj)


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


def _check_due(plan: RemediationPlan, due: datetime.date | None) -> None:
    cycle = plan.cycle
    if due is not None and not cycle.starts_on <= due <= cycle.horizon_end:
        raise DomainError(
            _("Thời hạn %(d)s nằm ngoài thời gian của đợt (%(s)s – %(e)s).")
            % {"d": vn_date(due), "s": vn_date(cycle.starts_on), "e": vn_date(cycle.horizon_end)},
            field="due_date",
        )


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
    by,
    content: str = "",
    findings: list[Finding] | None = None,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    due_date: datetime.date | None = None,
    expected_result: str = "",
) -> PlanAction:
    """Add an item to a plan being prepared. Incomplete items are allowed until submission."""
    _require_editable(plan)
    _check_responsible(plan, responsible_unit, responsible_person)
    _check_due(plan, due_date)
    findings = list(findings or [])
    _check_findings(plan, findings)
    position = (plan.actions.aggregate(m=Max("position"))["m"] or 0) + 1
    action = PlanAction.objects.create(
        plan=plan,
        position=position,
        content=normalize_text_block(content),
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        due_date=due_date,
        expected_result=normalize_text_block(expected_result),
    )
    action.findings.set(findings)
    changes = diff({}, snapshot(action, ACTION_FIELDS))
    changes["findings"] = [None, [str(f) for f in findings]]
    _audit(action, AuditAction.CREATE, by, plan=plan, changes=changes)
    emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, items_total=1)
    return action


@transaction.atomic
def action_update(
    *,
    action: PlanAction,
    by,
    expected_version: int | None = None,
    findings: list[Finding] | None = None,
    **values: Any,
) -> PlanAction:
    """Change an item while its plan is being prepared."""
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
    _bump(PlanAction, action, expected_version=expected_version, **values)
    if findings is not None:
        action.findings.set(findings)
    _audit(action, AuditAction.UPDATE, by, plan=plan, changes=changes)
    return action


@transaction.atomic
def action_remove(*, action: PlanAction, by, reason: str = "") -> None:
    """Delete an item of a plan being prepared (a submitted item is cancelled instead)."""
    plan = action.plan
    _require_editable(plan)
    if plan.submissions.exists():
        raise DomainError(_("Kế hoạch đã từng được nộp: hãy hủy nội dung kèm lý do thay vì xóa."))
    _audit(
        action,
        AuditAction.DELETE,
        by,
        plan=plan,
        changes=diff(snapshot(action, ACTION_FIELDS), {}),
        reason=reason,
    )
    changes = _leave_open_state(action, ActionStatus.CANCELLED)
    if action.status not in (ActionStatus.CANCELLED, ActionStatus.REPLACED):
        changes["items_total"] = -1
    action.findings.clear()
    action.delete()
    emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, **changes)


# --- submission and appraisal -------------------------------------------------------------


def plan_problems(plan: RemediationPlan) -> list[str]:
    """Every reason the plan cannot be submitted, per item, in Vietnamese (empty = can submit)."""
    cycle = plan.cycle
    problems: list[str] = []
    actions = [
        a
        for a in plan.actions.prefetch_related("findings")
        if a.status not in ACTION_CLOSED - {ActionStatus.VERIFIED}
    ]
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
                _("%(l)s: thời hạn %(d)s nằm ngoài thời gian của đợt (%(s)s – %(e)s).")
                % {
                    "l": label,
                    "d": vn_date(action.due_date),
                    "s": vn_date(cycle.starts_on),
                    "e": vn_date(cycle.horizon_end),
                }
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
                "due_date": vn_date(action.due_date) if action.due_date else "",
                "expected_result": action.expected_result,
                "findings": [f.text for f in action.findings.all()],
                "status": action.status,
            }
        )
    return {"items": items}


@transaction.atomic
def plan_submit(
    *, plan: RemediationPlan, by, note: str = "", expected_version: int | None = None
) -> PlanSubmission:
    """Submit the plan to its recipients; refused (listing every problem) while incomplete."""
    require_open(plan.cycle)
    # Lock the plan row before checking it: finding_add locks it too, so a shortcoming added
    # meanwhile either lands before the check (and must be covered) or is refused after it.
    RemediationPlan.objects.select_for_update().filter(pk=plan.pk).exists()
    _require_version(plan, expected_version)
    problems = plan_problems(plan)
    if problems:
        raise PlanIncomplete(problems)
    now = timezone.now()
    first = plan.first_submitted_at is None
    was = plan.status
    also: dict[str, Any] = {}
    if first:
        also["first_submitted_at"] = now
    transition(
        obj=plan,
        to=PlanStatus.SUBMITTED,
        allowed=PLAN_ALLOWED,
        by=by,
        note=note,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
        **also,
    )
    number = plan.submissions.count() + 1
    submission = PlanSubmission.objects.create(
        plan=plan,
        number=number,
        submitted_by=by if getattr(by, "pk", None) else None,
        snapshot=plan_snapshot(plan),
    )
    if plan.unit.parent_id:
        recipient, created = PlanRecipient.objects.get_or_create(
            plan=plan, kind=PlanRecipient.Kind.STANDING_COMMITTEE, unit_id=plan.unit.parent_id
        )
        if created:
            _audit(
                recipient,
                AuditAction.CREATE,
                by,
                plan=plan,
                changes={"kind": [None, recipient.kind], "unit": [None, str(plan.unit.parent)]},
                reason=_("Nơi nhận kế hoạch khi nộp lần đầu"),
            )
    changes: dict[str, int] = {}
    if first:
        on_time = timezone.localtime(now).date() <= plan.due_date
        changes["plans_on_time" if on_time else "plans_late"] = 1
    # Read the flag from the row, not the loaded object: the sweep may have set it meanwhile.
    if RemediationPlan.objects.filter(pk=plan.pk, missing_flagged=True).update(
        missing_flagged=False
    ):
        changes["plans_missing"] = -1
    plan.missing_flagged = False
    if was == PlanStatus.RETURNED:
        changes["plans_returned"] = -1
    emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, **changes)
    return submission


def _require_submitted_once(plan: RemediationPlan) -> None:
    """Cancel and replace are for items already submitted; a draft's item is simply deleted."""
    if not plan.submissions.exists():
        raise DomainError(_("Kế hoạch chưa nộp lần nào: hãy sửa hoặc xóa nội dung thay vì hủy."))


def _latest_submission(plan: RemediationPlan) -> PlanSubmission:
    submission = plan.submissions.order_by("-number").first()
    if submission is None or hasattr(submission, "appraisal"):
        raise DomainError(_("Kế hoạch không có lần nộp nào đang chờ thẩm định."))
    return submission


def _recipient_kind(plan: RemediationPlan, by) -> str:
    """The kind of recipient the appraiser acts for (the first recipient when not one of them,
    e.g. a command run by the system)."""
    recipient = acting_recipient(by, plan)
    if recipient is None:
        recipient = next(iter(recipients_of(plan)), None)
    return recipient.kind if recipient is not None else ""


@transaction.atomic
def plan_return(
    *,
    plan: RemediationPlan,
    grounds: list[str],
    remarks: str,
    by,
    expected_version: int | None = None,
) -> Appraisal:
    """Send the plan back to be prepared again, with the grounds ticked and remarks."""
    require_open(plan.cycle)
    _require_version(plan, expected_version)
    valid = set(ReturnGround.values)
    grounds = [g for g in dict.fromkeys(grounds) if g]
    if not grounds:
        raise DomainError(_("Phải chọn ít nhất một lý do trả lại."), field="grounds")
    bad = [g for g in grounds if g not in valid]
    if bad:
        raise DomainError(
            _("Lý do trả lại không hợp lệ: %(g)s.") % {"g": ", ".join(bad)}, field="grounds"
        )
    submission = _latest_submission(plan)
    labels = dict(ReturnGround.choices)
    note = "; ".join(str(labels[g]) for g in grounds) + (
        f". {remarks.strip()}" if remarks.strip() else ""
    )
    transition(
        obj=plan,
        to=PlanStatus.RETURNED,
        allowed=PLAN_ALLOWED,
        by=by,
        note=note,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
    )
    appraisal = Appraisal.objects.create(
        submission=submission,
        decision=Appraisal.Decision.RETURNED,
        grounds=grounds,
        remarks=normalize_text_block(remarks),
        recipient_kind=_recipient_kind(plan, by),
        decided_by=by if getattr(by, "pk", None) else None,
    )
    emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, plans_returned=1)
    return appraisal


@transaction.atomic
def plan_accept(
    *, plan: RemediationPlan, remarks: str = "", by, expected_version: int | None = None
) -> Appraisal:
    """Accept the plan: it may now be put to the collective and carried out."""
    require_open(plan.cycle)
    _require_version(plan, expected_version)
    submission = _latest_submission(plan)
    transition(
        obj=plan,
        to=PlanStatus.ACCEPTED,
        allowed=PLAN_ALLOWED,
        by=by,
        note=remarks,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
    )
    appraisal = Appraisal.objects.create(
        submission=submission,
        decision=Appraisal.Decision.ACCEPTED,
        remarks=normalize_text_block(remarks),
        recipient_kind=_recipient_kind(plan, by),
        decided_by=by if getattr(by, "pk", None) else None,
    )
    emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, plans_accepted=1)
    return appraisal


@transaction.atomic
def plan_adopt(
    *,
    plan: RemediationPlan,
    decision_date: datetime.date,
    decision_ref: str,
    by,
    expected_version: int | None = None,
) -> RemediationPlan:
    """Record the collective's decision (meeting date, resolution) that adopts the plan."""
    require_open(plan.cycle)
    _require_version(plan, expected_version)
    decision_ref = normalize_text_block(decision_ref)
    if not decision_ref:
        raise DomainError(
            _("Phải ghi số nghị quyết hoặc biên bản của tập thể."), field="decision_ref"
        )
    accepted = (
        plan.submissions.filter(appraisal__decision=Appraisal.Decision.ACCEPTED)
        .order_by("-number")
        .first()
    )
    if accepted and decision_date < timezone.localtime(accepted.appraisal.decided_at).date():
        raise DomainError(
            _("Ngày tập thể quyết định phải sau ngày kế hoạch được thẩm định đạt."),
            field="decision_date",
        )
    if decision_date > timezone.localdate():
        raise DomainError(
            _("Ngày tập thể quyết định không thể ở tương lai."), field="decision_date"
        )
    transition(
        obj=plan,
        to=PlanStatus.ADOPTED,
        allowed=PLAN_ALLOWED,
        by=by,
        note=decision_ref,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
        decision_date=decision_date,
        decision_ref=decision_ref,
    )
    return plan


# --- tracking -----------------------------------------------------------------------------


def _require_trackable(plan: RemediationPlan) -> None:
    require_open(plan.cycle)
    if plan.status not in (PlanStatus.ACCEPTED, PlanStatus.ADOPTED):
        raise DomainError(_("Chỉ theo dõi tiến độ khi kế hoạch đã được thẩm định đạt yêu cầu."))


def _leave_open_state(action: PlanAction, to: str) -> dict[str, int]:
    """Dashboard changes when an item leaves the open states (overdue no longer counts).

    The flag is cleared with a conditional UPDATE, not read from the loaded object: the sweep may
    have flagged the row after this request loaded it.
    """
    if to in OPEN_ACTION_STATES:
        return {}
    action.overdue_flagged = False
    if PlanAction.objects.filter(pk=action.pk, overdue_flagged=True).update(overdue_flagged=False):
        return {"items_overdue": -1}
    return {}


@transaction.atomic
def action_record_progress(
    *,
    action: PlanAction,
    status: str,
    percent: int,
    narrative: str,
    by,
    files: list | None = None,
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Report progress on an item (in progress or done), with evidence files."""
    plan = action.plan
    _require_trackable(plan)
    _require_version(action, expected_version)
    if status not in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
        raise DomainError(_("Tiến độ chỉ là “đang thực hiện” hoặc “hoàn thành”."), field="status")
    if not 0 <= percent <= 100:
        raise DomainError(_("Mức độ hoàn thành phải từ 0 đến 100%."), field="percent")
    if status == ActionStatus.DONE and percent != 100:
        raise DomainError(_("Báo cáo hoàn thành thì mức độ phải là 100%."), field="percent")
    if status == ActionStatus.IN_PROGRESS and percent == 100:
        raise DomainError(_("Đã đạt 100% thì hãy chọn “hoàn thành”."), field="percent")
    narrative = normalize_text_block(narrative)
    if not narrative:
        raise DomainError(_("Phải nêu kết quả thực hiện."), field="narrative")
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
    transition(
        obj=action,
        to=status,
        allowed=ACTION_ALLOWED,
        by=by,
        note=narrative,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
        percent=percent,
    )
    update = ProgressUpdate.objects.create(
        action=action,
        status=status,
        percent=percent,
        narrative=narrative,
        reported_by=by if getattr(by, "pk", None) else None,
    )
    for upload, info in checked:
        evidence = Evidence(
            update=update,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
        )
        evidence.file.save(info.name, upload, save=False)
        evidence.save()
        _audit(
            evidence,
            AuditAction.CREATE,
            by,
            plan=plan,
            changes={"file": [None, f"{info.name} ({info.size} B, sha256 {info.sha256[:12]}…)"]},
        )
    if before_percent != percent:
        _audit(
            action,
            AuditAction.UPDATE,
            by,
            plan=plan,
            changes={"percent": [before_percent, percent]},
        )
    emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, **_leave_open_state(action, status))
    _refresh_findings_in_progress(action, by)
    return update


def _refresh_findings_in_progress(action: PlanAction, by) -> None:
    """Open findings of a reported item are now being remedied: one audited change each."""
    plan = action.plan
    for finding in Finding.objects.filter(actions=action, status=FindingStatus.OPEN):
        # Conditional on the status, so a concurrent change of the finding is not overwritten.
        if not Finding.objects.filter(pk=finding.pk, status=FindingStatus.OPEN).update(
            status=FindingStatus.IN_PROGRESS, version=F("version") + 1
        ):
            continue
        audit_record(
            obj=finding,
            action=AuditAction.TRANSITION,
            by=by,
            changes={
                "status": [str(FindingStatus.OPEN.label), str(FindingStatus.IN_PROGRESS.label)]
            },
            reason=_("Đã có báo cáo tiến độ của nội dung khắc phục “%(a)s”.") % {"a": action},
            unit_path=plan.unit.path,
            person_id=plan.person_id,
        )


@transaction.atomic
def action_verify(
    *,
    action: PlanAction,
    by,
    note: str = "",
    accept: bool = True,
    expected_version: int | None = None,
) -> PlanAction:
    """The appraiser checks a reported item: verified, or back to in progress with a remark."""
    plan = action.plan
    _require_trackable(plan)
    _require_version(action, expected_version)
    if not accept and not note.strip():
        raise DomainError(_("Phải nêu lý do chưa xác nhận."), field="note")
    to = ActionStatus.VERIFIED if accept else ActionStatus.IN_PROGRESS
    also: dict[str, Any] = {}
    if accept:
        also = {
            "verified_at": timezone.now(),
            "verified_by": by if getattr(by, "pk", None) else None,
        }
    else:
        also = {"percent": min(action.percent, 99)}
    transition(
        obj=action,
        to=to,
        allowed=ACTION_ALLOWED,
        by=by,
        note=note,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
        **also,
    )
    if accept:
        emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, items_done=1)
        _resolve_findings(action, by)
    return action


def _resolve_findings(action: PlanAction, by) -> None:
    """Re-check the findings of `action` after it was verified, cancelled or replaced.

    A finding is resolved when all its live items (not cancelled or replaced) are verified, and
    at least one is. Each resolution is a conditional UPDATE (so two concurrent checks count it
    once), bumps the version, is audited and appends the dashboard change, as verification does.
    """
    plan = action.plan
    for finding in action.findings.filter(status__in=UNRESOLVED_FINDINGS):
        states = set(finding.actions.values_list("status", flat=True)) - set(DEAD_ACTION_STATES)
        if states == {ActionStatus.VERIFIED}:
            now = timezone.now()
            if not Finding.objects.filter(pk=finding.pk, status__in=UNRESOLVED_FINDINGS).update(
                status=FindingStatus.RESOLVED, resolved_at=now, version=F("version") + 1
            ):
                continue
            audit_record(
                obj=finding,
                action=AuditAction.TRANSITION,
                by=by,
                changes={
                    "status": [finding.get_status_display(), str(FindingStatus.RESOLVED.label)]
                },
                reason=_("Mọi nội dung khắc phục đã được xác nhận."),
                unit_path=plan.unit.path,
                person_id=plan.person_id,
            )
            emit(cycle_id=plan.cycle_id, unit_path=plan.unit.path, findings_resolved=1)


@transaction.atomic
def action_cancel(
    *, action: PlanAction, reason: str, by, expected_version: int | None = None
) -> PlanAction:
    """Cancel an item of a submitted plan; only with a reason."""
    plan = action.plan
    require_open(plan.cycle)
    _require_submitted_once(plan)
    _require_version(action, expected_version)
    reason = normalize_text_block(reason)
    if not reason:
        raise DomainError(_("Phải nêu lý do hủy nội dung khắc phục."), field="reason")
    _require_not_last_live_item(action)
    transition(
        obj=action,
        to=ActionStatus.CANCELLED,
        allowed=ACTION_ALLOWED,
        by=by,
        note=reason,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
        closing_reason=reason,
    )
    emit(
        cycle_id=plan.cycle_id,
        unit_path=plan.unit.path,
        items_total=-1,
        **_leave_open_state(action, ActionStatus.CANCELLED),
    )
    # The other items of a finding may all be verified already: it is resolved now.
    _resolve_findings(action, by)
    return action


def _require_not_last_live_item(action: PlanAction) -> None:
    """An open finding of an accepted plan keeps at least one live item: cancelling the last
    would leave it unanswered, and unresolvable, for good. While the plan is prepared again
    (returned) it may be cancelled: resubmission is refused until every finding is covered."""
    if action.plan.status in PLAN_EDITABLE:
        return
    for finding in action.findings.filter(status__in=UNRESOLVED_FINDINGS):
        others = finding.actions.exclude(pk=action.pk).exclude(status__in=DEAD_ACTION_STATES)
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
    by,
    content: str,
    due_date: datetime.date,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    expected_result: str = "",
    expected_version: int | None = None,
) -> PlanAction:
    """Replace an item by a new one covering the same findings; only with a reason."""
    plan = action.plan
    require_open(plan.cycle)
    _require_submitted_once(plan)
    _require_version(action, expected_version)
    reason = normalize_text_block(reason)
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
    new = PlanAction.objects.create(
        plan=plan,
        position=action.position,
        content=content,
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        due_date=due_date,
        expected_result=normalize_text_block(expected_result),
    )
    new.findings.set(action.findings.all())
    transition(
        obj=action,
        to=ActionStatus.REPLACED,
        allowed=ACTION_ALLOWED,
        by=by,
        note=reason,
        unit_path=plan.unit.path,
        person_id=plan.person_id,
        expected_version=expected_version,
        closing_reason=reason,
        replaced_by=new,
    )
    _audit(
        new,
        AuditAction.CREATE,
        by,
        plan=plan,
        changes=diff({}, snapshot(new, ACTION_FIELDS)),
        reason=reason,
    )
    emit(
        cycle_id=plan.cycle_id,
        unit_path=plan.unit.path,
        **_leave_open_state(action, ActionStatus.REPLACED),
    )
    _resolve_findings(action, by)
    return new


# --- the overdue sweep (run by the background worker) -------------------------------------


def sweep_overdue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Flag items past their deadline and plans past their due date with no submission.

    Idempotent: rows are claimed with a conditional UPDATE, so two workers never count twice.
    """
    today = today or timezone.localdate()
    items = list(
        PlanAction.objects.filter(
            due_date__lt=today, status__in=OPEN_ACTION_STATES, overdue_flagged=False
        ).values_list("pk", "plan__cycle_id", "plan__unit__path")
    )
    plans = list(
        RemediationPlan.objects.filter(
            due_date__lt=today, first_submitted_at__isnull=True, missing_flagged=False
        ).values_list("pk", "cycle_id", "unit__path")
    )
    flagged_items = flagged_plans = 0
    with transaction.atomic():
        for pk, cycle_id, path in items:
            if PlanAction.objects.filter(
                pk=pk, overdue_flagged=False, status__in=OPEN_ACTION_STATES
            ).update(overdue_flagged=True):
                emit(cycle_id=cycle_id, unit_path=path, items_overdue=1)
                flagged_items += 1
        for pk, cycle_id, path in plans:
            if RemediationPlan.objects.filter(
                pk=pk, missing_flagged=False, first_submitted_at__isnull=True
            ).update(missing_flagged=True):
                emit(cycle_id=cycle_id, unit_path=path, plans_missing=1)
                flagged_plans += 1
    return {"items": flagged_items, "plans": flagged_plans}
