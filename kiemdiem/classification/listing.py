"""Reads behind the pages of peer groups and scoring sheets, shared with their exports: a round's
peer groups with their HTXSNV and HTTNV counts against the quota (one aggregate query per batch
of groups), and the scoring sheets a user may read."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, When

from kiemdiem.classification import rules
from kiemdiem.classification.models import (
    PeerGroup,
    Rating,
    RatingRound,
    RatingStatus,
    ScoringSheet,
)
from kiemdiem.org.scoping import access_for, paths_q


@dataclass
class GroupRow:
    group: PeerGroup
    tops: int
    seconds: int
    cap: int | None
    percent: int | None

    @property
    def over(self) -> bool:
        return self.cap is not None and self.tops > self.cap


def _counts(ids: list[int]) -> dict[tuple[int, str], int]:
    """Ratings per (group, level): the decided level, else the appraised, else the proposed."""
    level = Case(
        When(~Q(decided_level=""), then=F("decided_level")),
        When(~Q(appraised_level=""), then=F("appraised_level")),
        default=F("self_level"),
    )
    rows = (
        Rating.objects.standing()
        .filter(peer_group_id__in=ids)
        .exclude(status=RatingStatus.DRAFT)
        .annotate(counted_level=level)
        .values_list("peer_group_id", "counted_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(g, lvl): n for g, lvl, n in rows}


def group_rows(
    round_: RatingRound, groups: Iterable[PeerGroup], batch: int = 500
) -> Iterator[GroupRow]:
    r = round_.rules
    chunk: list[PeerGroup] = []

    def flush() -> Iterator[GroupRow]:
        counts = _counts([g.pk for g in chunk])
        for g in chunk:
            tops = counts.get((g.pk, r.top(g.subject_kind).code), 0)
            seconds = counts.get((g.pk, r.second(g.subject_kind).code), 0)
            ratio = r.quota_ratio_granted if g.quota_granted else r.quota_ratio
            cap = rules.quota_cap(seconds, ratio, round_.quota_rounding) if ratio else None
            yield GroupRow(g, tops, seconds, cap, int(ratio * 100) if ratio else None)
        chunk.clear()

    for g in groups:
        chunk.append(g)
        if len(chunk) >= batch:
            yield from flush()
    if chunk:
        yield from flush()


def sheets_for(user: Any) -> QuerySet[ScoringSheet]:
    """Sheets issued by a committee the user can see, or above their scope (they apply there)."""
    access = access_for(user)
    qs = ScoringSheet.objects.select_related("unit")
    if access.everything:
        return qs
    ancestors = {p[: i + 1] for p in access.visible_paths for i, c in enumerate(p) if c == "."}
    return qs.filter(paths_q(access.visible_paths, "unit__path") | Q(unit__path__in=ancestors))
