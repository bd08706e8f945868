"""A suggested review in a real browser: the upper committee suggests points, the cell answers
them, the Organization Board returns the dossier and then approves it, the conference is
recorded with the delegation, and the statistics count it — on a phone-sized screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import login, logout
from kiemdiem.reviews.models import Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def answer(page, number: int, personal: str) -> None:
    page.get_by_role("link", name=f"Giải trình nội dung {number}").click()
    page.get_by_label("Giải trình: sự việc, nội dung").fill("Có hai lá đơn kéo dài từ năm trước")
    page.get_by_label("Nguyên nhân chủ quan").fill("Chi ủy chưa sâu sát")
    page.get_by_label("Trách nhiệm của tập thể").fill("Chi ủy")
    page.get_by_label("Trách nhiệm của cá nhân").fill(personal)
    page.get_by_role("button", name="Lưu giải trình").click()


def test_suggested_review_from_issue_to_statistics(
    page, org_tree, office, appraiser, cell_secretary, open_cycle
):
    page.set_viewport_size(PHONE)
    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)

    # 1. The grassroots committee's office suggests two points and names its working group.
    login(page, "vanphong_cs")
    page.goto(review.get_absolute_url())
    page.get_by_role("link", name="Gợi ý kiểm điểm").click()
    page.get_by_label("Số, ký hiệu văn bản gợi ý").fill("45-CV/ĐU")
    page.get_by_label("Ngày văn bản").fill("08/01/2026")
    page.get_by_label("Mất đoàn kết nội bộ").check()
    page.get_by_label("Nội dung gợi ý kiểm điểm").fill(
        "Làm rõ tình trạng mất đoàn kết trong chi ủy\nViệc giải quyết đơn thư kéo dài"
    )
    page.get_by_label("Đoàn, tổ công tác dự, chỉ đạo (thành viên khác)").fill(
        "Tổ công tác số 2 của Đảng ủy"
    )
    page.get_by_role("button", name="Gửi gợi ý kiểm điểm").click()
    # The form carries the same heading: wait for the suggestion's own page first.
    page.wait_for_url(re.compile(r"/kiem-diem/goi-y/\d+/$"))
    expect(
        page.get_by_role("heading", name="Gợi ý kiểm điểm tập thể Chi bộ Tổ Toán")
    ).to_be_visible()
    logout(page)

    # 2. The cell answers both points; the conference is blocked until the dossier passes.
    login(page, "bithu_chibo")
    page.goto(review.get_absolute_url())
    expect(page.get_by_test_id("conference-refusal")).to_contain_text("thẩm định đạt yêu cầu")
    answer(page, 1, "Bí thư chi bộ")
    answer(page, 2, "Bí thư chi bộ")
    page.get_by_role("link", name="Mở hồ sơ").click()
    page.get_by_role("button", name="Gửi hồ sơ thẩm định").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Chờ thẩm định")
    dossier_url = page.url
    logout(page)

    # 3. The Organization Board returns it with remarks.
    login(page, "vanphong_cs")
    page.goto(dossier_url)
    page.get_by_label("Nhận xét, yêu cầu chuẩn bị lại").fill(
        "Nêu rõ trách nhiệm cá nhân từng đồng chí"
    )
    page.get_by_role("button", name="Trả lại, yêu cầu chuẩn bị lại").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Trả lại, chuẩn bị lại")
    logout(page)

    # 4. The cell completes the answer and sends it again.
    login(page, "bithu_chibo")
    page.goto(review.get_absolute_url())
    expect(page.locator("#dossier")).to_contain_text("Nêu rõ trách nhiệm cá nhân từng đồng chí")
    answer(page, 2, "Bí thư chi bộ và đồng chí phó bí thư phụ trách công tác dân vận")
    page.goto(dossier_url)
    page.get_by_role("button", name="Gửi hồ sơ thẩm định").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Chờ thẩm định")
    logout(page)

    # 5. Approved.
    login(page, "vanphong_cs")
    page.goto(dossier_url)
    page.get_by_role("button", name="Đạt yêu cầu, được tổ chức hội nghị").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Đạt yêu cầu, được tổ chức hội nghị")
    logout(page)

    # 6. The review goes to its conference, recorded with the delegation (prefilled).
    login(page, "bithu_chibo")
    page.goto(review.get_absolute_url())
    page.get_by_role("button", name="Gửi hội nghị").click()
    page.get_by_role("link", name="Ghi nhận hội nghị").click()
    delegation = page.get_by_label(
        "Đoàn, tổ công tác cấp trên dự, chỉ đạo (đơn vị được gợi ý kiểm điểm)"
    )
    expect(delegation).to_have_value("Tổ công tác số 2 của Đảng ủy")
    page.get_by_label("Ngày họp").fill("10/01/2026")
    page.get_by_label("Chủ trì hội nghị").select_option(label="Trần Thị Hương")
    page.get_by_role("button", name="Ghi nhận").click()
    expect(page.get_by_test_id("meeting-delegation")).to_have_text("Tổ công tác số 2 của Đảng ủy")
    logout(page)

    # 7. The province's statistics count it: suggested, vetted, held.
    login(page, "vanphong_a")
    page.goto(
        reverse("reports:records") + f"?don_vi={org_tree.province_a.pk}&nam={open_cycle.year}"
    )
    figures = page.get_by_test_id("suggestion-figures")
    expect(figures).to_contain_text("Gợi ý kiểm điểm1")
    expect(figures).to_contain_text("Hồ sơ đã thẩm định đạt1")
    expect(figures).to_contain_text("Đã tổ chức hội nghị1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    figures.get_by_role("link", name="1").last.click()
    expect(page.get_by_test_id("suggestions")).to_contain_text("Chi bộ Tổ Toán")
