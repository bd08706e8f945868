"""Oversight in a real browser (issue 14): a working group is set up and assigned; the unit's plan
goes to it; it returns the plan; the unit fixes it; the group accepts; six months later it files
an assessment; the unit sees it and acknowledges. Then a directive's draft collects comments and
becomes a plan whose task is tracked to verification. Every page visited fits a 375 px phone,
passes axe-core (WCAG 2.1 AA) and uses each id once."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from conftest import START, _person_with_login
from e2e.conftest import login
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole, UnitKind, WorkingGroup
from kiemdiem.org.tests.factories import UnitFactory
from kiemdiem.oversight.models import Assessment, ImplementationPlan
from kiemdiem.oversight.tests.helpers import commune_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
AXE = (settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js").read_text()
AXE_RUN = """async () => {
  const r = await axe.run(document.querySelector('main'), {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'],
  });
  return r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' '))
    .join(' | '));
}"""
# The content of the page, not the top bar (whose phone layout is issue 11's).
OVERFLOW = """(() => {
  const m = document.querySelector('main');
  return m.scrollWidth > m.clientWidth + 1;
})()"""
DUPLICATE_IDS = """(() => {
  const seen = {};
  document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
  return Object.keys(seen).filter(k => seen[k] > 1);
})()"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 375, "height": 740},
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def check(page) -> None:
    """The page as it is now: fits the phone, no axe violation, ids used once."""
    page.add_script_tag(content=AXE)
    problems = [f"axe {v}" for v in page.evaluate(AXE_RUN)]
    if page.evaluate(OVERFLOW):
        problems.append("wider than the phone")
    problems += [f"id used twice: {i}" for i in page.evaluate(DUPLICATE_IDS)]
    assert not problems, (page.url, problems)


def logout(page):
    """Sign out: on the phone the menu is folded, so the session cookie is simply dropped."""
    page.context.clear_cookies()
    page.goto("/dang-nhap/")


@pytest.fixture
def people(org_tree):
    """Province A's standing member and its Organization Board's deputy head (future group
    leader and member), and commune A1's secretary."""
    board = UnitFactory(
        code="BTC38",
        name="Ban Tổ chức Tỉnh ủy",
        kind=UnitKind.ADVISORY_BOARD,
        parent=org_tree.province_a,
    )
    out = {"board": board}
    for username, name, unit, role in [
        ("totruong", "Lê Văn Trưởng", org_tree.province_a, PositionRole.STANDING_MEMBER),
        ("tovien", "Hoàng Thị Viên", board, PositionRole.DEPUTY_HEAD),
        ("bithu_xa", "Ngô Văn Xã", org_tree.district_a1, PositionRole.SECRETARY),
    ]:
        user, person = _person_with_login(username, name)
        org_services.position_add(person=person, unit=unit, role=role, valid_from=START, by=SYSTEM)
        out[username] = user
    return out


def test_group_oversees_a_unit_and_a_directive_is_carried_out(
    phone, org_tree, office, open_cycle, people, travel_to
):
    page = phone
    # 1. The province office sets up working group no. 1 and assigns commune A1 to it.
    login(page, "vanphong_a")
    page.goto(reverse("oversight:index"))
    page.get_by_test_id("group-create-open").click()  # the form loads when asked for
    form = page.get_by_test_id("group-create")
    expect(form.get_by_label("Tên tổ công tác")).to_be_focused()
    check(page)  # the card with its form, on the phone
    form.get_by_label("Tên tổ công tác").fill("Tổ công tác số 1")
    form.get_by_label("Số, ký hiệu quyết định thành lập").fill("462-QĐ/TU")
    form.get_by_label("Ngày quyết định").fill("05/01/2026")
    form.get_by_label("Hoạt động từ ngày").fill("05/01/2026")
    form.get_by_role("button", name="Thành lập tổ").click()
    expect(page.get_by_role("heading", name="Tổ công tác số 1")).to_be_visible()
    for name, role in (("Lê Văn Trưởng", "Tổ trưởng"), ("Hoàng Thị Viên", "Thành viên")):
        form = page.get_by_test_id("member-add")
        form.get_by_label("Thành viên").select_option(label=name)
        form.get_by_label("Vai trò").select_option(label=role)
        form.get_by_label("Từ ngày").fill("05/01/2026")
        form.get_by_role("button", name="Thêm thành viên").click()
        expect(page.get_by_test_id("members")).to_contain_text(name)
    form = page.get_by_test_id("group-assign")
    form.get_by_test_id("picker-unit").get_by_label("Đảng bộ xã Quảng Phú").check()
    form.get_by_label("Từ ngày").fill("05/01/2026")
    form.get_by_label("Số, ký hiệu văn bản phân công").fill("463-CV/TU")
    form.get_by_label("Ngày văn bản").fill("05/01/2026")
    form.get_by_role("button", name="Giao đơn vị").click()
    expect(page.get_by_test_id("assignments")).to_contain_text("Đảng bộ xã Quảng Phú")
    check(page)
    group = WorkingGroup.objects.get(name="Tổ công tác số 1")
    page.goto(reverse("oversight:member-assign"))  # the form as a page of its own (no script)
    expect(page.get_by_test_id("member-assign")).to_be_visible()
    check(page)
    logout(page)

    # 2. The commune's plan goes to the standing committee and the group.
    plan = commune_plan(open_cycle, org_tree, people["bithu_xa"])
    plan_url = plan.get_absolute_url()
    login(page, "bithu_xa")
    page.goto(plan_url)
    page.get_by_role("button", name="Nộp kế hoạch").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Chờ thẩm định")
    assert plan.recipients.filter(working_group=group).exists()
    logout(page)

    # 3. The group's member returns it: no completion milestones per quarter.
    login(page, "tovien")
    page.goto(group.get_absolute_url())
    page.get_by_test_id("group-awaiting").get_by_role("link").first.click()
    page.get_by_label("Không có mốc thời gian hoàn thành").check()
    page.get_by_label("Nhận xét, yêu cầu").fill("Cần mốc hoàn thành từng quý")
    page.get_by_role("button", name="Trả lại, yêu cầu chuẩn bị lại").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Bị trả lại, chuẩn bị lại")
    logout(page)

    # 4. The unit hears of it under the bell, fixes the plan and submits it again.
    login(page, "bithu_xa")
    expect(page.get_by_test_id("bell")).to_contain_text("1")
    page.get_by_test_id("bell").click()
    check(page)
    page.get_by_role("link", name="bị trả lại").first.click()
    page.get_by_role("link", name="Sửa").first.click()
    page.get_by_label("Thời hạn hoàn thành").fill("31/03/2026")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_role("button", name="Nộp kế hoạch").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Chờ thẩm định")
    logout(page)

    # 5. The group accepts it.
    login(page, "tovien")
    page.goto(plan_url)
    page.get_by_test_id("accept-form").get_by_role("button", name="Đạt yêu cầu").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Đạt yêu cầu")
    logout(page)

    # 6. Six months later the group files its assessment; the leader sends it.
    travel_to(D(2026, 7, 3))
    login(page, "tovien")
    page.goto(group.get_absolute_url())
    form = page.get_by_test_id("assessment-create")
    form.get_by_label("Đơn vị").select_option(label="Đảng bộ xã Quảng Phú")
    form.get_by_label("Kỳ báo cáo").select_option(index=0)
    form.get_by_role("button", name="Lập nhận xét (số liệu điền sẵn)").click()
    expect(page.get_by_test_id("figures")).to_contain_text("Tổng số nội dung khắc phục")
    page.get_by_label("Nhận xét, đánh giá việc khắc phục").fill(
        "Đơn vị khắc phục nghiêm túc; cần đẩy nhanh nội dung quá hạn."
    )
    page.get_by_role("button", name="Lưu nhận xét").click()
    check(page)
    logout(page)
    login(page, "totruong")
    assessment = Assessment.objects.get(group=group)
    page.goto(assessment.get_absolute_url())
    page.get_by_role("button", name="Gửi Ban Thường vụ và thông báo đơn vị").click()
    expect(page.get_by_test_id("assessment-status")).to_contain_text("Đã gửi")
    logout(page)

    # 7. The unit sees it and acknowledges.
    login(page, "bithu_xa")
    page.goto(reverse("oversight:index"))
    page.get_by_test_id("to-acknowledge").get_by_role("link").first.click()
    page.get_by_label("Ý kiến của đơn vị (nếu có)").fill("Đơn vị tiếp thu, khắc phục trong quý III")
    page.get_by_role("button", name="Xác nhận đã nhận").click()
    expect(page.get_by_test_id("assessment-status")).to_contain_text("Đơn vị đã nhận")
    check(page)
    logout(page)

    # 8. A directive's draft collects comments and becomes a plan whose task is tracked.
    login(page, "vanphong_a")
    page.goto(reverse("oversight:implementation-list"))
    form = page.get_by_test_id("implementation-create")
    form.get_by_label("Trích yếu").fill("Kế hoạch thực hiện Nghị quyết Trung ương 4")
    form.get_by_label("Nghị quyết, chỉ thị được thực hiện").fill("Nghị quyết số 12-NQ/TW")
    form.get_by_label("Nội dung dự thảo (lần 1)").fill("I. Mục đích\nII. Nhiệm vụ")
    form.get_by_role("button", name="Lập dự thảo").click()
    expect(page.get_by_test_id("implementation-status")).to_have_text("Dự thảo, lấy ý kiến")
    for author in ("Ban Tổ chức Tỉnh ủy", "Đại biểu hội nghị cán bộ chủ chốt"):
        form = page.get_by_test_id("comment-add")
        form.get_by_label("Người, đơn vị góp ý").fill(author)
        form.get_by_label("Nội dung góp ý").fill("Đề nghị giao thời hạn cụ thể")
        form.get_by_role("button", name="Ghi nhận góp ý").click()
    expect(page.get_by_test_id("comment-count")).to_have_text("2")
    for i in range(2):  # each comment taken in (the default answer)
        row = page.get_by_test_id("comments").locator("tbody tr").nth(i)
        row.get_by_text("Xem xét").click()
        row.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_test_id("comments")).not_to_contain_text("Chưa xem xét")
    form = page.get_by_test_id("task-add")
    form.get_by_label("Nội dung nhiệm vụ").fill("Tham mưu cơ chế lấy phiếu tín nhiệm hằng năm")
    picker = form.get_by_test_id("picker-lead_unit")
    picker.get_by_role("searchbox").fill("ban to chuc")  # by name, accents not needed
    picker.get_by_label("Ban Tổ chức Tỉnh ủy").check()
    form.get_by_label("Thời hạn hoàn thành").fill("30/09/2026")
    form.get_by_role("button", name="Giao nhiệm vụ").click()
    expect(page.get_by_test_id("tasks")).to_contain_text("lấy phiếu tín nhiệm")
    form = page.get_by_test_id("implementation-adopt")
    form.get_by_label("Số, ký hiệu kế hoạch").fill("16-KH/TU")
    form.get_by_label("Ngày ban hành").fill("03/07/2026")
    form.get_by_role("button", name="Ban hành, giao nhiệm vụ").click()
    expect(page.get_by_test_id("implementation-status")).to_have_text("Đã ban hành")
    check(page)
    logout(page)

    login(page, "tovien")  # the Organization Board leads the task
    task = ImplementationPlan.objects.get(number="16-KH/TU").tasks.get()
    page.goto(task.get_absolute_url())
    form = page.get_by_test_id("task-progress")
    form.get_by_label("Tình trạng").select_option(label="Báo cáo hoàn thành")
    form.get_by_label("Mức độ hoàn thành (%)").fill("100")
    form.get_by_label("Kết quả thực hiện").fill("Đã trình Ban Thường vụ ban hành quy định")
    form.get_by_label("Tệp minh chứng").set_input_files(
        {"name": "to-trinh.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_role("button", name="Báo cáo").click()
    expect(page.get_by_test_id("task-status")).to_have_text("Báo cáo hoàn thành")
    logout(page)
    login(page, "vanphong_a")
    page.goto(task.get_absolute_url())
    page.get_by_test_id("task-verify").get_by_role("button", name="Ghi kết quả").click()
    expect(page.get_by_test_id("task-status")).to_have_text("Đã xác nhận hoàn thành")
    check(page)
