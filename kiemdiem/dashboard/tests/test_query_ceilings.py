"""Query-count ceilings of the main pages: the count must not grow with the data.

Each page is opened by the provincial office with N rows behind it, then with 3N (a second
cycle over three times the members, a plan with three times the items, more audit rows): the
number of queries must stay the same. A page that loads a relation per row (N+1) fails here
long before anyone notices it on a province.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import CYCLE_DATES, PARTICIPATING, conclude_review
from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.dashboard.summaries import merge_all
from kiemdiem.org import services as org_services
from kiemdiem.org.tests.factories import PersonFactory
from kiemdiem.remediation import services as remediation_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services

N = 4
D = datetime.date


def grow_campaign(org_tree, office, members: int, items: int, number: int):
    """`members` more members in cell A1B, a new cycle over province A, and `items` items in
    the cell's plan of that cycle (its review concluded first)."""
    for i in range(members):
        person = PersonFactory(full_name=f"Đảng Viên Thử {number}-{i}")
        org_services.membership_add(
            person=person, unit=org_tree.cell_a1b, valid_from=D(2025, 7, 1), by=SYSTEM
        )
    cycle = review_services.cycle_create(
        by=office,
        title=f"Đợt thử {number}",
        kind="ad_hoc",
        year=2025,
        directive_number=f"{number}-CV/TU",
        directive_date=D(2025, 12, 1),
        directive_issuer="BTV",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )
    campaign_services.cycle_open(cycle=cycle, by=office)
    plan = RemediationPlan.objects.get(cycle=cycle, unit=org_tree.cell_a1b, person__isnull=True)
    review_services.finding_add(review=plan.review, by=office, text="Chưa đều", area="leadership")
    conclude_review(plan.review, office)
    for i in range(items):
        remediation_services.action_add(
            plan=plan,
            by=office,
            content=f"Nội dung {i}",
            responsible_unit=org_tree.cell_a1b,
            due_date=D(2026, 6, 30),
        )
    return cycle, plan


def rated_years(org_tree, office) -> dict[str, str]:
    """The 2025 round over province A with every member decided (levels in turn) and the
    lowest of them also at the lowest level in 2024; the statistics pages over the province."""
    from kiemdiem.classification import rules, statistics
    from kiemdiem.classification import services as rating_services
    from kiemdiem.classification.models import Rating, RatingRound

    rounds = {}
    for year in (2024, 2025):
        rounds[year] = RatingRound.objects.filter(
            year=year, scope_unit=org_tree.province_a
        ).first() or rating_services.round_open(
            by=office, title="", year=year, scope_unit=org_tree.province_a, populate=False
        )
    rating_services.subjects_populate(round_=rounds[2025], by=office)
    levels = [rules.EXCELLENT, rules.GOOD, rules.COMPLETED, rules.NOT_COMPLETED]
    for i, rating in enumerate(Rating.objects.filter(round=rounds[2025]).order_by("pk")):
        level = levels[i % 4]
        Rating.objects.filter(pk=rating.pk).update(
            status="published", self_level=levels[max(0, i % 4 - 1)], decided_level=level
        )
        if level == rules.NOT_COMPLETED:
            Rating.objects.get_or_create(
                round=rounds[2024],
                subject_kind=rating.subject_kind,
                unit_id=rating.unit_id,
                person_id=rating.person_id,
                defaults={
                    "deciding_unit_id": rating.deciding_unit_id,
                    "status": "published",
                    "decided_level": level,
                },
            )
    for round_ in rounds.values():
        statistics.rebuild(round_)
    query = f"?dot={rounds[2025].pk}&don_vi={org_tree.province_a.pk}"
    return {
        "classification statistics": reverse("classification:statistics") + query,
        "classification list": reverse("classification:statistics-list") + query + "&muc=good",
        "classification lowest": reverse("classification:statistics-lowest") + query,
        "classification units": reverse("classification:statistics-units") + query,
        "classification round": reverse("classification:round-detail", args=[rounds[2025].pk]),
    }


def _pages(cycle, plan, org_tree) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "reports": reverse("reports:index"),
        "dashboard cycles": reverse("dashboard:cycle-list"),
        "dashboard province": reverse(
            "dashboard:cycle-unit", args=[cycle.pk, org_tree.province_a.pk]
        ),
        "cycle": reverse("reviews:cycle-detail", args=[cycle.pk]),
        "plan list": reverse("remediation:plan-list"),
        "plan": reverse("remediation:plan-detail", args=[plan.pk]),
        "appraisal queue": reverse("remediation:queue-appraisal"),
        "verification queue": reverse("remediation:queue-verification"),
        "audit": reverse("audit-list"),
        "discipline": reverse("discipline:case-list"),
        "confidence polls": reverse("confidence:poll-list"),
        "confidence results": reverse("confidence:result-list"),
        "suggestions": reverse("reviews:suggestion-list"),
        "commitments": reverse("reviews:commitment-list"),
        "oversight": reverse("oversight:index"),
        "unit": reverse("org:unit-detail", args=[org_tree.cell_a1b.pk]),
    }


def _counts(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        client.get(url)  # the first visit may fill caches (content types, the session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("merged", [False, True])
def test_page_query_counts_do_not_grow_with_data(client, org_tree, office, travel_to, merged):
    # merged: the summaries up to date, so the cycle page and the plan list read them
    travel_to(D(2026, 1, 10))
    cycle, plan = grow_campaign(org_tree, office, members=N, items=N, number=1)
    if merged:
        merge_all()
    client.force_login(office)
    small = _counts(client, _pages(cycle, plan, org_tree) | rated_years(org_tree, office))
    cycle, plan = grow_campaign(org_tree, office, members=2 * N, items=3 * N, number=2)
    if merged:
        merge_all()
    large = _counts(client, _pages(cycle, plan, org_tree) | rated_years(org_tree, office))
    grown = {name: (small[name], large[name]) for name in small if large[name] > small[name]}
    assert not grown, f"queries grew with the data (N → 3N): {grown}"
