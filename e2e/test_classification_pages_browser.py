"""The classification pages over the demo's rated year, on a phone and a desktop: no sideways
scrolling, no axe-core WCAG 2.1 AA violation, no id used twice (the checks of
test_pages_browser)."""

import pytest
from django.urls import reverse

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.classification.models import Rating, RatingRound, RatingStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def commune_pages() -> list[str]:
    round_ = RatingRound.objects.order_by("-year").first()
    cancelled = Rating.objects.get(status=RatingStatus.CANCELLED)
    published = Rating.objects.filter(status=RatingStatus.PUBLISHED, subject_kind="member")
    downgraded = Rating.objects.filter(appraised_level="good", self_level="excellent").first()
    member = published.exclude(pk=cancelled.rerating.pk).first()
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
        reverse("classification:rating-cancel", args=[member.pk]),
    ]


def test_the_demo_holds_a_rated_year_with_downgrades_and_a_rerating(demo):  # noqa: F811
    before, round_ = RatingRound.objects.order_by("year")
    assert before.scheme == "qd124_2023" and before.year == round_.year - 1
    assert round_.scheme == "qd366_2025"
    assert Rating.objects.filter(round=round_, status=RatingStatus.PUBLISHED).count() > 20
    downgrades = [r for r in Rating.objects.filter(round=round_) if r.downgraded]
    assert len(downgrades) >= 2
    assert Rating.objects.get(status=RatingStatus.CANCELLED).rerating.status == "published"


@pytest.mark.parametrize("username", ["bithuxa", "vanphong"])
def test_classification_pages_fit_a_phone_and_pass_axe(demo, screen, username):  # noqa: F811
    sign_in(screen, username)
    pages = commune_pages()
    if username == "vanphong":
        pages = pages[:-1] + [reverse("classification:round-create")]
    found = []
    for url in pages:
        found += problems_of(screen, url)
    assert found == [], "\n".join(found)
