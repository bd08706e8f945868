"""Issue 16 story (review documents): the committee office downloads a unit's conference record
and collective report (Mẫu 01) from the review page; a cell secretary downloads their own
self-review form (2A/2B, or 2C); the pages fit a phone and pass axe-core."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.reviews.models import Review, ReviewMeeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_pages_give_their_documents(demo, screen):  # noqa: F811
    office = User.objects.get(username="vanphong")
    meeting = ReviewMeeting.objects.visible_to(office).select_related("unit").first()
    review = Review.objects.get(cycle=meeting.cycle, unit=meeting.unit, person__isnull=True)
    sign_in(screen, "vanphong")
    screen.goto(review.get_absolute_url())
    report = screen.get_by_role("region", name="Văn bản báo cáo kiểm điểm tập thể (mẫu 01)")
    with screen.expect_download() as draft:
        report.get_by_test_id("document-docx").click()
    assert draft.value.suggested_filename == f"bao-cao-kiem-diem-tap-the-{review.pk}-du-thao.docx"
    record = screen.get_by_role("region", name="Văn bản biên bản hội nghị kiểm điểm")
    with screen.expect_download() as draft:
        record.get_by_test_id("document-docx").click()
    assert draft.value.suggested_filename.startswith(f"bien-ban-hoi-nghi-kiem-diem-{meeting.pk}-")
    found = problems_of(screen, review.get_absolute_url())

    member = User.objects.get(username="bithuchibo")  # the cell secretary (2A)
    own = Review.objects.filter(person__user=member).first()
    screen.context.clear_cookies()
    sign_in(screen, "bithuchibo")
    screen.goto(own.get_absolute_url())
    personal = screen.get_by_role("region", name="Văn bản bản kiểm điểm cá nhân (mẫu 2a, 2b)")
    expect(personal.get_by_test_id("document-issue")).to_have_count(0)  # not numbered
    with screen.expect_download() as form:
        personal.get_by_test_id("document-docx").click()
    assert form.value.suggested_filename == f"ban-kiem-diem-ca-nhan-{own.pk}-du-thao.docx"
    with screen.expect_download() as form:
        screen.get_by_test_id("document-2c").get_by_role("link").click()
    assert form.value.suggested_filename.startswith("ban-kiem-diem-ca-nhan-2c-")
    found += problems_of(screen, own.get_absolute_url())
    assert found == [], "\n".join(found)
