"""The cell a rating counts in for the statistics, and the change records of a move.

A standing rating counts in one cell: (kind of subject, bucket, decided level, downgrade by the
appraisal). Every move of the rating lifecycle (`states.RATING.after_move`) appends −1 for the
cell it leaves and +1 for the cell it enters, in the user's transaction; the statistics merge
(`statistics.merge_pending`) folds them into the summaries of the unit and its ancestors.

Which fields count depends only on the state: the decided level in a decided or published
rating, the downgrade from the appraisal on. So the cell a move leaves is the cell of the
rating's current fields in its old state: a move only writes fields of its new state.
"""

from collections import Counter
from typing import Any, NamedTuple

from kiemdiem.classification import rules
from kiemdiem.classification.models import Bucket, Rating, RatingStatus, StatisticsDelta

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


# The lowest levels of every scale (KHTNV; "Yếu kém" of the 2014 organization scale).
LOWEST = tuple(sorted(code for code, lv in rules.ALL_LEVELS.items() if lv.rank == 1))
DONE_STATES = (RatingStatus.DECIDED, RatingStatus.PUBLISHED)


class Cell(NamedTuple):
    subject_kind: str
    bucket: str
    level: str
    down_from: str
    down_to: str
    twice: bool = False


def cell(
    subject_kind: str,
    status: str | None,
    decided: str,
    self_level: str,
    appraised: str,
    twice: bool = False,
) -> Cell | None:
    """The cell of a rating with these fields in `status` (None: counts nowhere). `twice`: the
    subject was at the lowest level the year before (counts only if it is again)."""
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
    return Cell(str(subject_kind), str(bucket), level or "", *down, twice and level in LOWEST)


def at_lowest(status: str | None, decided: str) -> bool:
    return status in DONE_STATES and decided in LOWEST


def same_subject(rating: Any) -> dict[str, Any]:
    """The filter finding the same subject in another year: a person for members and leaders,
    a unit for organizations and collectives."""
    if rating.subject_kind in rules.INDIVIDUAL_SUBJECTS:
        return {"subject_kind": rating.subject_kind, "person_id": rating.person_id}
    return {"subject_kind": rating.subject_kind, "unit_id": rating.unit_id, "person": None}


def _lowest_in(year: int, rating: Any) -> Any:
    return Rating.objects.filter(
        round__year=year,
        round__period="year",  # a term rating is no year's result
        status__in=DONE_STATES,
        decided_level__in=LOWEST,
        **same_subject(rating),
    )


def _delta(rating: Any, c: Cell | None, n: int) -> StatisticsDelta | None:
    if c is None:
        return None
    return StatisticsDelta(
        round_id_ref=rating.round_id, unit_path=rating.unit.path, n=n, **c._asdict()
    )


def rating_moved(rating: Any, move: Any) -> None:
    """`states.RATING.after_move`: −1 for the cell left, +1 for the cell entered. A rating that
    reaches or leaves the lowest level also moves the subject's next-year rating at the lowest
    level in or out of "two years running" (a past year re-checked after the next one)."""
    old_low = at_lowest(move.old, rating.decided_level)
    new_low = at_lowest(move.new, rating.decided_level)
    year = rating.round.year
    # A term rating (QĐ 366) is counted in its own round only: it moves no year's figures.
    term = rating.round.period == "term"
    before_too = not term and (old_low or new_low) and _lowest_in(year - 1, rating).exists()
    left, entered = cell_of(rating, move.old, before_too), cell_of(rating, move.new, before_too)
    rows = [_delta(rating, left, -1), _delta(rating, entered, 1)] if left != entered else []
    if old_low != new_low and not term:
        others = _lowest_in(year, rating).exclude(pk=rating.pk).exists()
        was, now = old_low or others, new_low or others
        if was != now:
            for later in _lowest_in(year + 1, rating).select_related("unit"):
                rows.append(_delta(later, cell_of(later, later.status, was), -1))
                rows.append(_delta(later, cell_of(later, later.status, now), 1))
    StatisticsDelta.objects.bulk_create([r for r in rows if r is not None])


def cell_of(rating: Any, status: str | None, twice: bool = False) -> Cell | None:
    return cell(
        rating.subject_kind,
        status,
        rating.decided_level,
        rating.self_level,
        rating.appraised_level,
        twice,
    )


def opened_in_bulk(round_id: int, born: Counter) -> None:
    """Ratings written in bulk, without the lifecycle (`opening.subjects_open`): +n in the cell
    of each (unit path, kind of subject, state) they were opened in, in the same transaction."""
    rows = []
    for (path, kind, status), n in born.items():
        c = cell(kind, status, "", "", "")
        if c is not None and n:
            rows.append(StatisticsDelta(round_id_ref=round_id, unit_path=path, n=n, **c._asdict()))
    StatisticsDelta.objects.bulk_create(rows, batch_size=2000)
