"""The yearly classification of one member in a real browser, on a phone: self-assessment →
appraisal downgrade → decision blocked by the quota → fixed → published → the statistics show
the downgrade (and the list behind the number) → the committee above cancels the result
(Mẫu 03) and the re-rating starts beside the old result, which stays with its reason."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import START, make_user
from e2e.conftest import login, logout, open_menu_if_folded
from e2e.test_pages_browser import PHONE, problems_of, screen  # noqa: F401 (fixture)
from kiemdiem.classification import services
from kiemdiem.classification.models import Rating, RatingStatus
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import AccessRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCORES = {"politics": "10", "discipline": "10", "remediation": "10", "tasks": "50", "quality": "15"}


def _grant(unit, role, username):
    user = make_user(username)
    org_services.access_grant(user=user, unit=unit, role=role, by=SYSTEM, valid_from=START)
    return user


def confirm(page, message: str):
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_text(message)).to_be_visible()


def test_a_member_rated_downgraded_decided_within_the_quota_counted_and_re_rated(
    screen,  # noqa: F811
    org_tree,
    office,
    member,
):
    page = screen
    _grant(org_tree.grassroots_a1, AccessRole.OFFICE, "bantochuc_coso")
    _grant(org_tree.grassroots_a1, AccessRole.STANDING, "btv_coso")
    _grant(org_tree.district_a1, AccessRole.STANDING, "btv_xa")
    round_ = services.round_open(
        by=office, title="Xếp loại năm 2025", year=2025, scope_unit=org_tree.province_a
    )
    rating = Rating.objects.get(round=round_, person=org_tree.members_a1[0], subject_kind="member")
    url = rating.get_absolute_url()

    # 1. The member proposes the top level with 95 points.
    login(page, "dangvien_a1")
    page.goto(url)
    page.get_by_role("link", name="Tự đánh giá, xếp loại").click()
    page.get_by_label("Mức tự xếp loại").select_option("excellent")
    for code, points in SCORES.items():
        page.locator(f"[name=score_{code}]").fill(points)
    page.get_by_label("Ưu điểm, hạn chế, nguyên nhân, lý do tự xếp loại").fill(
        "Hoàn thành vượt mức các nhiệm vụ được giao."
    )
    confirm(page, "Đã lưu bản tự đánh giá.")
    logout(page)

    # 2. The organization board downgrades it, with the reason.
    login(page, "bantochuc_coso")
    page.goto(url)
    page.get_by_role("link", name="Thẩm định, đề xuất").click()
    page.get_by_label("Mức đề xuất sau thẩm định").select_option("good")
    page.get_by_label("Ý kiến thẩm định (bắt buộc nêu lý do nếu hạ mức)").fill(
        "Chưa có nhiệm vụ hoàn thành vượt mức nổi bật: đề nghị HTTNV."
    )
    confirm(page, "Đã lưu ý kiến thẩm định.")
    logout(page)

    # 3. The standing committee tries the top level: refused by the quota, the rule named.
    login(page, "btv_coso")
    page.goto(url)
    page.get_by_role("link", name="Quyết định mức xếp loại").click()
    page.get_by_label("Mức quyết định").select_option("excellent")
    page.get_by_label("Ghi chú, lý do (bắt buộc nếu khác mức đề xuất)").fill("Xét thành tích")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_text("Tỉ lệ HTXSNV").first).to_be_visible()
    rating.refresh_from_db()
    assert rating.status == RatingStatus.APPRAISED and not rating.decided_level

    # 4. Fixed: the appraised level, then published.
    page.get_by_label("Mức quyết định").select_option("good")
    page.get_by_label("Ghi chú, lý do (bắt buộc nếu khác mức đề xuất)").fill("")
    confirm(page, "Đã quyết định mức xếp loại.")
    page.get_by_role("button", name="Công khai kết quả").click()
    expect(page.get_by_text("Đã công khai kết quả xếp loại.")).to_be_visible()
    logout(page)

    # 5. The board finds the downgrade in the statistics, from the menu's page, and its list.
    login(page, "bantochuc_coso")
    page.goto(reverse("home"))
    open_menu_if_folded(page)
    page.get_by_role("link", name="Xếp loại chất lượng", exact=True).click()
    page.get_by_role("link", name="Thống kê", exact=True).click()
    sentence = page.get_by_test_id("downgrade-sentence")
    expect(sentence).to_have_text("1 đảng viên bị hạ từ mức HTXSNV xuống HTTNV.")
    assert problems_of(page, page.url) == []  # phone and desktop, axe
    page.set_viewport_size(PHONE)
    page.get_by_test_id("downgrade-sentence").get_by_role("link", name="1").click()
    expect(page.get_by_test_id("list-count")).to_have_text("1 kết quả")
    expect(page.get_by_test_id("ratings")).to_contain_text(rating.person.full_name)
    logout(page)

    # 6. The commune committee (directly above the deciding level) cancels it (Mẫu 03): the
    #    re-rating starts beside the old result, which stays with its reason.
    login(page, "btv_xa")
    page.goto(url)
    page.get_by_role("link", name="Hủy kết quả, xếp loại lại (Mẫu 03)").click()
    page.get_by_label("Số quyết định đánh giá, xếp loại lại (Mẫu 03)").fill("03-QĐ/ĐU")
    page.get_by_label("Lý do hủy kết quả").fill("Có đơn phản ánh đúng sự thật sau công khai.")
    confirm(page, "Đã hủy kết quả; đánh giá, xếp loại lại bắt đầu từ bước tự đánh giá.")
    expect(page.get_by_text("Đánh giá, xếp loại lại kết quả đã hủy")).to_be_visible()
    page.get_by_role("link", name="HTTNV theo quyết định").click()
    expect(page.get_by_test_id("cancelled")).to_contain_text("03-QĐ/ĐU")
    rating.refresh_from_db()
    assert rating.status == RatingStatus.CANCELLED and rating.decided_level == "good"
    assert rating.rerating.status == RatingStatus.DRAFT
