"""Statistics pages of the classification: a round's figures over a subtree (counts and shares
per level and kind of subject, the downgrades by appraisal, the earlier years under their own
rulebooks, the subjects at the lowest level two years running) and the list behind each number.

Figures come from the summaries (`statistics.figures_of`); each list reads the ratings with the
same filters through `Rating.objects.visible_to`, so a number and its list agree. Only those who
manage the subtree see its statistics (`statistics.may_see`); anyone else gets 404.
"""

import functools
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kiemdiem.classification import rules, selectors, statistics
from kiemdiem.classification.models import Bucket, RatingRound, SubjectKind
from kiemdiem.classification.views_common import PER_PAGE
from kiemdiem.core.db_router import replica_view
from kiemdiem.core.paging import KeysFirstPaginator
from kiemdiem.core.permissions import Actor
from kiemdiem.org.models import Unit, ancestor_paths
from kiemdiem.org.scoping import access_for


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def round_and_unit(user: Actor, params: Any) -> tuple[RatingRound, Unit]:
    """The round (`dot`, else the newest one the user sees) and the subtree (`don_vi`, else
    the round's scope, else the user's own subtree inside it) named by the parameters; 404 when
    the user may not see the statistics of that subtree."""
    round_id = _int(params.get("dot"))
    if round_id is not None:
        # Whoever may see the subtree asked for may see its figures (checked below): no need
        # to go through the user's list of rounds.
        # Statistics are kept for year rounds only (a term round lists its ratings on its page).
        round_ = (
            RatingRound.objects.select_related("scope_unit")
            .filter(pk=round_id, period="year")
            .first()
        )
    else:
        candidates = rounds_with_statistics(user)
        round_ = candidates[0] if candidates else None
    if round_ is None:
        raise Http404
    scope = round_.scope_unit
    unit_id = _int(params.get("don_vi"))
    # A unit outside the round's scope (the round was switched): the round's default subtree.
    unit = (
        Unit.objects.filter(pk=unit_id, path__startswith=scope.path).first()
        if unit_id is not None
        else None
    )
    if unit is None:
        unit = default_unit(user, scope)
    if unit is None or not statistics.may_see(user, unit):
        raise Http404
    return round_, unit


def default_unit(user: Actor, scope: Unit) -> Unit | None:
    """The round's scope, or, for a commune office looking at the province's round, the widest
    subtree of the scope the user manages."""
    if statistics.may_see(user, scope):
        return scope
    inside = [p for p in access_for(user).audit_paths if p.startswith(scope.path)]
    return Unit.objects.filter(path=min(inside, key=len)).first() if inside else None


def list_url(round_: RatingRound, unit: Unit, **filters: str) -> str:
    """The list behind a number (parameters are ids and codes: nothing to escape)."""
    extra = "".join(f"&{k}={v}" for k, v in filters.items() if v)
    return f"{_list_path()}?dot={round_.pk}&don_vi={unit.pk}{extra}"


def page_url(name: str, round_: RatingRound, unit_id: int) -> str:
    """A statistics page (`statistics`, `statistics-units`, …) of the round over a subtree."""
    return f"{reverse(f'classification:{name}')}?{urlencode({'dot': round_.pk, 'don_vi': unit_id})}"


@functools.cache
def _list_path() -> str:
    return reverse("classification:statistics-list")


def _percent(share: float) -> str:
    """A share as the page writes it (decimal comma), formatted once here rather than by the
    template's localization for each of the page's hundred numbers."""
    return f"{share:.1f}".replace(".", ",")


def _year_rows(year: statistics.YearFigures, unit: Unit) -> list[dict]:
    r = year.round
    codes = {lv.code for lv in year.rule_set.levels}
    return [
        {
            "kind": kf,
            "cells": [
                {
                    "level": lv,
                    "n": n,
                    "share": share,
                    "url": list_url(r, unit, doi_tuong=kf.kind, muc=lv.code),
                    "aria": f"{n} {kf.label.lower()} mức {lv.short}",
                    "share_text": _percent(share),
                    # a scale of its own (organizations in 2014): say which level it is
                    "other": lv.code not in codes,
                }
                for lv, n, share in kf.levels
            ],
            "decided_url": list_url(r, unit, doi_tuong=kf.kind, nhom="decided_all"),
            "open_url": list_url(r, unit, doi_tuong=kf.kind, nhom=Bucket.OPEN),
            "exempt_url": list_url(r, unit, doi_tuong=kf.kind, nhom=Bucket.EXEMPT),
        }
        for kf in year.kinds
    ]


def statistics_context(user: Actor, round_: RatingRound, unit: Unit) -> dict:
    over = list(statistics.rounds_over(unit)[:30])
    rounds = statistics.history(round_, unit, over)
    cells = statistics.figures_of(rounds, unit)
    years = [statistics.year_figures(r, cells[r.pk]) for r in rounds]
    current = years[0]
    downgrades = [
        {"d": d, "url": list_url(round_, unit, doi_tuong=d.kind, tu=d.down_from, xuong=d.down_to)}
        for d in current.downgrades
    ]
    # Year on year: one block per kind of subject, a row per year under its own scheme.
    comparison = []
    for index, (kind, label) in enumerate(SubjectKind.choices):
        rows = []
        for year in years:
            kf = year.kinds[index]
            if not (kf.decided or year is current):
                continue
            rows.append(
                {
                    "round": year.round,
                    "scheme": year.rule_set.title,
                    "decided": kf.decided,
                    "cells": [
                        {
                            "level": lv,
                            "n": n,
                            "share": share,
                            "url": list_url(year.round, unit, doi_tuong=kind, muc=lv.code),
                            "aria": f"{n} {str(label).lower()} mức {lv.short} "
                            f"năm {year.round.year}",
                            "share_text": _percent(share),
                        }
                        for lv, n, share in kf.levels
                    ],
                }
            )
        if len(rows) > 1:
            comparison.append({"label": label, "rows": rows})
    ancestors = Unit.objects.filter(
        path__in=ancestor_paths(unit.path, round_.scope_unit.path)
    ).order_by("depth")
    return {
        "round": round_,
        "unit": unit,
        "rules": current.rule_set,
        "rows": _year_rows(current, unit),
        "downgrades": downgrades,
        "comparison": comparison,
        "earlier": rounds[1:],
        "lowest_count": current.twice,
        "lowest_url": page_url("statistics-lowest", round_, unit.pk),
        "ancestors": list(ancestors),
        "units_url": page_url("statistics-units", round_, unit.pk),
        "params": {"dot": round_.pk, "don_vi": unit.pk},
        # The rounds with figures for this subtree (its history, all years).
        "rounds": over,
    }


def rounds_with_statistics(user: Actor) -> list[RatingRound]:
    """Year rounds over a subtree the user manages, in whole or in part (for the round picker;
    term rounds have no statistics)."""
    access = access_for(user)
    rounds = (
        selectors.rounds_for(user).filter(period="year").order_by("-year", "scope_unit__path")[:50]
    )
    return [
        r
        for r in rounds
        if access.everything
        or any(
            p.startswith(r.scope_unit.path) or r.scope_unit.path.startswith(p)
            for p in access.audit_paths
        )
    ]


@login_required
@require_GET
@replica_view
def statistics_page(request: HttpRequest) -> HttpResponse:
    try:
        round_, unit = round_and_unit(request.user, request.GET)
    except Http404:
        if "dot" in request.GET or "don_vi" in request.GET:
            raise
        # From the menu, with no round whose statistics the user may see: say so.
        return render(request, "classification/statistics.html", {"empty": True})
    ctx = statistics_context(request.user, round_, unit)
    return render(request, "classification/statistics.html", ctx)


@login_required
@require_GET
@replica_view
def statistics_units(request: HttpRequest) -> HttpResponse:
    """The decided results of each direct sub-unit (a drill-down: each name opens its figures)."""
    round_, unit = round_and_unit(request.user, request.GET)
    children = statistics.children_of(round_, unit)
    for child in children:
        child["url"] = page_url("statistics", round_, child["unit_id"])
        child["cells"] = [child["kinds"].get(k, 0) for k, _l in SubjectKind.choices]
    ctx = {
        "round": round_,
        "unit": unit,
        "children": children,
        "kinds": SubjectKind.choices,
        "back": page_url("statistics", round_, unit.pk),
    }
    return render(request, "classification/statistics_units.html", ctx)


FILTER_LABELS = {
    "decided_all": "đã quyết định",
    Bucket.OPEN: "chưa quyết định",
    Bucket.EXEMPT: "không xếp loại",
    Bucket.DECIDED: "đã quyết định, chưa công khai",
    Bucket.PUBLISHED: "đã công khai",
}


def list_filters(params: Any) -> dict[str, str]:
    """The list's filters as the statistics link them (unknown values are ignored)."""
    kind = params.get("doi_tuong", "")
    level = params.get("muc", "")
    bucket = params.get("nhom", "")
    down_from, down_to = params.get("tu", ""), params.get("xuong", "")
    return {
        "kind": kind if kind in SubjectKind.values else "",
        "bucket": bucket if bucket in FILTER_LABELS else "",
        "level": level if level in rules.ALL_LEVELS else "",
        "down_from": down_from if down_from in rules.ALL_LEVELS else "",
        "down_to": down_to if down_to in rules.ALL_LEVELS else "",
    }


def describe(filters: dict[str, str]) -> str:
    """The filters in words, for the list's heading."""
    parts = []
    if filters["kind"]:
        parts.append(str(SubjectKind(filters["kind"]).label))
    if filters["bucket"]:
        parts.append(FILTER_LABELS[filters["bucket"]])
    if filters["level"]:
        parts.append(f"mức {rules.short(filters['level'])}")
    if filters["down_from"] and filters["down_to"]:
        parts.append(
            f"bị hạ từ {rules.short(filters['down_from'])} xuống "
            f"{rules.short(filters['down_to'])} khi thẩm định"
        )
    return ", ".join(parts) or "tất cả kết quả"


@login_required
@require_GET
@replica_view
def statistics_list(request: HttpRequest) -> HttpResponse:
    round_, unit = round_and_unit(request.user, request.GET)
    filters = list_filters(request.GET)
    ratings = statistics.filtered_ratings(request.user, round_, unit, **filters)
    page = KeysFirstPaginator(ratings, PER_PAGE).get_page(request.GET.get("page"))
    ctx = {
        "round": round_,
        "unit": unit,
        "page": page,
        "what": describe(filters),
        "back": page_url("statistics", round_, unit.pk),
    }
    return render(request, "classification/statistics_list.html", ctx)


@login_required
@require_GET
@replica_view
def statistics_lowest(request: HttpRequest) -> HttpResponse:
    round_, unit = round_and_unit(request.user, request.GET)
    page = KeysFirstPaginator(statistics.lowest_two_years(round_, unit), PER_PAGE).get_page(
        request.GET.get("page")
    )
    ctx = {
        "round": round_,
        "unit": unit,
        "page": page,
        "what": f"không hoàn thành nhiệm vụ cả năm {round_.year - 1} và năm {round_.year}",
        "lowest": True,
        "back": page_url("statistics", round_, unit.pk),
    }
    return render(request, "classification/statistics_list.html", ctx)
