import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kiemdiem.remediation import services
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reviews import services as review_services

D = datetime.date
PDF = b"%PDF-1.4\n%%EOF\n"

PLAN_URLS = [
    ("get", "remediation:plan-detail"),
    ("post", "remediation:action-add"),
    ("post", "remediation:plan-submit"),
    ("post", "remediation:plan-return"),
    ("post", "remediation:plan-accept"),
    ("post", "remediation:plan-adopt"),
]
ACTION_URLS = [
    ("get", "remediation:action-detail"),
    ("get", "remediation:action-edit"),
    ("post", "remediation:action-remove"),
    ("post", "remediation:action-progress"),
    ("post", "remediation:action-verify"),
    ("post", "remediation:action-cancel"),
    ("post", "remediation:action-replace"),
]


@pytest.fixture
def plan(open_cycle, org_tree, office):
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(
        review=plan.review, by=office, text="Sinh hoạt chưa đều", area="leadership"
    )
    return plan


@pytest.fixture
def action(plan, office, org_tree):
    return services.action_add(
        plan=plan,
        by=office,
        content="Đổi mới sinh hoạt",
        findings=list(plan.review.findings.all()),
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )


@pytest.mark.parametrize(("method", "name"), PLAN_URLS)
def test_outsider_gets_404_on_plan_urls(client, plan, outsider, method, name):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[plan.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "name"), ACTION_URLS)
def test_outsider_gets_404_on_action_urls(client, action, outsider, method, name):
    client.force_login(outsider)
    assert getattr(client, method)(reverse(name, args=[action.pk])).status_code == 404


def test_outsider_gets_404_on_evidence(client, plan, action, office, outsider):
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    action.refresh_from_db()
    services.action_record_progress(
        action=action,
        status="done",
        percent=100,
        narrative="Xong",
        by=office,
        files=[SimpleUploadedFile("bb.pdf", PDF)],
    )
    evidence = action.updates.get().evidence.get()
    url = reverse("remediation:evidence-download", args=[evidence.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(office)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("name", ["remediation:plan-detail", "remediation:plan-list"])
def test_allowed_users_open_plan_pages(client, plan, unit_head, office, name):
    args = [plan.pk] if name.endswith("detail") else []
    for user in (unit_head, office):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 200


def test_action_detail_opens_for_office(client, action, office):
    client.force_login(office)
    assert client.get(reverse("remediation:action-detail", args=[action.pk])).status_code == 200
    assert client.get(reverse("remediation:action-edit", args=[action.pk])).status_code == 200


def test_submit_refusal_lists_problems_in_page(client, plan, office):
    services.action_add(
        plan=plan, by=office, content="Thiếu hạn", findings=list(plan.review.findings.all())
    )
    client.force_login(office)
    response = client.post(
        reverse("remediation:plan-submit", args=[plan.pk]), {"version": plan.version}
    )
    html = response.content.decode()
    assert "Chưa nộp được kế hoạch:" in html
    assert "Mục 1: chưa có mốc thời gian hoàn thành." in html
    assert "Mục 1: chưa nêu rõ tổ chức, cá nhân chịu trách nhiệm thực hiện." in html
    assert RemediationPlan.objects.get(pk=plan.pk).status == "draft"


def test_add_item_with_bad_date_is_refused(client, plan, office):
    client.force_login(office)
    response = client.post(
        reverse("remediation:action-add", args=[plan.pk]),
        {"content": "x", "due_date": "32/13/2026"},
    )
    assert "dd/mm/yyyy" in response.content.decode()
    assert not plan.actions.exists()


def test_return_needs_grounds_then_works(client, plan, action, office, unit_head):
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    client.force_login(office)
    url = reverse("remediation:plan-return", args=[plan.pk])
    response = client.post(url, {"version": plan.version, "remarks": "Chưa rõ"})
    assert "ít nhất một lý do" in response.content.decode()
    response = client.post(
        url, {"version": plan.version, "grounds": ["no_responsible"], "remarks": "Nêu rõ"}
    )
    assert response.status_code == 302
    assert RemediationPlan.objects.get(pk=plan.pk).status == "returned"


def test_unit_head_cannot_appraise_own_plan(client, plan, action, office, unit_head):
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    client.force_login(unit_head)
    response = client.post(
        reverse("remediation:plan-accept", args=[plan.pk]), {"version": plan.version}
    )
    assert response.status_code == 403


def test_appraiser_sees_changes_since_last_submission(client, plan, action, office):
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_return(plan=plan, grounds=["not_feasible"], remarks="", by=office)
    action.refresh_from_db()
    services.action_update(action=action, by=office, content="Mỗi quý một chuyên đề")
    plan.refresh_from_db()
    services.plan_submit(plan=plan, by=office)
    client.force_login(office)
    html = client.get(reverse("remediation:plan-detail", args=[plan.pk])).content.decode()
    assert "Thay đổi so với lần nộp trước" in html
    assert "Đổi mới sinh hoạt → Mỗi quý một chuyên đề" in html


def test_progress_with_wrong_file_type_is_refused(client, plan, action, office):
    services.plan_submit(plan=plan, by=office)
    plan.refresh_from_db()
    services.plan_accept(plan=plan, by=office)
    action.refresh_from_db()
    client.force_login(office)
    response = client.post(
        reverse("remediation:action-progress", args=[action.pk]),
        {
            "version": action.version,
            "status": "done",
            "percent": 100,
            "narrative": "Xong",
            "files": [SimpleUploadedFile("a.exe", b"MZ")],
        },
    )
    assert "không được phép" in response.content.decode()
    assert PlanAction.objects.get(pk=action.pk).status == "open"


def test_stale_item_edit_is_refused(client, plan, action, office):
    client.force_login(office)
    url = reverse("remediation:action-edit", args=[action.pk])
    stale = action.version
    data = {
        "content": "Bản A",
        "due_date": "30/06/2026",
        "responsible_unit": "CB38A1",
        "version": stale,
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "content": "Bản B"})
    assert "vừa được người khác thay đổi" in response.content.decode()
    assert PlanAction.objects.get(pk=action.pk).content == "Bản A"


def test_plan_list_query_ceiling(client, open_cycle, office, django_assert_max_num_queries):
    client.force_login(office)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("remediation:plan-list")).status_code == 200
