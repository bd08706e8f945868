"""Reads of confidence polls and results: lists, the two-years-running rule, statistics."""

import functools
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from kiemdiem.confidence.models import (
    ConfidencePoll,
    ConfidenceResult,
    LowFlag,
    PollStatus,
)
from kiemdiem.core.permissions import Actor
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.text import fold
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, visible_subtrees


def polls_for(user: Actor) -> QuerySet[ConfidencePoll]:
    return ConfidencePoll.objects.visible_to(user).select_related("body_unit")


def _low_last_year() -> Exists:
    """The person had more than half low ballots in a finalized poll of the year before."""
    return Exists(
        ConfidenceResult.objects.filter(
            person=OuterRef("person"),
            year=OuterRef("year") - 1,
            poll__status=PollStatus.FINALIZED,
        ).exclude(low_flag="")
    )


def two_years_q() -> Q:
    """The local rule (seed 001): low confidence this year and the year before, in a poll that
    applies the rule."""
    return Q(poll__two_year_rule=True) & ~Q(low_flag="") & Q(low_last_year=True)


def results_for(user: Actor) -> QuerySet[ConfidenceResult]:
    """The results the user may read (`ConfidenceResult.objects.visible_to`), each with
    `low_last_year` (for the two-years-running rule)."""
    return result_rows(ConfidenceResult.objects.visible_to(user))


def result_rows(results: QuerySet[ConfidenceResult]) -> QuerySet[ConfidenceResult]:
    """`results` as the list and its export show them: with the poll, its unit, the person and
    the position, and `low_last_year` (the list's rows read by key, in confidence.views, show
    the same)."""
    return results.select_related("poll", "poll__body_unit", "person", "position").annotate(
        low_last_year=_low_last_year()
    )


def two_years_low(result: ConfidenceResult) -> bool:
    """Whether the local two-years-running rule applies to this result."""
    return bool(
        result.poll.two_year_rule and result.low_flag and getattr(result, "low_last_year", False)
    )


@dataclass(frozen=True)
class ResultFilter:
    unit: Unit | None = None
    year: int | None = None
    flag: str = ""  # a LowFlag, "two_years", "any" (either flag) or ""
    polled: bool = False
    excluded: bool = False
    finalized: bool = False
    q: str = ""


def results_filtered(user: Actor, f: ResultFilter) -> QuerySet[ConfidenceResult]:
    qs = results_for(user)
    if f.unit is not None:
        qs = qs.filter(poll__body_unit__path__startswith=f.unit.path)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.finalized:
        qs = qs.filter(poll__status=PollStatus.FINALIZED)
    if f.polled:
        qs = qs.filter(excluded_reason="")
    if f.excluded:
        qs = qs.exclude(excluded_reason="")
    if f.flag == "two_years":
        qs = qs.filter(two_years_q())
    elif f.flag == "any":
        qs = qs.exclude(low_flag="")
    elif f.flag:
        qs = qs.filter(low_flag=f.flag)
    if f.q:
        qs = qs.filter(person__search_text__contains=fold(f.q))
    return qs.order_by("-year", "poll_id", "person__sort_key", "pk")


@dataclass
class ConfidenceStats:
    polls: int
    polled: int
    excluded: int
    planning: int
    dismissal: int
    two_years: int


def _finalized_polls_read(
    year: int, paths: tuple[str, ...] | None, person_id: int | None, unit_path: str
) -> QuerySet[ConfidencePoll, int]:
    """How many finalized polls of the year were held in the subtree `unit_path`, among those
    the holder of `paths` and `person_id` may see (`ConfidencePoll.objects.within`: the poll
    list's rule), as one row (a COUNT without GROUP BY: Django leaves the constant out)."""
    return (
        ConfidencePoll.objects.within(paths, person_id)
        .filter(body_unit__path__startswith=unit_path, year=year, status=PollStatus.FINALIZED)
        .order_by()
        .annotate(everything=Value(1))
        .values("everything")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


@functools.lru_cache(maxsize=128)
def _finalized_polls(year: int) -> Precompiled[int]:
    """`_finalized_polls_read` of `year`, compiled once per number of the user's subtrees
    (core.precompiled). The year is written into the SQL: a poll's year is a small int, which a
    precompiled read cannot take as a value."""
    return Precompiled(functools.partial(_finalized_polls_read, year))


def confidence_stats(user: Actor, unit: Unit, year: int) -> ConfidenceStats:
    """Finalized polls held in the subtree in the year; results counted over those the user may
    read, so each number equals the list it links to."""
    access = access_for(user)
    polls = sum(_finalized_polls(year)(visible_subtrees(access), access.person_id, unit.path))
    results = results_filtered(user, ResultFilter(unit=unit, year=year, finalized=True))
    counts = results.order_by().aggregate(
        polled=Count("pk", filter=Q(excluded_reason="")),
        excluded=Count("pk", filter=~Q(excluded_reason="")),
        planning=Count("pk", filter=Q(low_flag=LowFlag.PLANNING)),
        dismissal=Count("pk", filter=Q(low_flag=LowFlag.DISMISSAL)),
        two_years=Count("pk", filter=two_years_q()),
    )
    return ConfidenceStats(polls=polls, **counts)
