"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live test server."""

import os
import shutil

import pytest

from kiemdiem.core.permissions import SYSTEM

CHROMIUM = os.environ.get("KIEMDIEM_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium không có tại {CHROMIUM}: cài gói Debian 'chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def login(page, username: str, password: str = "mat-khau-thu-2026") -> None:
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


@pytest.fixture
def recipient_office(org_tree):
    """Office of grassroots committee A1 ("vanphong_cs"): the recipient that appraises the
    plans of its cells (the province office only sees them)."""
    from conftest import START, make_user
    from kiemdiem.org import services
    from kiemdiem.org.models import AccessRole

    user = make_user("vanphong_cs")
    services.access_grant(
        user=user, unit=org_tree.grassroots_a1, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    return user
