"""Reads of the classification: rounds and ratings a user may see, a round's counts."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from kiemdiem.classification import rules
from kiemdiem.classification.models import Rating, RatingRound
from kiemdiem.classification.states import DONE
from kiemdiem.core.permissions import Actor


def rounds_for(user: Actor) -> QuerySet[RatingRound]:
    """Rounds over a subtree the user sees, and rounds where the user is rated."""
    visible = RatingRound.objects.visible_to(user)
    own = RatingRound.objects.filter(pk__in=Rating.objects.visible_to(user).values("round_id"))
    return (visible | own).distinct().select_related("scope_unit")


def ratings_for(user: Actor) -> QuerySet[Rating]:
    """The ratings the user may read (`Rating.objects.visible_to`), ready for a list."""
    return Rating.objects.visible_to(user).select_related(
        "round", "unit", "person", "deciding_unit", "peer_group"
    )


@dataclass
class RoundCounts:
    """Decided results of a round per kind of subject and level, with the downgrades."""

    levels: list[rules.Level]
    by_kind: dict[str, Counter] = field(default_factory=dict)
    open: Counter = field(default_factory=Counter)
    downgrades: Counter = field(default_factory=Counter)


def round_counts(user: Actor, round_: RatingRound) -> RoundCounts:
    """Counted over what the user may read, so each number equals the list it links to (grouped
    in the database: a province's round holds tens of thousands of ratings)."""
    qs = ratings_for(user).filter(round=round_).order_by()
    counts = RoundCounts(levels=list(round_.rules.levels))
    rows = qs.filter(status__in=DONE).values_list("subject_kind", "decided_level")
    for kind, level, n in rows.annotate(n=Count("pk")):
        counts.by_kind.setdefault(kind, Counter())[level] += n
    for status, n in qs.exclude(status__in=DONE).values_list("status").annotate(n=Count("pk")):
        counts.open[status] += n
    appraised_rows = qs.exclude(appraised_level="").values_list(
        "subject_kind", "self_level", "appraised_level"
    )
    for kind, self_level, appraised, n in appraised_rows.annotate(n=Count("pk")):
        if self_level and rules.rank(appraised) < rules.rank(self_level):
            counts.downgrades[(kind, self_level, appraised)] += n
    return counts
