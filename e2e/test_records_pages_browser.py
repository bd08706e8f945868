"""The pages of discipline, confidence votes, suggestions, dossiers, commitments, statistics and
the workbook import, as the demo personas meet them, on a phone and a desktop: no sideways
scrolling, no axe-core WCAG 2.1 AA violation, no id used twice (the checks of
test_pages_browser, over the records the demo campaign holds)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.discipline.models import DisciplineCase
from kiemdiem.org.models import Membership
from kiemdiem.reviews.models import Commitment, Review, ReviewDossier, ReviewSuggestion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def office_pages() -> list[str]:
    case = DisciplineCase.objects.filter(status="appealed").first()
    person = DisciplineCase.objects.first().person
    suggestion = ReviewSuggestion.objects.first()
    dossier = ReviewDossier.objects.filter(status="pending").first()
    result = ConfidenceResult.objects.exclude(low_flag="").first()
    return [
        reverse("reports:records"),
        reverse("discipline:case-list"),
        case.get_absolute_url(),
        reverse("discipline:case-settle", args=[case.pk]),
        reverse("discipline:case-create") + "?kind=individual&q=nguyen",
        reverse("discipline:case-create") + f"?person={person.pk}",
        reverse("confidence:poll-list"),
        ConfidencePoll.objects.first().get_absolute_url(),
        reverse("confidence:poll-create"),
        reverse("confidence:result-list") + "?co=any",
        result.get_absolute_url(),
        reverse("reviews:suggestion-list"),
        suggestion.get_absolute_url(),
        reverse("reviews:suggestion-create", args=[suggestion.review_id]),
        dossier.get_absolute_url(),
        suggestion.review.get_absolute_url(),
        reverse("transfer:records"),
    ]


def cell_pages() -> list[str]:
    user = get_user_model().objects.get(username="bithuchibo")
    cell = Membership.objects.current().filter(person__user=user).first().unit
    missing = (
        Membership.objects.current()
        .filter(unit=cell)
        .exclude(person__commitments__isnull=False)
        .first()
    )
    commitment = Commitment.objects.filter(unit=cell).first()
    review = Review.objects.filter(person=commitment.person).first()
    return [
        reverse("reviews:commitment-list"),
        reverse("reviews:commitment-create") + f"?person={missing.person_id}",
        commitment.get_absolute_url(),
        review.get_absolute_url(),
        reverse("reports:records"),
    ]


@pytest.mark.parametrize("username", ["vanphong", "bithuchibo"])
def test_record_pages_fit_a_phone_and_pass_axe(demo, screen, username):  # noqa: F811
    sign_in(screen, username)
    pages = office_pages() if username == "vanphong" else cell_pages()
    found = []
    for url in pages:
        found += problems_of(screen, url)
    assert found == [], "\n".join(found)
