"""Log in, open the tree, drill into a unit, search a name typed without accents."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_walks_the_tree_and_finds_a_member_without_accents(page, org_tree, office):
    login(page, "vanphong_a")
    expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
    expect(page.get_by_text("Xin chào, vanphong_a")).to_be_visible()

    page.get_by_role("link", name="Cây tổ chức").click()
    province = page.locator("li[data-unit='TU38']")
    expect(province).to_contain_text("3 đảng viên")  # the three members of cell A1
    province.get_by_role("button", name="Mở Đảng bộ tỉnh Thanh Hóa").click()
    commune = page.locator("li[data-unit='X38A1']")
    expect(commune).to_be_visible()
    commune.get_by_role("button").click()
    expect(page.locator("li[data-unit='CS38A1']")).to_contain_text(
        "Đảng bộ Trường THPT Quảng Xương"
    )
    expect(page.locator("li[data-unit='TU42']")).to_have_count(0)  # other province not shown

    page.locator("li[data-unit='CS38A1'] > a").click()
    expect(page.get_by_role("heading", name="Đảng bộ Trường THPT Quảng Xương")).to_be_visible()
    page.get_by_role("link", name="Chi bộ Tổ Toán").click()
    rows = page.locator("table tbody tr td:nth-child(2)")
    expect(rows).to_have_text(["Lê Minh Anh", "Nguyễn Văn Đức", "Trần Thị Hương"])

    search = page.get_by_role("searchbox", name="Tìm kiếm")
    search.fill("nguyen van duc")
    search.press("Enter")
    results = page.get_by_test_id("person-results")
    expect(results).to_contain_text("Nguyễn Văn Đức")
    results.get_by_role("link", name="Nguyễn Văn Đức").click()
    expect(page.get_by_role("heading", name="Nguyễn Văn Đức")).to_be_visible()
    expect(page.get_by_text("Chi bộ Tổ Toán").first).to_be_visible()


def test_office_transfers_a_member_to_another_cell(page, org_tree, office):
    login(page, "vanphong_a")
    page.goto(org_tree.members_a1[0].get_absolute_url())
    expect(page.get_by_role("heading", name="Nguyễn Văn Đức")).to_be_visible()

    page.get_by_role("link", name="Kết thúc sinh hoạt tại Chi bộ Tổ Toán").click()
    page.get_by_label("Ngày kết thúc").fill("31/12/2025")
    page.get_by_label("Căn cứ (quyết định số…)").fill("QĐ 15-QĐ/ĐU chuyển sinh hoạt")
    page.get_by_role("button", name="Lưu").click()
    expect(
        page.get_by_text("Đã kết thúc sinh hoạt tại “Chi bộ Tổ Toán” ngày 31/12/2025.")
    ).to_be_visible()

    page.get_by_role("link", name="Thêm nơi sinh hoạt").click()
    page.get_by_label("Mã chi bộ").fill("CB38A1B")
    page.get_by_label("Từ ngày").fill("01/01/2026")
    page.get_by_role("button", name="Lưu").click()
    cells = page.locator("section", has_text="Quá trình sinh hoạt đảng").locator("tbody tr")
    expect(cells).to_have_count(2)
    expect(cells.filter(has_text="Chi bộ Tổ Văn")).to_contain_text("nay")
    expect(cells.filter(has_text="Chi bộ Tổ Toán")).to_contain_text("31/12/2025")
    # Only the open membership keeps its button; the history panel shows the decision.
    expect(page.get_by_role("link", name="Kết thúc sinh hoạt tại Chi bộ Tổ Văn")).to_be_visible()
    expect(page.get_by_role("link", name="Kết thúc sinh hoạt tại Chi bộ Tổ Toán")).to_have_count(0)
    expect(page.get_by_text("Lý do: QĐ 15-QĐ/ĐU chuyển sinh hoạt")).to_be_visible()

    page.goto("/nhat-ky/?unit=CB38A1B")
    expect(page.locator("table")).to_contain_text("Nguyễn Văn Đức — Chi bộ Tổ Văn")
