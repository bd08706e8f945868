"""Every write to discipline cases: open, record, decide, drop, appeal, settle, annul, correct.

Each service checks who may act through the case's lifecycle arrow (`discipline.states`), then
the rules of Quy định 69-QĐ/TW: the forms a subject may receive (Art. 7), the limitation period
(Art. 4), one case per violation (Art. 2). An expulsion ends the member's party activity and a
removal from post ends the post, through the organization's own services (audited there).
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_reads, audit_record, diff, snapshot
from kiemdiem.core.dates import add_years, vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import fold, normalize_text, normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.discipline.models import (
    MEMBER_FORMS,
    ORGANIZATION_FORMS,
    PROBATIONARY_FORMS,
    DecidingAuthority,
    DisciplineCase,
    DisciplineForm,
    MemberStatus,
)
from kiemdiem.discipline.permissions import can_record_case
from kiemdiem.discipline.states import CASE, LIVE, DisciplineStatus
from kiemdiem.org import services as org_services
from kiemdiem.org.models import CELL_KINDS, NON_PARTY_KINDS, Membership, Person, Position, Unit
from kiemdiem.reviews.models import SubjectKind

CASE_FIELDS = [
    "subject_kind",
    "unit",
    "person",
    "member_status",
    "violation",
    "violation_on",
    "violation_area",
    "duty_related",
    "self_reported",
    "finding",
    "review",
    "inspection_ref",
    "deciding_unit",
    "authority",
    "proposed_form",
]
DECISION_FIELDS = [
    "form",
    "position",
    "decision_number",
    "decided_on",
    "effective_on",
    "limitation_years",
    "no_limitation",
    "member_status",
]
APPEAL_FIELDS = ["appeal_lodged_on", "appeal_grounds", "appeal_unit"]
SETTLEMENT_FIELDS = [
    "review_decision_number",
    "review_decided_on",
    "changed_form",
    "rectification",
]
# Fields a correction may change, by the state of the case.
EDITABLE = ["violation", "violation_area", "duty_related", "self_reported", "inspection_ref"]
EDITABLE_PROPOSED = ["violation_on", "authority", "proposed_form", "finding", "review"]
EDITABLE_DECIDED = ["decision_number"]
CLOSED = frozenset({DisciplineStatus.DROPPED, DisciplineStatus.ANNULLED})


def limitation_years(form: str) -> int | None:
    """Art. 4: 5 years for what warrants a reprimand, 10 for a warning or a removal from post,
    none for an expulsion (organizations: dissolution likewise). `KIEMDIEM_DISCIPLINE_
    LIMITATION_YEARS` holds them (the list of violations never time-barred is UNCONFIRMED: the
    office ticks "không áp dụng thời hiệu" for those)."""
    return settings.KIEMDIEM_DISCIPLINE_LIMITATION_YEARS.get(form)


def member_status_on(person: Person, day: datetime.date) -> str:
    """Full or probationary member on `day` (from the admission and official dates)."""
    admitted, official = person.admission_date, person.official_date
    if admitted is not None and admitted <= day and (official is None or official > day):
        return MemberStatus.PROBATIONARY
    return MemberStatus.FULL


def _on(day: datetime.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def person_cell_on(person: Person, day: datetime.date) -> Unit | None:
    """The member's cell on `day` (official membership first), else the latest one."""
    memberships = Membership.objects.filter(person=person).select_related("unit")
    held = memberships.filter(_on(day)).order_by("kind", "-valid_from").first()
    if held is None:
        held = memberships.order_by("-valid_from").first()
    return held.unit if held is not None else None


def posts_held_on(person: Person, day: datetime.date) -> list[Position]:
    """The posts a person held on `day` (what a removal from post may take away)."""
    return list(Position.objects.filter(person=person).filter(_on(day)).select_related("unit"))


# --- checks -------------------------------------------------------------------------------


def _clean_text(values: dict[str, Any]) -> None:
    if "violation" in values:
        values["violation"] = normalize_text_block(values["violation"] or "")
        if not values["violation"]:
            raise DomainError(_("Phải nêu nội dung vi phạm."), field="violation")
    for key in ("inspection_ref",):
        if key in values:
            values[key] = normalize_text(values[key] or "")


def _check_subject(case: DisciplineCase) -> None:
    """The subject fits the deciding body: inside its subtree (an organization strictly below)."""
    unit, body = case.unit, case.deciding_unit
    if case.person_id is None and unit.kind in NON_PARTY_KINDS:
        raise DomainError(
            _("%(u)s không phải tổ chức đảng: kỷ luật đảng chỉ áp dụng với tổ chức đảng.")
            % {"u": unit},
            field="unit",
        )
    if not unit.path.startswith(body.path) or (case.person_id is None and unit.pk == body.pk):
        raise DomainError(
            _(
                "%(b)s không có thẩm quyền kỷ luật %(s)s: cấp quyết định phải là cấp trên của "
                "đối tượng."
            )
            % {"b": body, "s": case.subject_label},
            field="deciding_unit",
        )
    if case.authority == DecidingAuthority.CELL and (
        body.kind not in CELL_KINDS or case.person_id is None
    ):
        raise DomainError(
            _(
                "Chi bộ chỉ quyết định kỷ luật đảng viên trong chi bộ; hãy chọn cơ quan quyết "
                "định khác."
            ),
            field="authority",
        )


def _check_links(case: DisciplineCase) -> None:
    """The shortcoming or review that raised the violation is about the same subject."""
    finding, review = case.finding, case.review
    if finding is not None:
        about = finding.review
        same = (
            about.person_id == case.person_id
            if case.person_id
            else (about.person_id is None and finding.unit_id == case.unit_id)
        )
        if not same:
            raise DomainError(
                _("Hạn chế, khuyết điểm “%(f)s” không phải của %(s)s.")
                % {"f": finding, "s": case.subject_label},
                field="finding",
            )
        if review is None:
            case.review = review = about
    if review is not None:
        same = (
            review.person_id == case.person_id
            if case.person_id
            else (review.person_id is None and review.unit_id == case.unit_id)
        )
        if not same:
            raise DomainError(
                _("Bản kiểm điểm “%(r)s” không phải của %(s)s.")
                % {"r": review, "s": case.subject_label},
                field="review",
            )


def _check_violation_day(case: DisciplineCase, today: datetime.date) -> None:
    if case.violation_on > today:
        raise DomainError(
            _("Ngày vi phạm %(d)s ở tương lai.") % {"d": vn_date(case.violation_on)},
            field="violation_on",
        )


def _check_duplicate(case: DisciplineCase) -> None:
    """One violation is disciplined once (Art. 2): no other live case for it."""
    live = DisciplineCase.objects.filter(status__in=LIVE).exclude(pk=case.pk)
    same = Q(violation_on=case.violation_on, violation_key=case.violation_key)
    same &= (
        Q(person_id=case.person_id) if case.person_id else Q(person__isnull=True, unit=case.unit)
    )
    if case.finding_id:
        same |= Q(finding_id=case.finding_id)
    other = live.filter(same).first()
    if other is not None:
        raise DomainError(
            _(
                "Vi phạm này đã có hồ sơ kỷ luật (%(c)s, %(s)s): mỗi vi phạm chỉ bị xử lý kỷ luật "
                "một lần, bằng một hình thức."
            )
            % {"c": other, "s": other.get_status_display()},
            field="violation",
        )


def _check_form(
    case: DisciplineCase,
    form: str,
    day: datetime.date,
    position: Position | None,
    *,
    proposal: bool = False,
) -> str:
    """Art. 7: the forms a subject may receive on `day`; a removal from post needs a post held
    that day (named with the decision, not with a proposal). Returns the member status on
    `day` ("" for an organization)."""
    if form not in DisciplineForm.values:
        raise DomainError(_("Hãy chọn hình thức kỷ luật."), field="form")
    label = DisciplineForm(form).label
    if case.person_id is None:
        if form not in ORGANIZATION_FORMS:
            raise DomainError(
                _(
                    "Hình thức %(f)s không áp dụng với tổ chức đảng: tổ chức đảng chỉ bị khiển "
                    "trách, cảnh cáo hoặc giải tán."
                )
                % {"f": label.lower()},
                field="form",
            )
        return ""
    person = case.person
    assert person is not None
    if form == DisciplineForm.DISSOLUTION:
        raise DomainError(
            _("Giải tán chỉ áp dụng với tổ chức đảng, không áp dụng với đảng viên."), field="form"
        )
    status = member_status_on(person, day)
    if status == MemberStatus.PROBATIONARY and form not in PROBATIONARY_FORMS:
        raise DomainError(
            _(
                "Đồng chí %(p)s là đảng viên dự bị vào ngày %(d)s: đảng viên dự bị chỉ bị khiển "
                "trách hoặc cảnh cáo (Điều 7 Quy định 69-QĐ/TW), không bị %(f)s."
            )
            % {"p": person, "d": vn_date(day), "f": label.lower()},
            field="form",
        )
    if form not in MEMBER_FORMS:
        raise DomainError(_("Hình thức kỷ luật không hợp lệ."), field="form")
    if form == DisciplineForm.REMOVAL_FROM_POST:
        held = posts_held_on(person, day)
        if not held:
            raise DomainError(
                _(
                    "Cách chức chỉ áp dụng với đảng viên đang giữ chức vụ: đồng chí %(p)s không "
                    "giữ chức vụ nào vào ngày %(d)s."
                )
                % {"p": person, "d": vn_date(day)},
                field="form",
            )
        if proposal:
            return status
        if position is None:
            raise DomainError(_("Hãy chọn chức vụ bị cách."), field="position")
        if position.pk not in {p.pk for p in held}:
            raise DomainError(
                _("Đồng chí %(p)s không giữ chức vụ “%(x)s” vào ngày %(d)s.")
                % {"p": person, "x": position, "d": vn_date(day)},
                field="position",
            )
    return status


def _check_limitation(
    case: DisciplineCase, form: str, decided_on: datetime.date, no_limitation: bool
) -> int | None:
    """Art. 4: the decision falls inside the limitation period counted from the violation (the
    day `years` later is its last day). Returns the period applied."""
    years = None if no_limitation else limitation_years(form)
    if years is None:
        return None
    last = add_years(case.violation_on, years)
    if decided_on > last:
        raise DomainError(
            _(
                "Đã hết thời hiệu kỷ luật: vi phạm ngày %(v)s, hình thức %(f)s có thời hiệu "
                "%(y)s năm (đến hết ngày %(last)s), quyết định ngày %(d)s."
            )
            % {
                "v": vn_date(case.violation_on),
                "f": DisciplineForm(form).label.lower(),
                "y": years,
                "last": vn_date(last),
                "d": vn_date(decided_on),
            },
            field="decided_on",
        )
    return years


def _check_decision_dates(
    case: DisciplineCase,
    decided_on: datetime.date,
    effective_on: datetime.date,
    today: datetime.date,
) -> None:
    if decided_on < case.violation_on:
        raise DomainError(
            _("Ngày quyết định %(d)s trước ngày vi phạm %(v)s.")
            % {"d": vn_date(decided_on), "v": vn_date(case.violation_on)},
            field="decided_on",
        )
    if decided_on > today:
        raise DomainError(
            _("Ngày quyết định %(d)s ở tương lai: chỉ ghi nhận quyết định đã ban hành.")
            % {"d": vn_date(decided_on)},
            field="decided_on",
        )
    if effective_on < decided_on:
        raise DomainError(
            _("Ngày có hiệu lực phải từ ngày quyết định (%(d)s) trở đi.")
            % {"d": vn_date(decided_on)},
            field="effective_on",
        )
    if effective_on > today:
        raise DomainError(
            _(
                "Ngày có hiệu lực %(d)s ở tương lai: hãy ghi nhận quyết định khi đã có hiệu lực "
                "(khai trừ, cách chức chấm dứt sinh hoạt đảng, chức vụ từ ngày đó)."
            )
            % {"d": vn_date(effective_on)},
            field="effective_on",
        )


def _require_number(number: str, field: str) -> str:
    number = normalize_text(number or "")
    if not number:
        raise DomainError(_("Phải nêu số, ký hiệu quyết định."), field=field)
    return number


def _consequences(case: DisciplineCase, form: str, day: datetime.date, by: Actor) -> list[str]:
    """An expulsion ends the member's party activity, a removal from post ends the post, on the
    day the decision takes effect; through the organization's services (audited there).
    Returns what was ended, for the message."""
    if case.person_id is None:
        return []
    reason = _("Quyết định kỷ luật %(f)s số %(n)s") % {
        "f": DisciplineForm(form).label.lower(),
        "n": case.decision_number or case.review_decision_number,
    }
    ended = []
    if form == DisciplineForm.EXPULSION:
        current = Membership.objects.filter(person_id=case.person_id, valid_to__isnull=True)
        for membership in current.select_related("unit", "person"):
            org_services.membership_end(
                membership=membership,
                valid_to=max(day, membership.valid_from),
                by=by,
                reason=reason,
            )
            ended.append(_("sinh hoạt đảng tại %(u)s") % {"u": membership.unit})
    elif form == DisciplineForm.REMOVAL_FROM_POST and case.position_id:
        position = Position.objects.select_related("unit", "person").get(pk=case.position_id)
        if position.valid_to is None or position.valid_to > day:
            if position.valid_to is None:
                org_services.position_end(
                    position=position, valid_to=max(day, position.valid_from), by=by, reason=reason
                )
                ended.append(str(position))
    return ended


def _form_in_force(case: DisciplineCase) -> str:
    if case.status in (
        DisciplineStatus.DECIDED,
        DisciplineStatus.APPEALED,
        DisciplineStatus.UPHELD,
    ):
        return case.form
    if case.status == DisciplineStatus.CHANGED:
        return case.changed_form
    return ""


# --- opening and recording ----------------------------------------------------------------


def _new_case(
    *,
    by: Actor,
    deciding_unit: Unit,
    authority: str,
    violation: str,
    violation_on: datetime.date,
    violation_area: str,
    person: Person | None,
    unit: Unit | None,
    values: dict[str, Any],
) -> DisciplineCase:
    """An unsaved case with its subject resolved (a member's cell on the violation day)."""
    values = {k: v for k, v in values.items() if k in CASE_FIELDS}
    values["violation"] = violation
    _clean_text(values)
    if person is not None:
        cell = person_cell_on(person, violation_on)
        if unit is None:
            unit = cell
        if unit is None:
            raise DomainError(
                _("Đồng chí %(p)s chưa có nơi sinh hoạt đảng trong hệ thống.") % {"p": person},
                field="person",
            )
        kind = SubjectKind.INDIVIDUAL
    else:
        if unit is None:
            raise DomainError(_("Hãy chọn đảng viên hoặc tổ chức đảng bị kỷ luật."), field="unit")
        kind = SubjectKind.COLLECTIVE
    case = DisciplineCase(
        subject_kind=kind,
        unit=unit,
        person=person,
        deciding_unit=deciding_unit,
        authority=authority,
        violation_on=violation_on,
        violation_area=violation_area,
        recorded_by=acting_user(by),
        **{k: v for k, v in values.items() if k not in ("unit", "person", "subject_kind")},
    )
    case.violation_key = fold(case.violation)[:255]
    return case


def _save_new(case: DisciplineCase) -> None:
    full_clean(case, exclude=["recorded_by"])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:  # a concurrent case for the same violation
        _check_duplicate(case)
        raise DomainError(_("Không lưu được hồ sơ kỷ luật, hãy thử lại.")) from exc


@transaction.atomic
def case_open(
    *,
    by: Actor,
    deciding_unit: Unit,
    authority: str,
    violation: str,
    violation_on: datetime.date,
    violation_area: str,
    person: Person | None = None,
    unit: Unit | None = None,
    reason: str = "",
    **values: Any,
) -> DisciplineCase:
    """Open a case being considered (proposed), with the form proposed if any."""
    case = _new_case(
        by=by,
        deciding_unit=deciding_unit,
        authority=authority,
        violation=violation,
        violation_on=violation_on,
        violation_area=violation_area,
        person=person,
        unit=unit,
        values=values,
    )
    move = begin(obj=case, to=DisciplineStatus.PROPOSED, lifecycle=CASE, by=by, reason=reason)
    today = timezone.localdate()
    _check_subject(case)
    _check_violation_day(case, today)
    _check_links(case)
    if case.proposed_form:
        _check_form(case, case.proposed_form, today, None, proposal=True)
    _check_duplicate(case)
    case.status = DisciplineStatus.PROPOSED
    _save_new(case)
    move.born(changes=diff({}, snapshot(case, CASE_FIELDS)))
    return case


def _decision(
    case: DisciplineCase,
    *,
    form: str,
    decision_number: str,
    decided_on: datetime.date,
    effective_on: datetime.date | None,
    position: Position | None,
    no_limitation: bool,
) -> dict[str, Any]:
    """The checked fields of a decision (Art. 4 and 7), ready to be written."""
    today = timezone.localdate()
    effective_on = effective_on or decided_on
    number = _require_number(decision_number, "decision_number")
    _check_decision_dates(case, decided_on, effective_on, today)
    status = _check_form(case, form, decided_on, position)
    years = _check_limitation(case, form, decided_on, no_limitation)
    return {
        "form": form,
        "position": position if form == DisciplineForm.REMOVAL_FROM_POST else None,
        "decision_number": number,
        "decided_on": decided_on,
        "effective_on": effective_on,
        "limitation_years": years,
        "no_limitation": no_limitation,
        "member_status": status,
        "form_in_force": form,
    }


@transaction.atomic
def case_record(
    *,
    by: Actor,
    deciding_unit: Unit,
    authority: str,
    violation: str,
    violation_on: datetime.date,
    violation_area: str,
    form: str,
    decision_number: str,
    decided_on: datetime.date,
    effective_on: datetime.date | None = None,
    position: Position | None = None,
    no_limitation: bool = False,
    person: Person | None = None,
    unit: Unit | None = None,
    reason: str = "",
    **values: Any,
) -> DisciplineCase:
    """Record a decision already taken (entered from paper records, or imported)."""
    case = _new_case(
        by=by,
        deciding_unit=deciding_unit,
        authority=authority,
        violation=violation,
        violation_on=violation_on,
        violation_area=violation_area,
        person=person,
        unit=unit,
        values=values,
    )
    case.form = form
    today = timezone.localdate()
    move = begin(
        obj=case,
        to=DisciplineStatus.DECIDED,
        lifecycle=CASE,
        by=by,
        reason=reason,
        effective_on=min(decided_on, today),
    )
    _check_subject(case)
    _check_violation_day(case, today)
    _check_links(case)
    fields = _decision(
        case,
        form=form,
        decision_number=decision_number,
        decided_on=decided_on,
        effective_on=effective_on,
        position=position,
        no_limitation=no_limitation,
    )
    for key, value in fields.items():
        setattr(case, key, value)
    case.status = DisciplineStatus.DECIDED
    _check_duplicate(case)
    _save_new(case)
    move.born(changes=diff({}, snapshot(case, CASE_FIELDS + DECISION_FIELDS)))
    _consequences(case, form, fields["effective_on"], by)
    return case


@transaction.atomic
def case_decide(
    *,
    case: DisciplineCase,
    by: Actor,
    form: str,
    decision_number: str,
    decided_on: datetime.date,
    effective_on: datetime.date | None = None,
    position: Position | None = None,
    no_limitation: bool = False,
    note: str = "",
    version: int | None = None,
) -> DisciplineCase:
    """The competent body decided on a proposed case."""
    case.form = form  # the decision's rule depends on it (an expulsion needs the member's office)
    move = begin(
        obj=case,
        to=DisciplineStatus.DECIDED,
        lifecycle=CASE,
        by=by,
        reason=note,
        version=version,
        effective_on=min(decided_on, timezone.localdate()),
    )
    fields = _decision(
        case,
        form=form,
        decision_number=decision_number,
        decided_on=decided_on,
        effective_on=effective_on,
        position=position,
        no_limitation=no_limitation,
    )
    before = snapshot(case, DECISION_FIELDS)
    for key, value in fields.items():
        setattr(case, key, value)
    move.apply(diff(before, snapshot(case, DECISION_FIELDS)), **fields)
    _consequences(case, form, fields["effective_on"], by)
    return case


@transaction.atomic
def case_drop(
    *, case: DisciplineCase, by: Actor, reason: str, version: int | None = None
) -> DisciplineCase:
    """The competent body decided not to discipline (the reason is required)."""
    move = begin(
        obj=case, to=DisciplineStatus.DROPPED, lifecycle=CASE, by=by, reason=reason, version=version
    )
    move.apply(form_in_force="")
    return case


@transaction.atomic
def case_appeal(
    *,
    case: DisciplineCase,
    by: Actor,
    lodged_on: datetime.date,
    grounds: str,
    appeal_unit: Unit | None = None,
    version: int | None = None,
) -> DisciplineCase:
    """The disciplined member or organization appealed; the decision stays in force meanwhile."""
    today = timezone.localdate()
    move = begin(
        obj=case,
        to=DisciplineStatus.APPEALED,
        lifecycle=CASE,
        by=by,
        version=version,
        effective_on=min(lodged_on, today),
    )
    grounds = normalize_text_block(grounds)
    if not grounds:
        raise DomainError(_("Phải nêu nội dung khiếu nại."), field="grounds")
    assert case.decided_on is not None
    if lodged_on < case.decided_on or lodged_on > today:
        raise DomainError(
            _("Ngày khiếu nại phải từ ngày quyết định (%(d)s) đến hôm nay.")
            % {"d": vn_date(case.decided_on)},
            field="lodged_on",
        )
    body = case.deciding_unit
    if appeal_unit is None:
        appeal_unit = body.parent
    if appeal_unit is None or not body.path.startswith(appeal_unit.path) or appeal_unit == body:
        raise DomainError(
            _("Cấp giải quyết khiếu nại phải là cấp trên của %(b)s.") % {"b": body},
            field="appeal_unit",
        )
    fields = {"appeal_lodged_on": lodged_on, "appeal_grounds": grounds, "appeal_unit": appeal_unit}
    before = snapshot(case, APPEAL_FIELDS)
    for key, value in fields.items():
        setattr(case, key, value)
    move.apply(diff(before, snapshot(case, APPEAL_FIELDS)), **fields)
    return case


SETTLED = (DisciplineStatus.UPHELD, DisciplineStatus.CHANGED, DisciplineStatus.ANNULLED)


@transaction.atomic
def case_settle(
    *,
    case: DisciplineCase,
    by: Actor,
    outcome: str,
    decision_number: str,
    decided_on: datetime.date,
    reason: str = "",
    changed_form: str = "",
    position: Position | None = None,
    rectification: str = "",
    version: int | None = None,
) -> DisciplineCase:
    """Settle an appeal (uphold, change the form, annul), or annul a wrongful decision without
    one (rectification). The original decision stays on the case as it was."""
    if outcome not in SETTLED:
        raise DomainError(_("Hãy chọn kết quả: giữ nguyên, thay đổi hình thức hoặc xóa bỏ."))
    today = timezone.localdate()
    move = begin(
        obj=case,
        to=outcome,
        lifecycle=CASE,
        by=by,
        reason=reason,
        version=version,
        effective_on=min(decided_on, today),
    )
    number = _require_number(decision_number, "decision_number")
    assert case.decided_on is not None
    start = case.appeal_lodged_on if case.status == DisciplineStatus.APPEALED else case.decided_on
    assert start is not None
    if decided_on < start or decided_on > today:
        raise DomainError(
            _("Ngày quyết định phải từ ngày %(d)s đến hôm nay.") % {"d": vn_date(start)},
            field="decided_on",
        )
    fields: dict[str, Any] = {
        "review_decision_number": number,
        "review_decided_on": decided_on,
        "rectification": normalize_text_block(rectification),
    }
    if outcome == DisciplineStatus.CHANGED:
        if changed_form == case.form:
            raise DomainError(
                _("Hình thức mới phải khác hình thức đã quyết định."), field="changed_form"
            )
        _check_form(case, changed_form, case.decided_on, position or case.position)
        _check_limitation(case, changed_form, case.decided_on, case.no_limitation)
        fields["changed_form"] = changed_form
        fields["form_in_force"] = changed_form
        if changed_form == DisciplineForm.REMOVAL_FROM_POST:
            fields["position"] = position or case.position
    elif outcome == DisciplineStatus.UPHELD:
        fields["form_in_force"] = case.form
    else:
        fields["form_in_force"] = ""
    before = snapshot(case, SETTLEMENT_FIELDS + ["form_in_force"])
    for key, value in fields.items():
        setattr(case, key, value)
    move.apply(diff(before, snapshot(case, SETTLEMENT_FIELDS + ["form_in_force"])), **fields)
    if outcome == DisciplineStatus.CHANGED:
        _consequences(case, changed_form, decided_on, by)
    return case


@transaction.atomic
def case_update(
    *,
    case: DisciplineCase,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> DisciplineCase:
    """Correct what was recorded about the violation (and a decision's number); a decided case
    is corrected only with a reason. Forms and dates change only through a decision."""
    require(can_record_case(by, case))
    require_version(case, expected_version)
    if case.status in CLOSED:
        raise DomainError(
            _("Hồ sơ “%(s)s” đã khép lại: không sửa được.") % {"s": case.get_status_display()}
        )
    allowed = list(EDITABLE)
    if case.status == DisciplineStatus.PROPOSED:
        allowed += EDITABLE_PROPOSED
    else:
        allowed += EDITABLE_DECIDED
        if not (reason or "").strip():
            raise DomainError(_("Sửa hồ sơ đã có quyết định phải nêu lý do."), field="reason")
    refused = sorted(k for k in values if k not in allowed and k in CASE_FIELDS + DECISION_FIELDS)
    if refused:
        raise DomainError(_("Không sửa được: %(f)s.") % {"f": ", ".join(refused)}, field=refused[0])
    values = {k: v for k, v in values.items() if k in allowed}
    _clean_text(values)
    if "decision_number" in values:
        values["decision_number"] = _require_number(values["decision_number"], "decision_number")
    fields = CASE_FIELDS + EDITABLE_DECIDED
    before = snapshot(case, fields)
    for key, value in values.items():
        setattr(case, key, value)
    case.violation_key = fold(case.violation)[:255]
    today = timezone.localdate()
    _check_violation_day(case, today)
    _check_links(case)
    if case.proposed_form and case.status == DisciplineStatus.PROPOSED:
        _check_form(case, case.proposed_form, today, None, proposal=True)
    _check_subject(case)
    _check_duplicate(case)
    full_clean(case, exclude=["recorded_by"])
    changes = diff(before, snapshot(case, fields))
    if not changes:
        return case
    updates = {k: getattr(case, k) for k in fields if k in changes}
    updates["violation_key"] = case.violation_key
    save_if_unchanged(case, expected_version, **updates)
    audit_record(
        obj=case,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=case.unit.path,
        person_id=case.person_id,
    )
    return case


def cases_read(cases: list[DisciplineCase], *, by: Actor, where: str) -> int:
    """Record that `by` was shown these cases (a page, a list, an export, the API)."""
    return audit_reads(cases, by=by, where=where, place=lambda c: (c.unit.path, c.person_id))
