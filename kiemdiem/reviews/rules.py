"""Checks that several services share: what a review must contain before it goes to its
conference (the answers to the upper level's suggestions, the commitment's assessment), and
whether a unit under suggestion may hold its conference. Reads only; the services raise.
"""

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemdiem.core.dates import vn_date
from kiemdiem.org.models import Unit
from kiemdiem.reviews.models import (
    Commitment,
    CycleKind,
    DossierStatus,
    Review,
    ReviewCycle,
    ReviewDossier,
    ReviewSuggestion,
    SuggestionItem,
    SuggestionStatus,
)


def live_suggestions(cycle: ReviewCycle, unit: Unit) -> QuerySet[ReviewSuggestion]:
    """The suggestions in force on a unit's reviews (collective or individual) in a cycle."""
    return ReviewSuggestion.objects.filter(cycle=cycle, unit=unit, status=SuggestionStatus.ISSUED)


def answer_gaps(item: SuggestionItem, *, collective: bool) -> list[str]:
    """What an answer to a point still lacks (Mẫu 01 §IV)."""
    gaps = []
    if not item.account.strip():
        gaps.append(_("sự việc, nội dung"))
    if not (item.causes_objective.strip() or item.causes_subjective.strip()):
        gaps.append(_("nguyên nhân"))
    if collective and not item.responsibility_collective.strip():
        gaps.append(_("trách nhiệm của tập thể"))
    if not item.responsibility_personal.strip():
        gaps.append(_("trách nhiệm của cá nhân"))
    return gaps


def suggestion_problems(review: Review) -> list[str]:
    """Each suggested point the review has not answered in full."""
    items = SuggestionItem.objects.filter(
        suggestion__review=review, suggestion__status=SuggestionStatus.ISSUED
    ).select_related("suggestion")
    problems = []
    for item in items:
        gaps = answer_gaps(item, collective=review.person_id is None)
        if gaps:
            problems.append(
                _("Nội dung gợi ý %(n)s (%(d)s) chưa giải trình: %(g)s.")
                % {
                    "n": item.position,
                    "d": item.suggestion.document_number,
                    "g": ", ".join(gaps),
                }
            )
    return problems


def commitment_for(review: Review) -> Commitment | None:
    """The person's commitment for the year an annual review covers."""
    if review.person_id is None or review.cycle.kind != CycleKind.ANNUAL:
        return None
    return Commitment.objects.filter(person_id=review.person_id, year=review.cycle.year).first()


def commitment_problems(review: Review) -> list[str]:
    """The year-end review assesses every item of the year's commitment (QĐ 366 Art. 6.2)."""
    commitment = commitment_for(review)
    if commitment is None:
        return []
    missing = [i.position for i in commitment.items.all() if not i.fulfilment]
    if not missing:
        return []
    return [
        _("Chưa tự đánh giá việc thực hiện nội dung cam kết số %(n)s.")
        % {"n": ", ".join(str(n) for n in missing)}
    ]


def dossier_of(cycle: ReviewCycle, unit: Unit) -> ReviewDossier | None:
    return ReviewDossier.objects.filter(cycle=cycle, unit=unit).first()


def conference_refusal(cycle: ReviewCycle, unit: Unit, held_on: datetime.date | None = None) -> str:
    """Why a unit under suggestion may not schedule or hold its conference yet ("" if it may):
    its dossier must have been approved, and the conference held after that."""
    if not live_suggestions(cycle, unit).exists():
        return ""
    dossier = dossier_of(cycle, unit)
    if dossier is None or dossier.status != DossierStatus.APPROVED:
        state = dossier.get_status_display().lower() if dossier else _("chưa có")
        return _(
            "%(u)s được cấp trên gợi ý kiểm điểm: hồ sơ, nội dung kiểm điểm phải được ban tổ chức "
            "cấp ủy thẩm định đạt yêu cầu thì mới tổ chức hội nghị (hồ sơ hiện %(s)s)."
        ) % {"u": unit, "s": state}
    if held_on is not None and dossier.approved_on and held_on < dossier.approved_on:
        return _("Hội nghị ngày %(d)s trước ngày hồ sơ được thẩm định đạt yêu cầu (%(a)s).") % {
            "d": vn_date(held_on),
            "a": vn_date(dossier.approved_on),
        }
    return ""


def delegations(cycle: ReviewCycle, unit: Unit) -> str:
    """The delegations the suggesting committees send to a unit's conference, as text."""
    lines = []
    for suggestion in live_suggestions(cycle, unit).prefetch_related("delegation_people"):
        names = ", ".join(p.full_name for p in suggestion.delegation_people.all())
        text = "; ".join(filter(None, [names, suggestion.delegation]))
        if text:
            lines.append(text)
    return "\n".join(dict.fromkeys(lines))
