"""The cell a rating counts in for the statistics, and the change records of a move.

A standing rating counts in one cell: (kind of subject, bucket, decided level, downgrade by the
appraisal). Every move of the rating lifecycle (`states.RATING.after_move`) appends −1 for the
cell it leaves and +1 for the cell it enters, in the user's transaction; the statistics merge
(`statistics.merge_pending`) folds them into the summaries of the unit and its ancestors.

Which fields count depends only on the state: the decided level in a decided or published
rating, the downgrade from the appraisal on. So the cell a move leaves is the cell of the
rating's current fields in its old state: a move only writes fields of its new state.
"""

from typing import Any, NamedTuple

from kiemdiem.classification import rules
from kiemdiem.classification.models import Bucket, RatingStatus, StatisticsDelta

BUCKETS = {
    RatingStatus.DRAFT: Bucket.OPEN,
    RatingStatus.SELF_ASSESSED: Bucket.OPEN,
    RatingStatus.APPRAISED: Bucket.OPEN,
    RatingStatus.DECIDED: Bucket.DECIDED,
    RatingStatus.PUBLISHED: Bucket.PUBLISHED,
    RatingStatus.EXEMPT: Bucket.EXEMPT,
}
DECIDED_BUCKETS = (Bucket.DECIDED, Bucket.PUBLISHED)
# States in which the appraisal's level stands (a downgrade counts from the appraisal on).
APPRAISED_STATES = frozenset({RatingStatus.APPRAISED, RatingStatus.DECIDED, RatingStatus.PUBLISHED})


class Cell(NamedTuple):
    subject_kind: str
    bucket: str
    level: str
    down_from: str
    down_to: str


def cell(
    subject_kind: str, status: str | None, decided: str, self_level: str, appraised: str
) -> Cell | None:
    """The cell of a rating with these fields in `status` (None: counts nowhere)."""
    bucket = BUCKETS.get(status) if status else None  # type: ignore[call-overload]
    if bucket is None:
        return None
    level = decided if bucket in DECIDED_BUCKETS else ""
    down = ("", "")
    if (
        status in APPRAISED_STATES
        and self_level
        and appraised
        and rules.rank(appraised) < rules.rank(self_level)
    ):
        down = (self_level, appraised)
    return Cell(str(subject_kind), str(bucket), level or "", *down)


def cell_of(rating: Any, status: str | None) -> Cell | None:
    return cell(
        rating.subject_kind, status, rating.decided_level, rating.self_level, rating.appraised_level
    )


def rating_moved(rating: Any, move: Any) -> None:
    """`states.RATING.after_move`: −1 for the cell left, +1 for the cell entered."""
    before, after = cell_of(rating, move.old), cell_of(rating, move.new)
    if before == after:
        return
    path = rating.unit.path
    StatisticsDelta.objects.bulk_create(
        [
            StatisticsDelta(round_id_ref=rating.round_id, unit_path=path, n=n, **c._asdict())
            for c, n in ((before, -1), (after, 1))
            if c is not None
        ]
    )
