"""A user creates an API token in their profile, reads the API docs offline, and uses the key."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from e2e.conftest import login, open_menu_if_folded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_token_from_the_profile_and_the_docs_served_locally(page, live_server, org_tree, office):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    login(page, "vanphong_a")
    open_menu_if_folded(page)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Mã API").click()
    page.get_by_label("Tên gợi nhớ").fill("Hệ thống quản lý văn bản")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    key = page.get_by_test_id("new-token").inner_text().strip()
    assert key.startswith("kd_")
    expect(page.get_by_role("cell", name="Hệ thống quản lý văn bản")).to_be_visible()

    page.get_by_role("link", name="/api/v1/docs/").click()
    expect(page.get_by_role("heading", name="plans", exact=True)).to_be_visible()
    page.goto("/api/v1/docs/thu/")  # the interactive Swagger UI, served by the app itself
    # Swagger UI renders only the operations near the screen: its filter box finds a tag.
    page.locator(".swagger-ui input.operation-filter-input").fill("plans")
    expect(page.locator('.swagger-ui .opblock-tag[data-tag="plans"]')).to_be_visible()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("kiemdiem API")
    assert hosts == {urlparse(live_server.url).netloc}  # nothing fetched from elsewhere

    answer = page.request.get(
        "/api/v1/units/", params={"code": "CB38A1"}, headers={"Authorization": f"Token {key}"}
    )
    assert answer.status == 200
    assert [u["name"] for u in answer.json()["results"]] == ["Chi bộ Tổ Toán"]

    page.goto("/tai-khoan/ma-truy-cap/")
    page.get_by_role("button", name="Thu hồi").click()
    expect(page.get_by_text("Đã thu hồi")).to_be_visible()
    refused = page.request.get("/api/v1/units/", headers={"Authorization": f"Token {key}"})
    assert refused.status == 401 and refused.json()["code"] == "authentication_failed"
