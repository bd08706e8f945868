"""Issue 16 story: the committee office numbers a remediation plan, finds it in the register,
enters a document made outside the system; the pages fit a phone and pass axe-core."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import expect

from e2e.test_pages_browser import demo, problems_of, screen, sign_in  # noqa: F401 (fixtures)
from kiemdiem.documents.models import DocumentBundle, OutgoingDocument
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.remediation.permissions import can_adopt_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_numbers_a_plan_and_keeps_the_register(demo, screen):  # noqa: F811
    office = User.objects.get(username="vanphong")
    plan = next(
        p
        for p in RemediationPlan.objects.filter(person__isnull=True).select_related("review")
        if can_adopt_plan(office, p)
    )
    sign_in(screen, "vanphong")
    screen.goto(plan.get_absolute_url())
    with screen.expect_download() as draft:
        screen.get_by_test_id("document-docx").click()
    assert draft.value.suggested_filename.endswith("-du-thao.docx")
    screen.get_by_test_id("document-issue").click()  # the form comes in its place (htmx)
    expect(screen.get_by_test_id("document-issue-form").locator("select")).to_be_focused()
    screen.get_by_test_id("document-issue-submit").click()
    expect(screen.get_by_test_id("document-number")).to_be_visible()
    doc = OutgoingDocument.objects.get()
    expect(screen.get_by_test_id("document-number")).to_contain_text(f"Đã cấp số {doc.symbol}")
    expect(screen.locator(".alert").filter(has_text=f"Đã cấp số {doc.symbol}")).to_be_visible()

    register = reverse("documents:register", args=[plan.unit_id])
    screen.goto(register)
    expect(screen.get_by_role("cell", name=doc.symbol, exact=True)).to_be_visible()
    form = screen.get_by_test_id("enter-document")
    form.locator("#id_manual_number").fill(f"{doc.number}")
    form.get_by_label("Ngày ban hành").fill("05/01/2026")
    form.get_by_label("Trích yếu").fill("Kế hoạch làm ngoài hệ thống")
    form.get_by_role("button", name="Vào sổ").click()
    expect(screen.get_by_text("đã được dùng trong sổ văn bản đi")).to_be_visible()
    assert OutgoingDocument.objects.count() == 1

    # The register's row, the unit's templates, and the unit's documents as one ZIP.
    screen.get_by_role("link", name=doc.symbol, exact=True).click()
    expect(screen.get_by_test_id("attach-signed")).to_be_visible()
    document = screen.url
    templates = reverse("documents:templates", args=[plan.unit_id])
    bundles = reverse("documents:bundles", args=[plan.unit_id])
    screen.goto(bundles)
    form = screen.get_by_test_id("bundle-form")
    form.get_by_label("Loại văn bản").select_option(label="Kế hoạch khắc phục hạn chế, khuyết điểm")
    form.get_by_label("Đợt kiểm điểm").select_option(str(plan.cycle_id))
    form.get_by_role("button", name="Tạo tập ZIP").click()
    expect(screen.get_by_text("Tập kế hoạch khắc phục")).to_be_visible()  # the job's page
    bundle = DocumentBundle.objects.get()
    assert bundle.count == 1 and bundle.file

    pages = [plan.get_absolute_url(), register, document, templates, bundles]
    found = [problem for url in pages for problem in problems_of(screen, url)]
    found += problems_of(screen, bundle.get_absolute_url())
    assert found == [], "\n".join(found)
