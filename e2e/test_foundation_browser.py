"""Log in, open the tree, drill into a unit, search a name typed without accents."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_walks_the_tree_and_finds_a_member_without_accents(page, org_tree, office):
    login(page, "vanphong_a")
    expect(page.get_by_role("heading", name="Xin chào, vanphong_a")).to_be_visible()

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
