"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live test server."""

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

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


MENU_FOLDS_BELOW = 1200  # px: base.html's navbar-expand-xl


def wait_for_bootstrap(page) -> None:
    """The menu's button and the user menu work once Bootstrap has run. Its script is deferred:
    it runs after the page is parsed ("interactive") and before DOMContentLoaded. A click in
    between does nothing, and a slow static file makes that gap long."""
    page.wait_for_load_state("domcontentloaded")


def open_menu_if_folded(page) -> None:
    """Below the navbar's breakpoint the menu folds into a button; open it and wait for it to
    finish opening. Decided by the window's width, not by asking whether the button shows: a
    page still loading its stylesheet shows the button at any width. Bootstrap leaves the open
    menu with the class "show" once its transition ends."""
    wait_for_bootstrap(page)  # the user menu in it needs Bootstrap at any width
    if page.viewport_size["width"] < MENU_FOLDS_BELOW:
        page.get_by_role("button", name="Menu").click()
        expect(page.locator("#kd-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def logout(page) -> None:
    """Sign out through the user menu, on a phone or a desktop. The caller must already be on
    the page it expects (wait for its URL), or the menu may open on a page being replaced."""
    open_menu_if_folded(page)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dang-nhap/**")


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
