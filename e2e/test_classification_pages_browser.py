"""The classification pages over the demo's rated year, on a phone and a desktop: no sideways
scrolling, no axe-core WCAG 2.1 AA violation, no id used twice (the checks of
test_pages_browser)."""

import pytest
from django.urls import reverse

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.classification.models import (
    PeerGroup,
    QuarterResult,
    Rating,
    RatingRound,
    RatingStatus,
    ScoringSheet,
)
from kiemdiem.classification.terms import years_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def commune_pages() -> list[str]:
    round_ = RatingRound.objects.filter(period="year").order_by("-year").first()
    cancelled = Rating.objects.get(status=RatingStatus.CANCELLED)
    published = Rating.objects.filter(status=RatingStatus.PUBLISHED, subject_kind="member")
    downgraded = Rating.objects.filter(appraised_level="good", self_level="excellent").first()
    member = published.exclude(pk=cancelled.rerating.pk).first()
    quartered = Rating.objects.filter(
        round=round_, person__isnull=False, person_id__in=QuarterResult.objects.values("person_id")
    ).first()
    sick = Rating.objects.exclude(special_case="").first()
    # The term round (QĐ 366) and the term rating of the re-rated member.
    term = RatingRound.objects.get(period="term")
    termed = Rating.objects.get(round=term, person=cancelled.person)
    return [
        reverse("classification:round-list"),
        round_.get_absolute_url(),
        round_.get_absolute_url() + "?doi_tuong=member&muc=good",
        cancelled.get_absolute_url(),
        cancelled.rerating.get_absolute_url(),
        downgraded.get_absolute_url(),
        reverse("classification:statistics"),
        reverse("classification:statistics-lowest") + f"?dot={round_.pk}",
        reverse("classification:statistics-units") + f"?dot={round_.pk}",
        reverse("classification:rating-quarters", args=[quartered.pk]),
        sick.get_absolute_url(),
        reverse("classification:round-groups", args=[round_.pk]),
        reverse("classification:sheet-list"),
        term.get_absolute_url(),
        termed.get_absolute_url(),
        reverse("classification:rating-self-assess", args=[termed.pk]),
        reverse("classification:rating-cancel", args=[member.pk]),
    ]


def office_pages() -> list[str]:
    """The pages of the round's office (forms it alone may post)."""
    round_ = RatingRound.objects.filter(period="year").order_by("-year").first()
    sheet = ScoringSheet.objects.get()
    group = PeerGroup.objects.filter(round=round_, quota_granted=False).first()
    draft = Rating.objects.filter(round=round_, subject_kind="member").first()
    return [
        reverse("classification:round-create"),
        reverse("classification:round-close", args=[round_.pk]),
        reverse("classification:sheet-create"),
        reverse("classification:sheet-edit", args=[sheet.pk]),
        reverse("classification:group-grant", args=[group.pk]),
        reverse("classification:rating-exempt", args=[draft.pk]),
        reverse("classification:rating-special", args=[draft.pk]),
    ]


def test_the_demo_holds_a_rated_year_with_downgrades_and_a_rerating(demo):  # noqa: F811
    before, round_ = RatingRound.objects.filter(period="year").order_by("year")
    assert before.scheme == "qd124_2023" and before.year == round_.year - 1
    assert round_.scheme == "qd366_2025"
    assert Rating.objects.filter(round=round_, status=RatingStatus.PUBLISHED).count() > 20
    downgrades = [r for r in Rating.objects.filter(round=round_) if r.downgraded]
    assert len(downgrades) >= 2
    assert Rating.objects.get(status=RatingStatus.CANCELLED).rerating.status == "published"
    # The pages of the special cases have data: a sick leave, quarters, a grant, a sheet.
    assert Rating.objects.filter(special_case="sick_leave").exclude(special_reason="").exists()
    assert QuarterResult.objects.count() >= 3
    assert PeerGroup.objects.filter(quota_granted=True).count() == 1
    assert ScoringSheet.objects.count() == 1
    # The term ending with the rated year reads both years' published results, the year
    # before under its own rulebook, the re-rating instead of the cancelled result.
    term = RatingRound.objects.get(period="term")
    assert (term.term_first, term.year) == (before.year, round_.year)
    cancelled = Rating.objects.get(status=RatingStatus.CANCELLED)
    years = years_of(Rating.objects.get(round=term, person=cancelled.person))
    assert [y.rating for y in years] == [
        Rating.objects.get(round=before, person=cancelled.person, status="published"),
        cancelled.rerating,
    ]
    assert "124" in years[0].scheme


@pytest.mark.parametrize("username", ["bithuxa", "vanphong"])
def test_classification_pages_fit_a_phone_and_pass_axe(demo, screen, username):  # noqa: F811
    sign_in(screen, username)
    pages = commune_pages()
    if username == "vanphong":
        pages = pages[:-1] + office_pages()
    found = []
    for url in pages:
        found += problems_of(screen, url)
    assert found == [], "\n".join(found)
