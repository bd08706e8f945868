"""Every write to upper-level suggestions (gợi ý kiểm điểm) and the dossier vetting.

An upper standing committee (its standing members or office) puts points to a collective or a
person; the review answers each point before it is submitted; the unit's dossier is vetted by
the suggesting committee's Organization Board before the conference (rules.md 1.4). The
conference itself is recorded by `services.meeting_record`, which checks the approval.
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin, transition
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text, normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import LEADER_ROLES, Person, Position, Unit
from kiemdiem.reviews import rules
from kiemdiem.reviews.models import (
    DossierStatus,
    Review,
    ReviewDossier,
    ReviewMeeting,
    ReviewSuggestion,
    SuggestionGround,
    SuggestionItem,
    SuggestionStatus,
)
from kiemdiem.reviews.permissions import can_answer_suggestion, can_prepare_dossier
from kiemdiem.reviews.services import require_open, require_within_cycle
from kiemdiem.reviews.states import DOSSIER, SUGGESTION, ReviewStatus

SUGGESTION_FIELDS = [
    "issuing_unit",
    "document_number",
    "document_date",
    "grounds",
    "grounds_note",
    "delegation",
]
ANSWER_FIELDS = [
    "account",
    "causes_objective",
    "causes_subjective",
    "responsibility_collective",
    "responsibility_personal",
]


def _check_delegation(unit: Unit, people: list[Person]) -> None:
    """The delegation's leaders lead a committee above the unit (as conference supervisors)."""
    above = [p for p in unit.ancestor_paths() if p != unit.path]
    leaders = set(
        Position.objects.current()
        .filter(unit__path__in=above, role__in=LEADER_ROLES, person_id__in=[p.pk for p in people])
        .values_list("person_id", flat=True)
    )
    others = [p.full_name for p in people if p.pk not in leaders]
    if others:
        raise DomainError(
            _("Không phải lãnh đạo cấp ủy cấp trên của %(u)s: %(p)s.")
            % {"u": unit, "p": ", ".join(others)},
            field="delegation_people",
        )


def _points(items: list[str]) -> list[str]:
    points = [normalize_text_block(t) for t in items]
    return [t for t in points if t]


@transaction.atomic
def suggestion_issue(
    *,
    review: Review,
    by: Actor,
    issuing_unit: Unit,
    document_number: str,
    document_date: datetime.date,
    grounds: list[str],
    items: list[str],
    grounds_note: str = "",
    delegation: str = "",
    delegation_people: list[Person] | None = None,
) -> ReviewSuggestion:
    """Put points to a collective or a person for their review; the unit's dossier is then
    vetted before its conference."""
    suggestion = ReviewSuggestion(
        review=review,
        cycle=review.cycle,
        unit=review.unit,
        person=review.person,
        issuing_unit=issuing_unit,
        document_number=normalize_text(document_number),
        document_date=document_date,
        grounds=sorted(set(grounds or [])),
        grounds_note=normalize_text_block(grounds_note),
        delegation=normalize_text_block(delegation),
        issued_by=acting_user(by),
    )
    move = begin(obj=suggestion, to=SuggestionStatus.ISSUED, lifecycle=SUGGESTION, by=by)
    cycle, unit = review.cycle, review.unit
    require_open(cycle)
    if not unit.path.startswith(issuing_unit.path) or unit.pk == issuing_unit.pk:
        raise DomainError(
            _("%(i)s không phải cấp ủy cấp trên của %(u)s.") % {"i": issuing_unit, "u": unit},
            field="issuing_unit",
        )
    if not suggestion.document_number:
        raise DomainError(_("Phải nêu số, ký hiệu văn bản gợi ý."), field="document_number")
    if document_date > timezone.localdate():
        raise DomainError(
            _("Ngày văn bản %(d)s ở tương lai.") % {"d": vn_date(document_date)},
            field="document_date",
        )
    bad = [g for g in suggestion.grounds if g not in SuggestionGround.values]
    if bad or not suggestion.grounds:
        raise DomainError(_("Hãy chọn ít nhất một căn cứ gợi ý."), field="grounds")
    points = _points(items)
    if not points:
        raise DomainError(_("Phải nêu ít nhất một nội dung gợi ý kiểm điểm."), field="items")
    if (
        review.status != ReviewStatus.DRAFT
        or ReviewMeeting.objects.filter(cycle=cycle, unit=unit).exists()
    ):
        raise DomainError(
            _(
                "Bản kiểm điểm đã gửi hội nghị hoặc hội nghị kiểm điểm đã diễn ra: gợi ý phải có "
                "trước khi kiểm điểm."
            )
        )
    people = list(delegation_people or [])
    _check_delegation(unit, people)
    full_clean(suggestion, exclude=["issued_by"])
    suggestion.save()
    suggestion.delegation_people.set(people)
    changes = diff({}, snapshot(suggestion, SUGGESTION_FIELDS))
    if people:
        changes["delegation_people"] = [None, sorted(p.full_name for p in people)]
    move.born(changes=changes)
    for n, text in enumerate(points, start=1):
        item = SuggestionItem.objects.create(suggestion=suggestion, position=n, text=text)
        audit_record(
            obj=item,
            action=AuditAction.CREATE,
            by=by,
            changes={"position": [None, n], "text": [None, text]},
            unit_path=unit.path,
            person_id=suggestion.person_id,
        )
    _open_dossier(suggestion, by)
    return suggestion


def _open_dossier(suggestion: ReviewSuggestion, by: Actor) -> ReviewDossier:
    """The unit's dossier, opened with its first suggestion; an approved one goes back to
    preparation, since the new points must be answered and vetted too."""
    dossier = ReviewDossier.objects.filter(cycle=suggestion.cycle, unit=suggestion.unit).first()
    reason = str(suggestion)
    if dossier is None:
        dossier = ReviewDossier(
            cycle=suggestion.cycle, unit=suggestion.unit, vetting_unit=suggestion.issuing_unit
        )
        move = begin(obj=dossier, to=DossierStatus.PREPARING, lifecycle=DOSSIER, by=by)
        dossier.save()
        move.born(changes={"vetting_unit": [None, str(dossier.vetting_unit)]})
    elif dossier.status == DossierStatus.APPROVED:
        transition(
            obj=dossier,
            to=DossierStatus.PREPARING,
            lifecycle=DOSSIER,
            by=by,
            reason=reason,
            also={"approved_on": None, "planned_on": None},
        )
    return dossier


@transaction.atomic
def suggestion_withdraw(
    *, suggestion: ReviewSuggestion, by: Actor, reason: str, version: int | None = None
) -> ReviewSuggestion:
    """Withdraw a suggestion issued by mistake (the reason is kept)."""
    move = begin(
        obj=suggestion,
        to=SuggestionStatus.WITHDRAWN,
        lifecycle=SUGGESTION,
        by=by,
        reason=reason,
        version=version,
    )
    require_open(suggestion.cycle)
    move.apply()
    return suggestion


def _require_answers_open(item: SuggestionItem) -> None:
    suggestion = item.suggestion
    if suggestion.status != SuggestionStatus.ISSUED:
        raise DomainError(_("Gợi ý kiểm điểm này đã được thu hồi."))
    review = suggestion.review
    if review.status != ReviewStatus.DRAFT:
        raise DomainError(
            _("Bản kiểm điểm đã gửi hội nghị: rút về dự thảo để sửa phần giải trình.")
        )
    dossier = rules.dossier_of(suggestion.cycle, suggestion.unit)
    if dossier is not None and dossier.status in (DossierStatus.PENDING, DossierStatus.APPROVED):
        raise DomainError(
            _("Hồ sơ kiểm điểm đang hoặc đã được thẩm định: không sửa được phần giải trình.")
        )


@transaction.atomic
def suggestion_answer(
    *,
    item: SuggestionItem,
    by: Actor,
    version: int | None = None,
    **values: Any,
) -> SuggestionItem:
    """Write the review's answer to one suggested point: what happened, the causes, the
    collective and personal responsibility."""
    require(can_answer_suggestion(by, item))
    require_version(item, version)
    require_open(item.suggestion.cycle)
    _require_answers_open(item)
    values = {k: normalize_text_block(v or "") for k, v in values.items() if k in ANSWER_FIELDS}
    before = snapshot(item, ANSWER_FIELDS)
    for key, value in values.items():
        setattr(item, key, value)
    changes = diff(before, snapshot(item, ANSWER_FIELDS))
    if not changes:
        return item
    updates = {k: getattr(item, k) for k in ANSWER_FIELDS if k in changes}
    updates["answered_at"] = item.answered_at = timezone.now()
    save_if_unchanged(item, version, **updates)
    review = item.suggestion.review
    audit_record(
        obj=item,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        unit_path=review.unit.path,
        person_id=review.person_id,
    )
    return item


# --- the dossier vetting -------------------------------------------------------------------


def dossier_problems(dossier: ReviewDossier) -> list[str]:
    """The points not yet answered in the unit's reviews under suggestion."""
    problems = []
    reviews = Review.objects.filter(
        suggestions__in=rules.live_suggestions(dossier.cycle, dossier.unit)
    ).distinct()
    for review in reviews.select_related("person", "unit", "cycle"):
        for problem in rules.suggestion_problems(review):
            problems.append(f"{review.subject_label}: {problem}")
    return problems


@transaction.atomic
def dossier_submit(
    *, dossier: ReviewDossier, by: Actor, note: str = "", version: int | None = None
) -> ReviewDossier:
    """Send the dossier and review content to the Organization Board for vetting."""
    move = begin(
        obj=dossier,
        to=DossierStatus.PENDING,
        lifecycle=DOSSIER,
        by=by,
        reason=note,
        version=version,
    )
    require_open(dossier.cycle)
    problems = dossier_problems(dossier)
    if problems:
        raise DossierIncomplete(problems)
    move.apply(submitted_at=timezone.now())
    return dossier


class DossierIncomplete(DomainError):
    """The dossier cannot be sent; `problems` lists each point still unanswered."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("Chưa gửi thẩm định được: ") + " ".join(problems))
        self.problems = problems


@transaction.atomic
def dossier_return(
    *, dossier: ReviewDossier, by: Actor, remarks: str, version: int | None = None
) -> ReviewDossier:
    """Return the dossier with remarks (what to complete); the unit prepares it again."""
    remarks = normalize_text_block(remarks)
    move = begin(
        obj=dossier,
        to=DossierStatus.RETURNED,
        lifecycle=DOSSIER,
        by=by,
        reason=remarks,
        version=version,
    )
    if not remarks:
        raise DomainError(_("Phải nêu nhận xét, yêu cầu chuẩn bị lại."), field="remarks")
    move.apply(remarks=remarks)
    return dossier


@transaction.atomic
def dossier_approve(
    *,
    dossier: ReviewDossier,
    by: Actor,
    note: str = "",
    version: int | None = None,
    effective_on: datetime.date | None = None,
) -> ReviewDossier:
    """The dossier passes: the unit may now schedule and hold its conference."""
    move = begin(
        obj=dossier,
        to=DossierStatus.APPROVED,
        lifecycle=DOSSIER,
        by=by,
        reason=note,
        version=version,
        effective_on=effective_on,
    )
    move.apply(approved_on=move.effective_on)
    return dossier


@transaction.atomic
def dossier_schedule(
    *,
    dossier: ReviewDossier,
    by: Actor,
    planned_on: datetime.date,
    version: int | None = None,
) -> ReviewDossier:
    """Set the day the conference is planned for: only once the dossier is approved, and not
    before the approval."""
    require(can_prepare_dossier(by, dossier))
    require_version(dossier, version)
    require_open(dossier.cycle)
    refusal = rules.conference_refusal(dossier.cycle, dossier.unit, planned_on)
    if refusal:
        raise DomainError(refusal, field="planned_on")
    require_within_cycle(dossier.cycle, planned_on, what=_("Ngày dự kiến họp"), field="planned_on")
    before = dossier.planned_on
    if before == planned_on:
        return dossier
    save_if_unchanged(dossier, version, planned_on=planned_on)
    dossier.planned_on = planned_on
    audit_record(
        obj=dossier,
        action=AuditAction.UPDATE,
        by=by,
        changes={"planned_on": [before, planned_on]},
        unit_path=dossier.unit.path,
    )
    return dossier
