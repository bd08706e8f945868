import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import START, conclude_review, make_user
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import AccessRole
from kiemdiem.remediation import services
from kiemdiem.remediation.models import (
    Appraisal,
    PlanAction,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)

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


@pytest.mark.parametrize(("method", "name"), PLAN_URLS)
def test_outsider_gets_404_on_plan_urls(client, plan, outsider, method, name):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[plan.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "name"), ACTION_URLS)
def test_outsider_gets_404_on_action_urls(client, action, outsider, method, name):
    client.force_login(outsider)
    assert getattr(client, method)(reverse(name, args=[action.pk])).status_code == 404


def submitted(plan, by):
    conclude_review(plan.review, by)
    services.plan_submit(plan=plan, by=by)
    plan.refresh_from_db()
    return plan


def accepted(plan, action, preparer, appraiser):
    submitted(plan, preparer)
    services.plan_accept(plan=plan, by=appraiser)
    plan.refresh_from_db()
    action.refresh_from_db()
    return plan


def pdf_file(name="bb.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def report_done(action, by):
    """`by` reports the item done, with a PDF as evidence."""
    services.action_record_progress(
        action=action, status="done", percent=100, narrative="Xong", by=by, files=[pdf_file()]
    )


def test_outsider_gets_404_on_evidence(client, plan, action, cell_secretary, appraiser, outsider):
    accepted(plan, action, cell_secretary, appraiser)
    report_done(action, cell_secretary)
    evidence = action.updates.get().evidence.get()
    url = reverse("remediation:evidence-download", args=[evidence.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(appraiser)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("name", ["remediation:plan-detail", "remediation:plan-list"])
def test_allowed_users_open_plan_pages(client, plan, unit_head, office, appraiser, name):
    args = [plan.pk] if name.endswith("detail") else []
    for user in (unit_head, office, appraiser):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 200


def test_action_detail_opens_for_office(client, action, office):
    client.force_login(office)
    assert client.get(reverse("remediation:action-detail", args=[action.pk])).status_code == 200
    assert client.get(reverse("remediation:action-edit", args=[action.pk])).status_code == 200


def test_submit_refusal_lists_problems_in_page(client, plan, cell_secretary):
    services.action_add(
        plan=plan, by=cell_secretary, content="Thiếu hạn", findings=list(plan.review.findings.all())
    )
    client.force_login(cell_secretary)
    response = client.post(
        reverse("remediation:plan-submit", args=[plan.pk]), {"version": plan.version}
    )
    html = response.content.decode()
    assert "Chưa nộp được kế hoạch:" in html
    assert "Mục 1: chưa có mốc thời gian hoàn thành." in html
    assert "Mục 1: chưa nêu rõ tổ chức, cá nhân chịu trách nhiệm thực hiện." in html
    assert RemediationPlan.objects.get(pk=plan.pk).status == "draft"


def test_add_item_with_bad_date_is_refused(client, plan, cell_secretary):
    client.force_login(cell_secretary)
    response = client.post(
        reverse("remediation:action-add", args=[plan.pk]),
        {"content": "x", "due_date": "32/13/2026"},
    )
    assert "dd/mm/yyyy" in response.content.decode()
    assert not plan.actions.exists()


def test_return_needs_grounds_then_works(client, plan, action, cell_secretary, appraiser):
    submitted(plan, cell_secretary)
    client.force_login(appraiser)
    url = reverse("remediation:plan-return", args=[plan.pk])
    response = client.post(url, {"version": plan.version, "remarks": "Chưa rõ"})
    assert "ít nhất một lý do" in response.content.decode()
    response = client.post(
        url, {"version": plan.version, "grounds": ["no_responsible"], "remarks": "Nêu rõ"}
    )
    assert response.status_code == 302
    assert RemediationPlan.objects.get(pk=plan.pk).status == "returned"
    appraisal = Appraisal.objects.get(submission__plan=plan)
    assert (appraisal.decided_by, appraisal.recipient_kind) == (appraiser, "standing_committee")


def test_standing_member_of_the_recipient_accepts(
    client, plan, action, cell_secretary, second_appraiser
):
    submitted(plan, cell_secretary)
    client.force_login(second_appraiser)
    response = client.post(
        reverse("remediation:plan-accept", args=[plan.pk]), {"version": plan.version}
    )
    assert response.status_code == 302
    assert RemediationPlan.objects.get(pk=plan.pk).status == "accepted"


def _refused(client, url, data, reason):
    """POST is refused with 403 showing `reason`; returns nothing (callers check the data)."""
    response = client.post(url, data)
    assert response.status_code == 403
    assert reason in response.content.decode()


APPRAISE = ["remediation:plan-accept", "remediation:plan-return"]


@pytest.mark.parametrize("name", APPRAISE)
def test_higher_ancestor_office_sees_but_cannot_appraise(
    client, plan, action, cell_secretary, office, name
):
    submitted(plan, cell_secretary)
    client.force_login(office)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "Chỉ nơi nhận kế hoạch" in html and 'data-testid="appraise-reason"' in html
    assert 'data-testid="accept-form"' not in html
    data = {"version": plan.version, "grounds": ["not_feasible"]}
    _refused(client, reverse(name, args=[plan.pk]), data, "Chỉ nơi nhận kế hoạch")
    assert RemediationPlan.objects.get(pk=plan.pk).status == "submitted"
    assert not Appraisal.objects.exists()


@pytest.mark.parametrize("name", APPRAISE)
def test_cell_leaders_cannot_appraise_their_own_plan(
    client, plan, action, cell_secretary, unit_head, name
):
    submitted(plan, cell_secretary)
    for user in (cell_secretary, unit_head):
        client.force_login(user)
        data = {"version": plan.version, "grounds": ["not_feasible"]}
        _refused(client, reverse(name, args=[plan.pk]), data, "Chỉ nơi nhận kế hoạch")
    assert RemediationPlan.objects.get(pk=plan.pk).status == "submitted"
    assert not Appraisal.objects.exists()


@pytest.mark.parametrize("name", APPRAISE)
def test_submitter_cannot_appraise_own_submission(
    client, plan, org_tree, appraiser, second_appraiser, name
):
    # The recipient's office helps prepare (it may: it manages the cell), and submits.
    services.action_add(
        plan=plan,
        by=second_appraiser,
        content="Đổi mới sinh hoạt",
        findings=list(plan.review.findings.all()),
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    submitted(plan, appraiser)
    client.force_login(appraiser)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "Người nộp kế hoạch không tự thẩm định" in html
    data = {"version": plan.version, "grounds": ["not_feasible"]}
    _refused(client, reverse(name, args=[plan.pk]), data, "Người nộp kế hoạch không tự thẩm định")
    assert RemediationPlan.objects.get(pk=plan.pk).status == "submitted"
    # Nor does whoever wrote the items, though someone else submitted.
    client.force_login(second_appraiser)
    _refused(client, reverse(name, args=[plan.pk]), data, "Người đã soạn nội dung khắc phục")
    assert not Appraisal.objects.exists()


def test_reporter_of_done_cannot_verify_it(client, plan, action, cell_secretary, appraiser):
    accepted(plan, action, cell_secretary, appraiser)
    # The recipient's office reports the item done itself (it manages the cell) ...
    report_done(action, appraiser)
    action.refresh_from_db()
    client.force_login(appraiser)
    url = action.get_absolute_url()
    html = client.get(url).content.decode()
    assert "Người báo cáo hoàn thành không tự xác nhận" in html
    assert 'data-testid="verify-form"' not in html
    verify = reverse("remediation:action-verify", args=[action.pk])
    data = {"version": action.version, "accept": "1"}
    _refused(client, verify, data, "Người báo cáo hoàn thành không tự xác nhận")
    assert PlanAction.objects.get(pk=action.pk).status == "done"


@pytest.mark.parametrize("who", ["cell_secretary", "office"])
def test_only_a_recipient_verifies(client, request, plan, action, cell_secretary, appraiser, who):
    accepted(plan, action, cell_secretary, appraiser)
    report_done(action, cell_secretary)
    action.refresh_from_db()
    client.force_login(request.getfixturevalue(who))
    verify = reverse("remediation:action-verify", args=[action.pk])
    data = {"version": action.version, "accept": "1"}
    _refused(client, verify, data, "Chỉ nơi nhận kế hoạch")
    assert PlanAction.objects.get(pk=action.pk).status == "done"
    # The recipient's office, who did not report it, verifies.
    client.force_login(appraiser)
    assert client.post(verify, data).status_code == 302
    assert PlanAction.objects.get(pk=action.pk).status == "verified"


def test_awaiting_list_shows_plans_of_the_recipient_only(
    client, plan, action, cell_secretary, appraiser, office
):
    submitted(plan, cell_secretary)
    url = reverse("remediation:queue-appraisal")
    client.force_login(appraiser)
    assert plan.get_absolute_url() in client.get(url).content.decode()
    client.force_login(office)
    assert plan.get_absolute_url() not in client.get(url).content.decode()


def test_unit_and_appraiser_both_see_changes_between_rounds(
    client, plan, action, cell_secretary, appraiser
):
    submitted(plan, cell_secretary)
    services.plan_return(plan=plan, grounds=["not_feasible"], remarks="", by=appraiser)
    action.refresh_from_db()
    services.action_update(action=action, by=cell_secretary, content="Mỗi quý một chuyên đề")
    plan.refresh_from_db()
    services.plan_submit(plan=plan, by=cell_secretary)
    for user in (appraiser, cell_secretary):
        client.force_login(user)
        html = client.get(reverse("remediation:plan-detail", args=[plan.pk])).content.decode()
        assert "Thay đổi của lần nộp thứ 2 so với lần nộp trước" in html, user
        assert "Đổi mới sinh hoạt → Mỗi quý một chuyên đề" in html, user


def test_returned_plan_shows_grounds_and_remarks_at_the_top(
    client, plan, action, cell_secretary, appraiser
):
    submitted(plan, cell_secretary)
    services.plan_return(
        plan=plan, grounds=["no_deadline", "not_feasible"], remarks="Nêu mốc cụ thể", by=appraiser
    )
    client.force_login(cell_secretary)
    html = client.get(reverse("remediation:plan-detail", args=[plan.pk])).content.decode()
    top = html[html.index('data-testid="return-grounds"') : html.index('id="findings-h"')]
    assert "Không có mốc thời gian hoàn thành" in top and "Không khả thi" in top
    assert "Nêu mốc cụ thể" in top and "Nộp kế hoạch” ở cuối trang" in top
    assert html.index('data-testid="return-grounds"') < html.index('data-testid="plan-items"')


def test_each_person_sees_only_their_actions_and_why_not_the_others(
    client, plan, action, cell_secretary, appraiser, member
):
    submitted(plan, cell_secretary)
    services.plan_accept(plan=plan, by=appraiser)
    url = reverse("remediation:plan-detail", args=[plan.pk])
    # The unit records its collective's decision; the appraiser is not offered that form.
    client.force_login(cell_secretary)
    html = client.get(url).content.decode()
    assert reverse("remediation:plan-adopt", args=[plan.pk]) in html
    client.force_login(appraiser)
    html = client.get(url).content.decode()
    assert reverse("remediation:plan-adopt", args=[plan.pk]) not in html
    assert 'data-testid="adopt-reason"' in html and "việc ghi nhận quyết định ban hành" in html
    data = {"version": plan.version, "decision_date": "10/01/2026", "decision_ref": "NQ 1"}
    assert client.post(reverse("remediation:plan-adopt", args=[plan.pk]), data).status_code == 403
    assert RemediationPlan.objects.get(pk=plan.pk).status == "accepted"
    # A member sees the plan of their cell, and why they cannot record the decision.
    client.force_login(member)
    html = client.get(url).content.decode()
    assert reverse("remediation:plan-adopt", args=[plan.pk]) not in html
    assert "Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị" in html


def test_forms_of_one_page_have_unique_ids(client, plan, action, cell_secretary, appraiser):
    import re
    from collections import Counter

    submitted(plan, cell_secretary)
    client.force_login(appraiser)
    html = client.get(reverse("remediation:plan-detail", args=[plan.pk])).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    assert 'for="return_id_remarks"' not in html and 'id="return_remarks"' in html


def test_second_appraiser_sees_the_first_decision(
    client, plan, action, cell_secretary, appraiser, second_appraiser
):
    submitted(plan, cell_secretary)
    loaded = plan.version  # both appraisers opened the page at this version
    client.force_login(appraiser)
    accept = reverse("remediation:plan-accept", args=[plan.pk])
    assert client.post(accept, {"version": loaded, "remarks": "Đạt"}).status_code == 302
    client.force_login(second_appraiser)
    response = client.post(
        reverse("remediation:plan-return", args=[plan.pk]),
        {"version": loaded, "grounds": ["not_feasible"], "remarks": "Chưa khả thi"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "vừa được người khác thay đổi" in html
    assert "Lần lưu gần nhất: vanphong_cs" in html
    assert "Chờ thẩm định → Đạt yêu cầu, chờ tập thể quyết định" in html
    assert "không có lần nộp nào đang chờ thẩm định" not in html
    appraisal = PlanSubmission.objects.get(plan=plan).appraisal
    assert (appraisal.decision, appraisal.decided_by) == ("accepted", appraiser)


@pytest.mark.parametrize("second_status", ["in_progress", "done"])
def test_stale_progress_report_shows_the_other_persons_report(
    client, plan, action, cell_secretary, appraiser, office, second_status
):
    accepted(plan, action, cell_secretary, appraiser)
    loaded = action.version
    url = reverse("remediation:action-progress", args=[action.pk])
    client.force_login(cell_secretary)
    done = {
        "version": loaded,
        "status": "done",
        "percent": 100,
        "narrative": "Đã tổ chức 2 chuyên đề",
        "files": [pdf_file()],
    }
    assert client.post(url, done).status_code == 302
    # The province office had the page open at the same version, and reports too.
    client.force_login(office)
    if second_status == "done":
        second = {**done, "narrative": "Cũng xong", "files": [pdf_file("khac.pdf")]}
    else:
        second = {"version": loaded, "status": "in_progress", "percent": 50, "narrative": "50%"}
    response = client.post(url, second)
    html = response.content.decode()
    assert response.status_code == 200
    assert "vừa được người khác thay đổi" in html and "Lần lưu gần nhất: bithu_chibo" in html
    assert 'data-testid="form-errors"' in html  # shown although the form is gone (item done)
    fresh = PlanAction.objects.get(pk=action.pk)
    assert (fresh.status, fresh.percent) == ("done", 100)
    assert ProgressUpdate.objects.filter(action=action).count() == 1


def test_stale_progress_on_open_item_shows_the_other_persons_report(
    client, plan, action, cell_secretary, appraiser, office
):
    accepted(plan, action, cell_secretary, appraiser)
    loaded = action.version
    url = reverse("remediation:action-progress", args=[action.pk])
    report = {"version": loaded, "status": "in_progress", "percent": 40, "narrative": "40%"}
    client.force_login(cell_secretary)
    assert client.post(url, report).status_code == 302
    client.force_login(office)
    html = client.post(url, {**report, "percent": 70, "narrative": "70%"}).content.decode()
    assert "Lần lưu gần nhất: bithu_chibo" in html and "Mức độ hoàn thành (%): 0 → 40" in html
    assert PlanAction.objects.get(pk=action.pk).percent == 40


def test_progress_with_wrong_file_type_is_refused(client, plan, action, cell_secretary, appraiser):
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)
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
    assert not ProgressUpdate.objects.exists()


def test_cancel_of_last_item_is_refused_in_page(client, plan, action, cell_secretary, appraiser):
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)  # a login is audited: count after it
    rows = AuditEvent.objects.count()
    response = client.post(
        reverse("remediation:action-cancel", args=[action.pk]),
        {"version": action.version, "reason": "Không làm nữa"},
    )
    assert "duy nhất còn hiệu lực" in response.content.decode()
    assert PlanAction.objects.get(pk=action.pk).status == "open"
    assert AuditEvent.objects.count() == rows


def test_stale_item_edit_is_refused(client, plan, action, cell_secretary):
    client.force_login(cell_secretary)
    url = reverse("remediation:action-edit", args=[action.pk])
    stale = action.version
    data = {
        "content": "Bản A",
        "due_date": "30/06/2026",
        "responsible_unit": action.responsible_unit_id,
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


def test_recipient_does_not_appraise_their_own_personal_plan(
    client, open_cycle, org_tree, office, second_appraiser
):
    # The standing-committee member of grassroots A1 is also a member of cell A1, whose plans
    # go to grassroots A1: he appraises the others' plans, never his own.
    me = second_appraiser.person
    mine = RemediationPlan.objects.filter(cycle=open_cycle, person__isnull=False).first()
    mine.person.user, me.user = second_appraiser, None
    me.save(update_fields=["user"])
    mine.person.save(update_fields=["user"])
    second_appraiser.refresh_from_db()
    assert mine.unit.parent == org_tree.grassroots_a1
    services.action_add(
        plan=mine,
        by=office,
        content="Gương mẫu sinh hoạt",
        responsible_person=mine.person,
        due_date=D(2026, 6, 30),
    )
    submitted(mine, office)
    client.force_login(second_appraiser)
    awaiting = client.get(reverse("remediation:queue-appraisal")).content.decode()
    assert mine.get_absolute_url() not in awaiting
    data = {"version": mine.version, "grounds": ["not_feasible"]}
    message = "không tự thẩm định kế hoạch khắc phục của chính mình"
    for name in APPRAISE:
        _refused(client, reverse(name, args=[mine.pk]), data, message)
    assert RemediationPlan.objects.get(pk=mine.pk).status == "submitted"
    assert not Appraisal.objects.exists()


def test_plan_history_shows_its_items_not_the_rest_of_the_unit(
    client, plan, action, open_cycle, org_tree, cell_secretary
):
    # Another plan of the same cell (a member's) gets an item too: not this plan's history.
    other = RemediationPlan.objects.filter(cycle=open_cycle, unit=org_tree.cell_a1).exclude(
        pk=plan.pk
    )[0]
    services.action_add(
        plan=other,
        by=cell_secretary,
        content="Nội dung của kế hoạch khác",
        responsible_person=other.person,
        due_date=D(2026, 6, 30),
    )
    submitted(plan, cell_secretary)
    client.force_login(cell_secretary)
    html = client.get(plan.get_absolute_url()).content.decode()
    history = html[html.index("Lịch sử thay đổi") :]
    assert "Đổi mới sinh hoạt" in history  # this plan's item row
    assert "Nơi nhận kế hoạch khi nộp lần đầu" in history  # its recipient row
    assert "Nội dung của kế hoạch khác" not in history
    # Changed fields are named in Vietnamese (the model's labels), not by their code names.
    assert "Nội dung khắc phục</span>:" in history and "<code>content</code>" not in history


def test_awaiting_list_leaves_out_plans_the_user_may_not_appraise(
    client, plan, org_tree, appraiser, second_appraiser
):
    # The recipient's office submitted it itself, and its standing member wrote the item:
    # neither finds it waiting (can_appraise_plan refuses both), a third recipient does.
    services.action_add(
        plan=plan,
        by=second_appraiser,
        content="Đổi mới sinh hoạt",
        findings=list(plan.review.findings.all()),
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    submitted(plan, appraiser)
    url = reverse("remediation:queue-appraisal")
    for user in (appraiser, second_appraiser):
        client.force_login(user)
        assert plan.get_absolute_url() not in client.get(url).content.decode(), user
    third = make_user("vanphong_cs2")
    org_services.access_grant(
        user=third, unit=org_tree.grassroots_a1, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    client.force_login(third)
    assert plan.get_absolute_url() in client.get(url).content.decode()


def test_recipient_does_not_verify_items_of_their_own_personal_plan(
    client, open_cycle, org_tree, office, appraiser, second_appraiser
):
    me = second_appraiser.person
    mine = RemediationPlan.objects.filter(cycle=open_cycle, person__isnull=False).first()
    mine.person.user, me.user = second_appraiser, None
    me.save(update_fields=["user"])
    mine.person.save(update_fields=["user"])
    item = services.action_add(
        plan=mine,
        by=office,
        content="Gương mẫu sinh hoạt",
        responsible_person=mine.person,
        due_date=D(2026, 6, 30),
    )
    submitted(mine, office)
    services.plan_accept(plan=mine, by=appraiser)
    item.refresh_from_db()
    report_done(item, office)
    item.refresh_from_db()
    client.force_login(second_appraiser)
    verify = reverse("remediation:action-verify", args=[item.pk])
    data = {"version": item.version, "accept": "1"}
    _refused(client, verify, data, "không tự xác nhận nội dung trong kế hoạch của chính mình")
    assert PlanAction.objects.get(pk=item.pk).status == "done"


def test_an_item_edit_posted_without_its_version_is_refused(client, plan, action, cell_secretary):
    """Issue 15 #6: the page, like the API, needs the version it edits; nothing is overwritten."""
    client.force_login(cell_secretary)
    response = client.post(
        reverse("remediation:action-edit", args=[action.pk]),
        {"content": "Ghi đè không có phiên bản", "due_date": "30/06/2026"},
    )
    assert response.status_code == 200 and "thiếu phiên bản" in response.content.decode()
    assert PlanAction.objects.get(pk=action.pk).content == "Đổi mới sinh hoạt"


# The plan page: session, user, access (3), the plan with its unit, parent, person, cycle and
# review (1), recipients (1), submissions (1), the preparers check of an appraiser (1), items
# and their findings (2), history (4), the issued document (1), findings and their items (2);
# the preparer's item form reads its pickers' choices. Before issue 17 part 6: 20, 18, 20;
# before part 9b: 19, 16, 19 (since: the findings' items come from the items read, the
# preparers' check only while the plan awaits an appraisal, the history of its items and
# recipients in one query).
PLAN_PAGE_QUERIES = {"cell_secretary": 18, "appraiser": 14, "office": 18}


@pytest.mark.parametrize("who", sorted(PLAN_PAGE_QUERIES))
@pytest.mark.usefixtures("built_pages")
def test_plan_page_query_ceiling(
    client, request, plan, action, cell_secretary, who, django_assert_max_num_queries
):
    if who == "appraiser":
        submitted(plan, cell_secretary)
    client.force_login(request.getfixturevalue(who))
    with django_assert_max_num_queries(PLAN_PAGE_QUERIES[who]):
        response = client.get(reverse("remediation:plan-detail", args=[plan.pk]))
    assert response.status_code == 200
    assert bool(response.context["can_appraise"]) == (who == "appraiser")
    forms = ("action_form", "submit_form", "return_form", "accept_form", "adopt_form")
    built = {name for name in forms if response.context[name] is not None}
    # Only the forms the page shows are built.
    assert (
        built
        == {
            "cell_secretary": {"action_form", "submit_form"},
            "appraiser": {"return_form", "accept_form"},
            "office": {"action_form", "submit_form"},
        }[who]
    )
