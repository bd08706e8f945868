"""The whole remediation story in a real browser, from a draft plan to the province dashboard."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import conclude_review
from e2e.conftest import login, logout
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_cell_plan_from_draft_to_verified_and_on_the_dashboard(
    page, org_tree, office, cell_secretary, recipient_office, open_cycle
):
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(
        review=plan.review,
        by=office,
        text="Sinh hoạt chi bộ chưa đều, nội dung chưa phong phú",
        area="leadership",
    )
    conclude_review(plan.review, office)  # the plan answers what the conference concluded
    plan_url = reverse("remediation:plan-detail", args=[plan.pk])

    # 1. The cell secretary drafts an item with no deadline; submission is refused with the reason.
    login(page, "bithu_chibo")
    page.goto(plan_url)
    page.get_by_label("Nội dung khắc phục").fill("Mỗi quý tổ chức một kỳ sinh hoạt chuyên đề")
    page.get_by_label("Sinh hoạt chi bộ chưa đều, nội dung chưa phong phú").check()
    # The responsible unit is found by its name typed without accents, and picked.
    page.wait_for_load_state("load")  # htmx listens from then on: the search must not go unheard
    with page.expect_response("**/chon-don-vi/**"):
        page.get_by_label("Tổ chức chịu trách nhiệm").fill("to toan")
    page.wait_for_timeout(100)  # htmx swaps the results in after the response
    page.get_by_role("radio", name="Chi bộ Tổ Toán").check()
    page.get_by_role("button", name="Thêm nội dung").click()
    expect(page.get_by_test_id("plan-items")).to_contain_text(
        "Mỗi quý tổ chức một kỳ sinh hoạt chuyên đề"
    )
    page.get_by_role("button", name="Nộp kế hoạch").click()
    expect(page.get_by_text("Mục 1: chưa có mốc thời gian hoàn thành.")).to_be_visible()
    expect(page.get_by_test_id("plan-status")).to_have_text("Dự thảo")

    # 2. Fixed and submitted.
    page.get_by_role("link", name="Sửa").first.click()
    page.wait_for_url("**/sua/")  # the plan page has a "Thời hạn hoàn thành" field too
    page.get_by_label("Thời hạn hoàn thành").fill("30/06/2026")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_role("button", name="Nộp kế hoạch").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Chờ thẩm định")
    logout(page)

    # 3. The upper committee's office (the grassroots committee the plan goes to) returns it: no
    #    responsible person named. The province office only sees it: its buttons are disabled.
    login(page, "vanphong_a")
    page.goto(plan_url)
    expect(page.get_by_test_id("appraise-reason")).to_contain_text("Chỉ nơi nhận kế hoạch")
    expect(page.get_by_role("button", name="Đạt yêu cầu")).to_be_disabled()
    logout(page)
    login(page, "vanphong_cs")
    page.goto(plan_url)
    page.get_by_label("Không nêu rõ tổ chức, cá nhân chịu trách nhiệm").check()
    page.get_by_label("Nhận xét, yêu cầu").fill("Nêu rõ đồng chí nào phụ trách")
    page.get_by_role("button", name="Trả lại, yêu cầu chuẩn bị lại").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Bị trả lại, chuẩn bị lại")
    logout(page)

    # 4. Resubmitted with a responsible person.
    login(page, "bithu_chibo")
    page.goto(plan_url)
    page.get_by_role("link", name="Sửa").first.click()
    page.wait_for_url("**/sua/")
    page.wait_for_load_state("load")
    with page.expect_response("**/chon-nguoi/**"):
        page.get_by_label("Cá nhân chịu trách nhiệm").fill("huong")
    page.wait_for_timeout(100)
    page.get_by_role("radio", name="Trần Thị Hương").check()
    page.get_by_role("button", name="Lưu").click()
    page.get_by_role("button", name="Nộp kế hoạch").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Chờ thẩm định")
    logout(page)

    # 5. Accepted; the appraiser sees what changed since the returned version.
    login(page, "vanphong_cs")
    page.goto(plan_url)
    expect(page.get_by_test_id("changes")).to_contain_text("Trần Thị Hương")
    page.get_by_role("button", name="Đạt yêu cầu").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Đạt yêu cầu, chờ tập thể quyết định")
    logout(page)

    # 6. Progress reported with an evidence file.
    login(page, "bithu_chibo")
    page.goto(plan_url)
    page.get_by_role("link", name="Chi tiết").first.click()
    page.get_by_label("Tình trạng").select_option("done")
    page.get_by_label("Mức độ hoàn thành (%)").fill("100")
    page.get_by_label("Kết quả thực hiện").fill("Đã tổ chức 2 kỳ sinh hoạt chuyên đề")
    page.get_by_label("Tệp minh chứng (PDF, Word, Excel, ảnh)").set_input_files(
        files=[{"name": "bien-ban-sinh-hoat.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Gửi báo cáo tiến độ").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Báo cáo hoàn thành")
    expect(page.get_by_role("link", name="bien-ban-sinh-hoat.pdf")).to_be_visible()
    action_url = page.url
    logout(page)

    # 7. Verified by the appraiser.
    login(page, "vanphong_cs")
    page.goto(action_url)
    page.get_by_label("Xác nhận hoàn thành").check()
    page.get_by_role("button", name="Ghi nhận").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Đã xác nhận hoàn thành")
    logout(page)
    login(page, "vanphong_a")

    # 8. The province dashboard shows it (after the background merge).
    from kiemdiem.dashboard.summaries import merge_pending

    merge_pending()
    page.goto(reverse("dashboard:cycle-unit", args=[open_cycle.pk, org_tree.province_a.pk]))
    expect(page.get_by_test_id("metric-items_done")).to_have_text("1")
    expect(page.get_by_test_id("metric-plans_accepted")).to_have_text("1")
    expect(page.get_by_test_id("metric-findings_resolved")).to_have_text("1")
