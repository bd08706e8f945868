"""The pages of discipline, confidence votes, suggestions, dossiers, commitments, statistics and
the workbook import, as the demo personas meet them, on a phone and a desktop: no sideways
scrolling, no axe-core WCAG 2.1 AA violation, no id used twice (the checks of
test_pages_browser, over the records the demo campaign holds)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.confidence import services as confidence_services
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.discipline.models import DisciplineCase
from kiemdiem.org.models import Membership
from kiemdiem.reviews.models import (
    Commitment,
    Review,
    ReviewDossier,
    ReviewSuggestion,
    SuggestionItem,
)
from kiemdiem.transfer.models import RecordImport

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
        *step_pages(),
    ]


def step_pages() -> list[str]:
    """The forms of each step: a proposal decided or dropped, a decision appealed or annulled,
    a poll being entered (a draft one made here: the demo's are finalized) or reopened, a
    suggestion withdrawn, a point answered, an import's report."""
    office = get_user_model().objects.get(username="vanphong")
    proposed = DisciplineCase.objects.get(status="proposed")
    decided = DisciplineCase.objects.filter(status="decided").first()
    finalized = ConfidencePoll.objects.first()
    polled = ConfidenceResult.objects.filter(poll=finalized).first()
    draft = confidence_services.poll_create(
        by=office,
        title="Lấy phiếu tín nhiệm bổ sung",
        body_unit=finalized.body_unit,
        held_on=timezone.localdate() - datetime.timedelta(days=3),
        convened_count=12,
        present_count=11,
    )
    entered = confidence_services.result_add(
        poll=draft,
        person=polled.person,
        by=office,
        title=polled.title,
        appointed_on=polled.appointed_on,
        high_count=6,
        normal_count=4,
        low_count=1,
    )
    unanswered = SuggestionItem.objects.filter(account="").first()
    report = RecordImport.objects.create(
        kind="discipline",
        created_by=office,
        file_name="ky-luat.xlsx",
        file_path="none",
        sha256="0" * 64,
        status=RecordImport.Status.CHECKED,
        counts={"create": 1, "exists": 0, "reject": 1},
        report={"problems": [], "rows": [[2, "create", ""], [3, "reject", "Thiếu “Số thẻ”."]]},
    )
    return [
        proposed.get_absolute_url(),
        reverse("discipline:case-decide", args=[proposed.pk]),
        reverse("discipline:case-drop", args=[proposed.pk]),
        reverse("discipline:case-edit", args=[proposed.pk]),
        reverse("discipline:case-appeal", args=[decided.pk]),
        reverse("discipline:case-annul", args=[decided.pk]),
        reverse("confidence:poll-reopen", args=[finalized.pk]),
        draft.get_absolute_url(),
        reverse("confidence:poll-edit", args=[draft.pk]),
        reverse("confidence:result-add", args=[draft.pk]),
        reverse("confidence:result-edit", args=[entered.pk]),
        reverse("confidence:result-remove", args=[entered.pk]),
        reverse("reviews:suggestion-withdraw", args=[unanswered.suggestion_id]),
        reverse("reviews:suggestion-answer", args=[unanswered.pk]),
        report.get_absolute_url(),
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
        reverse("reviews:commitment-list") + "?tinh_trang=chua-danh-gia",
        reverse("reviews:commitment-create") + f"?person={missing.person_id}",
        commitment.get_absolute_url(),
        reverse("reviews:commitment-revise", args=[commitment.pk]),
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
