"""Reads of the classification: rounds and ratings a user may see, a round's counts."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from kiemdiem.classification import rules
from kiemdiem.classification.models import Rating, RatingRound
from kiemdiem.classification.states import DONE
from kiemdiem.core.permissions import Actor
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.scoping import Access, access_for, scope_by


def rounds_for(user: Actor) -> QuerySet[RatingRound]:
    """Rounds over a subtree the user sees, and rounds where the user is rated."""
    access = access_for(user)
    return _rounds(access, access)


def _rounds(seeing: Access, rated: Access) -> QuerySet[RatingRound]:
    """`rounds_for`: the rounds over a subtree `seeing` sees (its visible paths), and those of
    the ratings `rated` may read (`Rating.objects.visible_by`: its audit paths and person).
    Two Access, so that a read precompiled over these fields gives each rule one of its own
    (an Access's visible paths take in its audit paths)."""
    visible = scope_by(RatingRound.objects.all(), seeing, via=RatingRound.SCOPE_VIA)
    own = RatingRound.objects.filter(pk__in=Rating.objects.visible_by(rated).values("round_id"))
    return (visible | own).distinct().select_related("scope_unit")


def _round_list_read(
    everything: bool,
    visible_paths: tuple[str, ...],
    audit_paths: tuple[str, ...],
    person_id: int | None,
) -> QuerySet[RatingRound]:
    """The rounds page's list: `_rounds` for the holder of an Access with these fields."""
    seeing = Access(everything=everything, unit_paths=visible_paths)
    rated = Access(everything=everything, unit_paths=audit_paths, person_id=person_id)
    return _rounds(seeing, rated).order_by("-year", "scope_unit__path")


# Compiled once per process and shape of the values (core.precompiled): building and
# compiling the two rules cost ~0.9 ms of Python on each rounds page (issue 17, part 15c).
_ROUND_LIST = Precompiled(_round_list_read)


def round_list(access: Access) -> list[RatingRound]:
    """The rounds of `rounds_for`, newest year first, as the rounds page lists them."""
    return _ROUND_LIST(*_round_list_values(access))


def _round_list_values(access: Access) -> tuple:
    """The fields of `access` that `_round_list_read` reads, as its values."""
    return (access.everything, access.visible_paths, access.audit_paths, access.person_id)


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
