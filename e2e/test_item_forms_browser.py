"""The item page's rare forms in a real browser (issue 17, session 11): the cancel and replace
cards show a button; "Thay thế…" brings the form in (htmx), focused on its first field, and a
replacement goes through end to end; without JavaScript the button is a link to the page with
the form open. On a phone and a desktop the open form fits and passes axe-core."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import conclude_review
from e2e.conftest import login
from e2e.test_pages_browser import AXE, AXE_RUN, DESKTOP, OVERFLOW, PHONE
from kiemdiem.remediation import services
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reviews import services as review_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def item(org_tree, office, cell_secretary, recipient_office, open_cycle):
    """An item of cell A1's accepted plan, prepared by the cell secretary."""
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    conclude_review(plan.review, office)
    action = services.action_add(
        plan=plan,
        by=cell_secretary,
        content="Đổi mới sinh hoạt",
        findings=list(plan.review.findings.all()),
        responsible_unit=org_tree.cell_a1,
        due_date=datetime.date(2026, 6, 30),
    )
    services.plan_submit(plan=plan, by=cell_secretary)
    services.plan_accept(plan=plan, by=recipient_office)
    return action


@pytest.fixture
def screen(browser, live_server):
    """A phone-sized page whose context lets the test inject axe-core. Without animations:
    axe-core measured a button's contrast halfway through Bootstrap's colour transition once
    (its hover colours fading in under the pointer that had clicked it)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport=PHONE,
        bypass_csp=True,
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_replace_form_comes_on_request_and_replaces_the_item(screen, item):
    page = screen
    login(page, "bithu_chibo")
    page.goto(item.get_absolute_url())
    page.wait_for_load_state("load")  # htmx listens from then on
    opener = page.get_by_role("link", name="Thay thế…")
    expect(opener).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Lý do thay thế")).to_have_count(0)  # not built with the page
    with page.expect_response("**?the=thay-the&mo=thay-the"):
        opener.click()
    expect(page.get_by_label("Nội dung khắc phục")).to_be_focused()
    expect(page.get_by_role("link", name="Thay thế…")).to_have_attribute("aria-expanded", "true")
    assert page.url.endswith(item.get_absolute_url())  # swapped in, not a new page
    page.add_script_tag(content=AXE)
    page.mouse.move(0, 0)  # the pointer off the button it clicked: its colours, not its hover's
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert not page.evaluate(OVERFLOW), size
        assert page.evaluate(AXE_RUN) == [], size

    # The toggle closes the card again, keeping the focus on it.
    with page.expect_response("**?the=thay-the"):
        page.get_by_role("link", name="Thay thế…").click()
    expect(page.get_by_label("Lý do thay thế")).to_have_count(0)
    expect(page.get_by_role("link", name="Thay thế…")).to_be_focused()
    with page.expect_response("**?the=thay-the&mo=thay-the"):
        page.get_by_role("link", name="Thay thế…").click()

    page.get_by_label("Nội dung khắc phục").fill("Mỗi quý một kỳ sinh hoạt chuyên đề")
    with page.expect_response("**/chon-don-vi/**"):
        page.get_by_label("Tổ chức chịu trách nhiệm").fill("to toan")
    page.wait_for_timeout(100)  # htmx swaps the results in after the response
    page.get_by_role("radio", name="Chi bộ Tổ Toán").check()
    page.get_by_label("Thời hạn hoàn thành").fill("30/09/2026")
    page.get_by_label("Lý do thay thế").fill("Cụ thể hơn theo ý kiến thẩm định")
    page.get_by_role("button", name="Thay thế", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mỗi quý một kỳ sinh hoạt chuyên đề")
    item.refresh_from_db()
    assert item.status == "replaced" and item.replaced_by is not None
    assert page.url.endswith(item.replaced_by.get_absolute_url())


def test_without_javascript_the_button_opens_the_form_in_the_page(browser, live_server, item):
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    login(page, "bithu_chibo")
    page.goto(item.get_absolute_url())
    page.get_by_role("link", name="Hủy nội dung…").click()
    page.wait_for_url("**?mo=huy")
    expect(page.get_by_label("Lý do hủy")).to_be_focused()  # autofocus: no script needed
    expect(page.get_by_label("Lý do hủy")).to_be_visible()
    expect(page.get_by_label("Lý do thay thế")).to_have_count(0)
    page.get_by_label("Lý do hủy").fill("Không làm nữa")
    page.get_by_role("button", name="Hủy nội dung", exact=True).click()
    # the only live item of its finding: refused, and the form stays open with the reason
    expect(page.get_by_text("duy nhất còn hiệu lực")).to_be_visible()
    expect(page.get_by_label("Lý do hủy")).to_have_value("Không làm nữa")
    assert PlanAction.objects.get(pk=item.pk).status == "open"
    assert reverse("remediation:action-cancel", args=[item.pk]) in page.url
    context.close()
