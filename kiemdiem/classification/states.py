"""The lifecycle of a rating (đánh giá, xếp loại chất lượng).

A round opens a rating for each subject (or marks a member exempt: new, exempted, suspended).
The subject self-assesses — scores or grades per criterion, a proposed level, reasons — and may
redo it until it is appraised. The organization board or an appraisal team appraises it and
proposes a level; a lower level than the self-assessment is a downgrade, kept beside the
self-proposed level with its reason. The appraiser may instead send it back to be redone. The
competent level decides, after the checks of the rulebook (quota, discipline, confidence votes,
remediation, head-vs-unit, ordering), overriding a check only where the rulebook allows and with
a reason; then publishes it to the rated and their managers. The committee directly above the
competent level may cancel a decided or published result and order a re-rating (Mẫu 03): the
cancelled rating stays, with the reason, and a new rating of the same subject starts beside it.

No campaign counters move here: the classification statistics are their own summaries.
"""

from kiemdiem.classification.models import Rating, RatingRound, RatingStatus, RoundStatus
from kiemdiem.classification.permissions import (
    can_appraise,
    can_cancel,
    can_decide,
    can_manage_rating,
    can_manage_round,
    can_self_assess,
)
from kiemdiem.core.lifecycle import BORN, Arrow, Lifecycle, Place
from kiemdiem.core.permissions import Actor, Decision

__all__ = ["DONE", "OPEN", "RATING", "ROUND", "RatingStatus"]

# Still to be decided: the states the ordering rules wait on.
OPEN = frozenset({RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED, RatingStatus.APPRAISED})
# Decided (published or not): the states that count in the quota, statistics and ordering.
DONE = frozenset({RatingStatus.DECIDED, RatingStatus.PUBLISHED})


def _place(rating: Rating) -> Place:
    return Place(unit_path=rating.unit.path, person_id=rating.person_id)


def _can_backdate(user: Actor, rating: Rating) -> Decision:
    """A past year entered from paper: the office of the round records its dates."""
    return can_manage_rating(user, rating)


_cancel = Arrow(can=can_cancel, reason=True)

RATING = Lifecycle(
    name="rating",
    labels=dict(RatingStatus.choices),
    place=_place,
    backdate=_can_backdate,
    arrows={
        (BORN, RatingStatus.DRAFT): Arrow(can=can_manage_rating),
        (BORN, RatingStatus.EXEMPT): Arrow(can=can_manage_rating, reason=True),
        # A past year's result entered from records (imports.py, rounds marked imported only).
        (BORN, RatingStatus.PUBLISHED): Arrow(can=can_manage_rating, reason=True),
        (RatingStatus.DRAFT, RatingStatus.EXEMPT): Arrow(can=can_manage_rating, reason=True),
        (RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED): Arrow(can=can_self_assess),
        (RatingStatus.SELF_ASSESSED, RatingStatus.SELF_ASSESSED): Arrow(can=can_self_assess),
        (RatingStatus.SELF_ASSESSED, RatingStatus.DRAFT): Arrow(can=can_appraise, reason=True),
        (RatingStatus.SELF_ASSESSED, RatingStatus.APPRAISED): Arrow(can=can_appraise),
        (RatingStatus.APPRAISED, RatingStatus.DECIDED): Arrow(can=can_decide),
        (RatingStatus.DECIDED, RatingStatus.PUBLISHED): Arrow(can=can_decide),
        (RatingStatus.DECIDED, RatingStatus.CANCELLED): _cancel,
        (RatingStatus.PUBLISHED, RatingStatus.CANCELLED): _cancel,
    },
)


# A round is open while its ratings are worked on; the office of its scope closes it once
# every subject is decided (or exempt): closing never leaves a subject reviewed but unrated
# (QĐ 366 Art. 3.4). Refused with the list of the unfinished ratings otherwise (cases.py).
def _round_place(round_: RatingRound) -> Place:
    return Place(unit_path=round_.scope_unit.path)


ROUND = Lifecycle(
    name="rating_round",
    labels=dict(RoundStatus.choices),
    place=_round_place,
    arrows={(RoundStatus.OPEN, RoundStatus.CLOSED): Arrow(can=can_manage_round)},
)
