"""Lifecycles of review cycles, self-reviews and shortcomings (findings).

A review cycle is drafted by the committee office, opened (which creates the expected reviews for
every participating unit and brings over last cycle's unresolved shortcomings: the `campaign`
app), and closed at the end of its horizon; a closed cycle accepts no more submissions.

A self-review (of a collective or an individual) is drafted, submitted to the unit's conference
(and may be withdrawn to draft until the conference), marked discussed once the conference is
recorded, and finalized after the conference's comments have been taken in. A finalized review is
what the remediation plan answers.

A shortcoming is recorded in a review while it is written, and removed (with a reason) only if it
was recorded by mistake. Its state then follows from what is done about it, never from a
person's say: it is being remedied once progress is reported on an item of the plan that answers
it, remedied when every live item of it is verified (or, carried over from last cycle, when the
review assesses it fixed), and carried over to the next cycle if still unresolved when that one
opens. These arrows are the system's (`can=None`): the service that causes them checked its own.

A unit's review conference is recorded once per cycle (then corrected, never removed); recording
it marks the unit's submitted reviews discussed.

An upper standing committee may suggest points a collective or a person must review (issued,
or withdrawn with a reason). A unit under suggestion has its dossier (the reviews and their
answers to each point) vetted by that committee's Organization Board before its conference: the
dossier is prepared, sent for vetting, returned with remarks and sent again, until approved; a
new suggestion after the approval sends it back to preparation. Until approved, the conference
is neither scheduled nor recorded.
"""

from django.utils.translation import gettext_lazy as _

from kiemdiem.core.lifecycle import BORN, GONE, Arrow, Lifecycle, Place
from kiemdiem.reviews.models import (
    CycleStatus,
    DossierStatus,
    Finding,
    FindingStatus,
    Review,
    ReviewCycle,
    ReviewDossier,
    ReviewMeeting,
    ReviewStatus,
    ReviewSuggestion,
    SuggestionStatus,
)
from kiemdiem.reviews.permissions import (
    can_add_finding,
    can_backdate_review,
    can_discuss_review,
    can_edit_finding,
    can_edit_review,
    can_issue_suggestion,
    can_prepare_dossier,
    can_record_meeting_of,
    can_run_cycle,
    can_vet_dossier,
)

# A conference has no status of its own: it exists once recorded.
RECORDED = "recorded"


# Shortcomings still to be remedied in their own cycle (carried over at the next opening).
FINDING_UNRESOLVED = frozenset({FindingStatus.OPEN, FindingStatus.IN_PROGRESS})
# Reviews past their conference: what a remediation plan may answer.
REVIEW_CONCLUDED = frozenset({ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED})


def _cycle_place(cycle: ReviewCycle) -> Place:
    return Place(unit_path=cycle.scope_unit.path, earliest=cycle.starts_on)


def _review_place(review: Review) -> Place:
    cycle = review.cycle
    return Place(
        unit_path=review.unit.path,
        person_id=review.person_id,
        cycle_id=cycle.pk,
        earliest=cycle.starts_on,
    )


def _finding_place(finding: Finding) -> Place:
    return _review_place(finding.review)


def _meeting_place(meeting: ReviewMeeting) -> Place:
    cycle = meeting.cycle
    return Place(unit_path=meeting.unit.path, cycle_id=cycle.pk, earliest=cycle.starts_on)


CYCLE = Lifecycle(
    name="cycle",
    labels=dict(CycleStatus.choices),
    place=_cycle_place,
    arrows={
        (BORN, CycleStatus.DRAFT): Arrow(can=can_run_cycle),
        (CycleStatus.DRAFT, CycleStatus.OPEN): Arrow(can=can_run_cycle),
        (CycleStatus.OPEN, CycleStatus.CLOSED): Arrow(can=can_run_cycle),
    },
)

REVIEW = Lifecycle(
    name="review",
    labels=dict(ReviewStatus.choices),
    place=_review_place,
    backdate=can_backdate_review,
    arrows={
        (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED): Arrow(
            can=can_edit_review, counts={"reviews_submitted": +1}
        ),
        (ReviewStatus.SUBMITTED, ReviewStatus.DRAFT): Arrow(
            can=can_edit_review, counts={"reviews_submitted": -1}
        ),
        (ReviewStatus.SUBMITTED, ReviewStatus.DISCUSSED): Arrow(
            can=can_discuss_review, counts={"reviews_discussed": +1}
        ),
        (ReviewStatus.DISCUSSED, ReviewStatus.FINALIZED): Arrow(
            can=can_edit_review, counts={"reviews_discussed": -1, "reviews_finalized": +1}
        ),
    },
)

FINDING = Lifecycle(
    name="finding",
    labels=dict(FindingStatus.choices),
    place=_finding_place,
    arrows={
        (BORN, FindingStatus.OPEN): Arrow(can=can_add_finding, counts={"findings_total": +1}),
        (FindingStatus.OPEN, GONE): Arrow(
            can=can_edit_finding, reason=True, counts={"findings_total": -1}
        ),
        # progress was reported on an item answering it
        (FindingStatus.OPEN, FindingStatus.IN_PROGRESS): Arrow(),
        # every live item verified, or (carried over) assessed fixed
        (FindingStatus.OPEN, FindingStatus.RESOLVED): Arrow(counts={"findings_resolved": +1}),
        (FindingStatus.IN_PROGRESS, FindingStatus.RESOLVED): Arrow(
            counts={"findings_resolved": +1}
        ),
        # a carried-over one assessed fixed by mistake, assessed again
        (FindingStatus.RESOLVED, FindingStatus.OPEN): Arrow(counts={"findings_resolved": -1}),
        # the next cycle opened (written in bulk by campaign.services._carry_over)
        (FindingStatus.OPEN, FindingStatus.CARRIED_OVER): Arrow(),
        (FindingStatus.IN_PROGRESS, FindingStatus.CARRIED_OVER): Arrow(),
    },
)

MEETING = Lifecycle(
    name="meeting",
    labels={RECORDED: _("Đã ghi nhận")},
    place=_meeting_place,
    arrows={(BORN, RECORDED): Arrow(can=can_record_meeting_of, counts={"conferences_held": +1})},
)


def _suggestion_place(suggestion: ReviewSuggestion) -> Place:
    cycle = suggestion.cycle
    return Place(
        unit_path=suggestion.unit.path,
        person_id=suggestion.person_id,
        cycle_id=cycle.pk,
        earliest=cycle.starts_on,
    )


def _dossier_place(dossier: ReviewDossier) -> Place:
    cycle = dossier.cycle
    return Place(unit_path=dossier.unit.path, cycle_id=cycle.pk, earliest=cycle.starts_on)


SUGGESTION = Lifecycle(
    name="suggestion",
    labels=dict(SuggestionStatus.choices),
    place=_suggestion_place,
    arrows={
        (BORN, SuggestionStatus.ISSUED): Arrow(can=can_issue_suggestion),
        (SuggestionStatus.ISSUED, SuggestionStatus.WITHDRAWN): Arrow(
            can=can_issue_suggestion, reason=True
        ),
    },
)

DOSSIER = Lifecycle(
    name="dossier",
    labels=dict(DossierStatus.choices),
    place=_dossier_place,
    backdate=can_vet_dossier,
    arrows={
        # opened with the unit's first suggestion (whose service checked the issuer)
        (BORN, DossierStatus.PREPARING): Arrow(),
        (DossierStatus.PREPARING, DossierStatus.PENDING): Arrow(can=can_prepare_dossier),
        (DossierStatus.RETURNED, DossierStatus.PENDING): Arrow(can=can_prepare_dossier),
        (DossierStatus.PENDING, DossierStatus.RETURNED): Arrow(can=can_vet_dossier, reason=True),
        (DossierStatus.PENDING, DossierStatus.APPROVED): Arrow(can=can_vet_dossier),
        # a new suggestion after the approval: its points must be answered and vetted too
        (DossierStatus.APPROVED, DossierStatus.PREPARING): Arrow(),
    },
)
