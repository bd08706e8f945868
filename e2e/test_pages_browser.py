"""Every main page, as each demo persona meets it, on a phone (375 px) and a desktop (1366 px):
no sideways scrolling, no axe-core WCAG 2.1 AA violation, no id used twice; the home page lists
the work the demo holds for the persona; an appraiser goes from the home page to an appraisal
and back.

The demo is the small one with a campaign (`seed_demo --scale small`, `seed_campaign`, ~1 s).
axe-core comes from npm (package.json, devDependencies) and is injected by these tests only;
the browser context bypasses the page's Content-Security-Policy for that injection alone.
One page load per page: the phone check runs first, then the same page is resized.
"""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import wait_for_bootstrap
from kiemdiem.dashboard import selectors as dashboard_selectors
from kiemdiem.org.demo import DEMO_PASSWORD
from kiemdiem.org.scoping import top_units
from kiemdiem.remediation import selectors as plan_selectors
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reviews.models import ReviewCycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js").read_text()
AXE_RUN = """async () => {
  const r = await axe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'],
  });
  return r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' '))
    .join(' | '));
}"""
OVERFLOW = "document.documentElement.scrollWidth > window.innerWidth + 1"
DUPLICATE_IDS = """(() => {
  const seen = {};
  document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
  return Object.keys(seen).filter(k => seen[k] > 1);
})()"""
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def demo(transactional_db):
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "3", stdout=out)
    call_command("seed_campaign", stdout=out)


@pytest.fixture
def screen(browser, live_server):
    """A phone-sized page whose context lets the tests inject axe-core."""
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport=PHONE, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def problems_of(page, url: str) -> list[str]:
    """Load `url` on the phone, check it, widen to the desktop, check again."""
    page.set_viewport_size(PHONE)
    response = page.goto(url)
    found = []
    if response is None or response.status >= 400:
        return [f"{url}: HTTP {response.status if response else '—'}"]
    page.add_script_tag(content=AXE)
    for size, name in ((PHONE, "375"), (DESKTOP, "1366")):
        if size is DESKTOP:
            page.set_viewport_size(DESKTOP)
        if page.evaluate(OVERFLOW):
            width = page.evaluate("document.documentElement.scrollWidth")
            found.append(f"{url} @{name}: wider than the screen ({width} px)")
        found += [f"{url} @{name}: axe {v}" for v in page.evaluate(AXE_RUN)]
    found += [f"{url}: id used twice: {i}" for i in page.evaluate(DUPLICATE_IDS)]
    return found


def main_pages(username: str) -> list[str]:
    """The pages a persona uses every day, with the objects the demo holds for them.

    Each kind of page is checked for at least two personas (the office sees the widest lists,
    the cell secretary and the member use phones); pages that are the same for everyone
    (API tokens, password, my exports) once, to keep the suite fast.
    """
    user = get_user_model().objects.get(username=username)
    cycle = ReviewCycle.objects.get()
    root = top_units(user).order_by("path").first()
    plan = (
        plan_selectors.appraisal_queue(user).first()
        or RemediationPlan.objects.visible_to(user).filter(status="returned").first()
        or RemediationPlan.objects.visible_to(user).first()
    )
    item = PlanAction.objects.filter(plan=plan).first() if plan else None
    pages = [reverse("home"), reverse("remediation:plan-list"), cycle.get_absolute_url()]
    pages += [obj.get_absolute_url() for obj in (root, plan, item) if obj is not None]
    if username in ("vanphong", "bithuchibo"):
        pages += [
            reverse("reviews:cycle-list"),
            reverse("org:unit-tree"),
            reverse("org:search") + "?q=thon",
        ]
    if username == "dangvien":
        pages += [
            reverse("exports:job-list"),
            reverse("account:tokens"),
            reverse("password_change"),
        ]
    unit = dashboard_selectors.default_unit(user, cycle)
    if unit is not None and not _member_only(user):
        dash = reverse("dashboard:cycle-unit", args=[cycle.pk, unit.pk])
        pages += [reverse("remediation:queue-appraisal"), dash]
        if username in ("vanphong", "bithuxa"):
            pages += [
                reverse("remediation:queue-verification"),
                dash + "plans_expected/",
                reverse("reports:report-list", args=[unit.pk]),
                reverse("audit-list"),
            ]
        if username in ("vanphong", "bithuchibo"):
            pages += [reverse("dashboard:cycle-list"), reverse("reports:index")]
        if username == "vanphong":  # the all-figures table, as a page of its own
            pages.append(reverse("dashboard:children-figures", args=[cycle.pk, unit.pk]))
    if username == "vanphong":
        pages.append(reverse("transfer:index"))
    # Oversight: the working group's member, the office that set the groups up, the unit.
    if username in ("tocongtac", "vanphong", "bithuxa"):
        from kiemdiem.oversight.models import Assessment, ImplementationPlan
        from kiemdiem.oversight.selectors import visible_group_list

        group = visible_group_list(user).first()
        pages += [reverse("oversight:index"), reverse("notifications")]
        if group is not None:
            pages.append(group.get_absolute_url())
            programme = group.programmes.first()
            if programme is not None:
                pages.append(programme.get_absolute_url())
        assessment = Assessment.objects.filter(unit__path__startswith=root.path).first()
        if assessment is not None and username != "bithuxa":
            pages.append(assessment.get_absolute_url())
        if username == "vanphong":
            plan_16 = ImplementationPlan.objects.first()
            pages += [reverse("oversight:late-list"), reverse("oversight:implementation-list")]
            if plan_16 is not None:
                pages += [plan_16.get_absolute_url(), plan_16.tasks.first().get_absolute_url()]
            pages.append(reverse("dashboard:oversight", args=[cycle.pk, cycle.scope_unit_id]))
            pages += _oversight_figure_lists(cycle)
    return pages


def _oversight_figure_lists(cycle) -> list[str]:
    """The lists behind the oversight panel's figures: a group's assessments by state and the
    plans it appraised."""
    from kiemdiem.oversight.selectors import overseers_dashboard

    rows = overseers_dashboard(cycle.scope_unit, cycle.pk)
    if not rows:
        return []
    row = rows[0]
    assessed = reverse("dashboard:oversight-assessments", args=[cycle.pk, cycle.scope_unit_id])
    plans = reverse("remediation:plan-list")
    return [
        f"{assessed}?{row.query}&state=missing",
        f"{assessed}?{row.query}",
        f"{plans}?cycle={cycle.pk}&unit={cycle.scope_unit_id}&{row.query}",
    ]


def _member_only(user) -> bool:
    from kiemdiem.org.scoping import access_for

    access = access_for(user)
    return not access.everything and not access.unit_paths


# What the demo holds on each persona's home page (seed_campaign makes sure of it).
HOME = {
    "admin": ["todo-administrator"],  # the queues of the whole country: on their pages
    "vanphong": ["todo-appraisal", "todo-verification"],
    "thuongvu": ["todo-appraisal", "todo-items-due"],
    "bithuxa": ["todo-appraisal", "todo-verification", "todo-items-due"],
    "bithuchibo": ["todo-returned", "todo-items-due"],
    "dangvien": ["todo-items-due"],
    "tocongtac": ["todo-appraisal"],  # plans sent to working group no. 1
}


@pytest.mark.parametrize("username", list(HOME))
def test_main_pages_fit_a_phone_and_pass_axe(demo, screen, username):
    sign_in(screen, username)
    for testid in HOME[username]:
        expect(screen.get_by_test_id(testid)).to_be_visible()
    found = []
    for url in main_pages(username):
        found += problems_of(screen, url)
    assert found == [], "\n".join(found)


def test_phone_menu_folds_into_a_button(demo, screen):
    sign_in(screen, "bithuchibo")
    link = screen.get_by_role("link", name="Kế hoạch khắc phục", exact=True)
    expect(link).to_be_hidden()
    wait_for_bootstrap(screen)
    screen.get_by_role("button", name="Menu").click()
    expect(link).to_be_visible()
    expect(screen.locator("#kd-nav")).to_have_class(re.compile(r"\bshow\b"))  # opened
    expect(screen.locator("#kd-nav")).not_to_have_class(re.compile("collapsing"))
    screen.get_by_test_id("user-menu").click()
    expect(screen.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_appraiser_goes_from_the_home_page_to_an_appraisal_and_back(demo, screen):
    screen.set_viewport_size(DESKTOP)
    sign_in(screen, "bithuxa")
    queue = screen.get_by_test_id("todo-appraisal")
    count = int(queue.locator(".badge").inner_text())
    first = queue.locator("li a").first
    name = first.inner_text()
    first.click()
    expect(screen.get_by_test_id("plan-status")).to_have_text("Chờ thẩm định")
    expect(screen.get_by_test_id("next-step")).to_contain_text("chờ đồng chí thẩm định")
    screen.get_by_role("button", name="Đạt yêu cầu").click()
    expect(screen.get_by_test_id("plan-status")).to_have_text("Đạt yêu cầu, chờ tập thể quyết định")
    screen.get_by_role("link", name="Việc cần làm").click()
    if count > 1:
        expect(screen.get_by_test_id("todo-appraisal").locator(".badge")).to_have_text(
            str(count - 1)
        )
        expect(screen.get_by_test_id("todo-appraisal")).not_to_contain_text(name)
    else:
        expect(screen.get_by_test_id("todo-appraisal")).to_have_count(0)


def test_cell_secretary_finds_the_grounds_of_the_returned_plan(demo, screen):
    sign_in(screen, "bithuchibo")
    returned = screen.get_by_test_id("todo-returned")
    expect(returned).to_contain_text("lý do")
    returned.locator("a").first.click()
    grounds = screen.get_by_test_id("return-grounds")
    expect(grounds).to_contain_text("Lý do trả lại")
    expect(grounds).to_contain_text("Việc cần làm: sửa các nội dung")


RECORD_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_chart_calendar_and_pickers_run_under_the_csp(demo, page):
    """The scripts these pages add (Chart.js, the calendar, the pickers) are files of the app:
    under the Content-Security-Policy (no bypass here) nothing is refused and they work."""
    page.add_init_script(RECORD_CSP)
    page.set_viewport_size(DESKTOP)
    sign_in(page, "vanphong")
    cycle = ReviewCycle.objects.get()
    user = get_user_model().objects.get(username="vanphong")
    unit = dashboard_selectors.default_unit(user, cycle)
    page.goto(reverse("dashboard:cycle-unit", args=[cycle.pk, unit.pk]))
    page.wait_for_load_state("load")
    assert page.evaluate("!!Chart.getChart(document.getElementById('progress-chart'))")
    # The table of all figures is loaded when its box is opened, not with the page.
    assert page.get_by_test_id("all-figures").count() == 0
    with page.expect_response("**/so-lieu/**"):
        page.get_by_text("Tất cả số liệu của các đơn vị trực thuộc").click()
    expect(page.get_by_test_id("all-figures").locator("tbody tr").first).to_be_visible()
    assert page.evaluate("window.__csp") == []
    returned = RemediationPlan.objects.visible_to(user).filter(status="returned").first()
    page.goto(returned.get_absolute_url())
    page.wait_for_load_state("load")
    page.locator("#add_due_date + button").click()  # the "Lịch" button of the deadline
    expect(page.locator(".kd-calendar .datepicker-picker")).to_be_visible()
    page.locator(".kd-calendar .datepicker-cell.day:not(.disabled)").nth(10).click()
    expect(page.get_by_label("Thời hạn hoàn thành")).to_have_value(re.compile(r"\d\d/\d\d/\d{4}"))
    with page.expect_response("**/chon-don-vi/**"):
        page.get_by_label("Tổ chức chịu trách nhiệm").fill("thon")
    assert page.evaluate("window.__csp") == []


def test_typing_in_a_date_field_while_the_page_loads_is_not_lost(demo, page):
    """The calendar button is added by moving the field into an input group; someone already
    typing in it (the page still loading on a slow intranet) keeps the caret and what they type."""
    page.set_viewport_size(DESKTOP)
    sign_in(page, "vanphong")
    page.goto(reverse("audit-list"))
    page.wait_for_load_state("load")
    page.evaluate(
        """() => {
          const box = document.createElement("div");
          box.innerHTML = '<label for="late-day">Ngày</label><input id="late-day" data-datepicker>';
          document.querySelector("main").appendChild(box);
          const field = document.getElementById("late-day");
          field.focus();
          field.value = "10/01";
          field.setSelectionRange(5, 5);
          box.dispatchEvent(new Event("htmx:load", { bubbles: true }));
        }"""
    )
    field = page.locator("#late-day")
    expect(field.locator("xpath=..")).to_have_class(re.compile(r"\bkd-date\b"))
    page.keyboard.type("/2026")
    expect(field).to_have_value("10/01/2026")


def test_every_table_box_that_scrolls_is_reachable_by_keyboard(demo, screen):
    """A table wider than the phone scrolls in its box: app.js makes every box without its own
    tabindex a focusable region named after its caption or card (axe:
    scrollable-region-focusable)."""
    sign_in(screen, "vanphong")
    screen.goto(reverse("classification:round-list"))
    screen.wait_for_load_state("load")
    boxes = screen.eval_on_selector_all(
        ".table-responsive",
        "els => els.map(e => [e.getAttribute('tabindex'), e.getAttribute('role'),"
        " e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')])",
    )
    assert boxes, "the rounds list has a table"
    assert all(tab == "0" and role == "region" and name for tab, role, name in boxes), boxes
