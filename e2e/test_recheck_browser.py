"""The re-check pages over the demo's rated year (a re-check opened over the province, one result
confirmed, one corrected through cancel and re-rate), on a phone and a desktop: no sideways
scrolling, no axe-core WCAG 2.1 AA violation, no id used twice."""

import datetime

import pytest
from django.urls import reverse

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.classification import recheck
from kiemdiem.classification.models import RatingRound
from kiemdiem.classification.recheck_models import RecheckOutcome
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org.models import UnitKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recheck_pages(username: str) -> list[str]:
    # The rated year (the one before: paper); the demo's term round ends that year too.
    round_ = RatingRound.objects.filter(period="year").order_by("-year").first()
    province = round_.scope_unit.parent
    campaign = recheck.campaign_open(
        by=SYSTEM,
        unit=province,
        year=round_.year,
        deadline=datetime.date.today() + datetime.timedelta(days=30),
        document_number="45-CV/TU",
        instructions="Rà soát, sửa kết quả chưa đúng.",
    )
    task = campaign.tasks.filter(unit__kind=UnitKind.GRASSROOTS_COMMITTEE).first()
    first, second, third = task.items.all()[:3]
    recheck.item_confirm(item=first, by=SYSTEM, version=first.version, note="Đúng quy định")
    recheck.item_correct(
        item=second,
        by=SYSTEM,
        version=second.version,
        found_level="completed" if second.before_level != "completed" else "good",
        reason="Chưa đủ điều kiện của mức đã công khai",
        decision_number="3-QĐ/ĐU",
    )
    assert third.outcome == RecheckOutcome.PENDING
    pages = [
        reverse("classification:recheck-list"),
        campaign.get_absolute_url(),
        task.get_absolute_url(),
        task.get_absolute_url() + "?ket_qua=corrected",
    ]
    if username == "vanphong":
        return pages + [reverse("classification:recheck-create")]
    return pages + [reverse("classification:recheck-correct", args=[third.pk])]


@pytest.mark.parametrize("username", ["bithuxa", "vanphong"])
def test_recheck_pages_fit_a_phone_and_pass_axe(demo, screen, username):  # noqa: F811
    pages = recheck_pages(username)
    sign_in(screen, username)
    found = []
    for url in pages:
        found += problems_of(screen, url)
    assert found == [], "\n".join(found)
    screen.goto(pages[2])
    assert screen.get_by_test_id("correction").first.inner_text().count("→") == 1
