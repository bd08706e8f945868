"""The suggestion list and the cycle list are paged keys-first, their rows read by key through
a query compiled once (issue 17): each page shows the rows of the list's own query paged by
Django, for users of different scopes."""

import datetime

from django.urls import reverse

from conftest import CYCLE_DATES, PARTICIPATING
from kiemdiem.core.tests.list_paging import assert_pages_are_the_lists
from kiemdiem.reviews import selectors, services, suggestion_views, views
from kiemdiem.reviews.models import Review, ReviewCycle, ReviewSuggestion
from kiemdiem.reviews.tests.test_suggestions import issue

D = datetime.date


def test_suggestion_pages_are_the_lists_pages(
    client, monkeypatch, open_cycle, org_tree, office, appraiser, outsider
):
    reviews = Review.objects.filter(cycle=open_cycle).select_related("unit").order_by("pk")
    for n, review in enumerate(reviews):
        below_a1 = review.unit.path.startswith(org_tree.grassroots_a1.path) and (
            review.unit != org_tree.grassroots_a1
        )
        by, unit = (
            (appraiser, org_tree.grassroots_a1) if below_a1 else (office, org_tree.province_a)
        )
        # three dates: rows of one day ordered by key, newest first
        issue(review, by, unit, document_date=D(2026, 1, 6 + n % 3))
    assert_pages_are_the_lists(
        client,
        monkeypatch,
        views=suggestion_views,
        rows="_SUGGESTION_ROWS",
        model=ReviewSuggestion,
        shown=selectors.suggestion_rows,
        url=reverse("reviews:suggestion-list"),
        lists=[
            (user, selectors.suggestions_filtered(user, selectors.SuggestionFilter()))
            for user in (office, appraiser, outsider)
        ],
        seen=lambda s: (
            s.pk,
            s.subject_label,
            s.cycle.title,
            s.issuing_unit.name,
            s.document_date,
            s.vetted,
            s.held,
        ),
    )


def make_cycles(org_tree, by, *, year, starts_on) -> list[ReviewCycle]:
    """Eleven cycles over four provinces' and districts' scopes (the last three in a district
    of province A), the n-th of `year(n)` starting on `starts_on(n)` (ties for the lists'
    keys to order)."""
    scopes = [org_tree.province_a, org_tree.district_a1, org_tree.province_b, org_tree.district_b1]
    return [
        services.cycle_create(
            by=by,
            title=f"Đợt thử {n}",
            kind="ad_hoc",
            year=year(n),
            directive_number=f"{n}-CV/TU",
            directive_date=D(2025, 12, 1),
            directive_issuer="BTV",
            scope_unit=scopes[n % 4] if n < 8 else org_tree.district_a2,
            participating_kinds=PARTICIPATING,
            **{**CYCLE_DATES, "starts_on": starts_on(n)},
        )
        for n in range(11)
    ]


def test_cycle_pages_are_the_lists_pages(client, monkeypatch, org_tree, office, outsider, admin):
    # two cycles of a year on each day: the key after (year, start) orders the ties
    make_cycles(
        org_tree, admin, year=lambda n: 2024 + n % 2, starts_on=lambda n: D(2026, 1, 1 + n // 4)
    )
    assert_pages_are_the_lists(
        client,
        monkeypatch,
        views=views,
        rows="_CYCLE_ROWS",
        model=ReviewCycle,
        shown=views._cycle_rows,
        url=reverse("reviews:cycle-list"),
        lists=[
            (
                user,
                selectors.cycles_for(user)
                .select_related("scope_unit")
                .order_by("-year", "-starts_on", "-pk"),
            )
            for user in (office, outsider, admin)
        ],
        seen=lambda c: (c.pk, c.title, c.scope_unit.name, c.starts_on),
        per_page="CYCLES_PER_PAGE",
    )
