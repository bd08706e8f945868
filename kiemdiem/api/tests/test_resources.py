"""Each write endpoint once, for real: what it changes in the database and in the audit trail."""

import datetime

import pytest

from conftest import conclude_review
from kiemdiem.core.models import AuditEvent
from kiemdiem.org.models import Position, Unit
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reports.models import PeriodicReport, ReportPeriod
from kiemdiem.reviews.models import Finding, Review

BASE = "/api/v1"


def _audited(obj, action: str, username: str) -> bool:
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=action,
        actor__username=username,
    ).exists()


# --- organization ----------------------------------------------------------------------------


def test_unit_create_then_move_rewrites_the_subtree_path(api, org_tree, office):
    client = api(office)
    committee = client.post(
        f"{BASE}/units/",
        {
            "code": "cs38a2",
            "name": "Đảng bộ Trường THCS Hạc Thành",
            "kind": "grassroots_committee",
            "parent": org_tree.district_a2.pk,
        },
        format="json",
    )
    assert committee.status_code == 201, committee.json()
    cell = client.post(
        f"{BASE}/units/",
        {
            "code": "CB38A1X",
            "name": "Chi bộ Tổ Lý",
            "kind": "subordinate_cell",
            "parent": org_tree.grassroots_a1.pk,
        },
        format="json",
    )
    assert cell.status_code == 201, cell.json()
    created = Unit.objects.get(pk=cell.json()["id"])
    assert created.path.startswith(org_tree.grassroots_a1.path) and created.depth == 4
    assert _audited(created, "create", "vanphong_a")
    assert Unit.objects.get(pk=committee.json()["id"]).code == "CS38A2"

    url = f"{BASE}/units/{created.pk}/move/"
    no_reason = client.post(url, {"parent": committee.json()["id"], "version": 1}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    outside = client.post(
        url,
        {"parent": org_tree.district_b1.pk, "reason": "Sáp nhập", "version": 1},
        format="json",
    )
    assert outside.status_code == 400 and "parent" in outside.json()["fields"]
    moved = client.post(
        url,
        {"parent": committee.json()["id"], "reason": "Chuyển trường", "version": 1},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["parent"] == committee.json()["id"]
    created.refresh_from_db()
    new_parent = Unit.objects.get(pk=committee.json()["id"])
    assert created.parent == new_parent and created.path.startswith(new_parent.path)
    assert created.version == 2
    stale = client.post(
        url,
        {"parent": org_tree.grassroots_a1.pk, "reason": "Trả lại", "version": 1},
        format="json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert Unit.objects.get(pk=created.pk).parent == new_parent


def test_under_filter_gives_the_whole_subtree_within_scope(api, org_tree, office):
    client = api(office)

    def codes(**params):
        response = client.get(f"{BASE}/units/", params)
        assert response.status_code == 200, response.json()
        return {u["code"] for u in response.json()["results"]}

    assert codes(under=org_tree.district_a1.pk) == {"X38A1", "CS38A1", "CB38A1", "CB38A1B"}
    assert codes(under=org_tree.grassroots_a1.pk, kind="subordinate_cell") == {
        "CB38A1",
        "CB38A1B",
    }
    assert codes(under=org_tree.province_b.pk) == set()  # outside the office's scope
    assert codes(under=10**9) == set()


def test_position_create_needs_the_person_in_scope(api, org_tree, office):
    client = api(office)
    person = org_tree.members_a1[2]
    body = {
        "person": person.pk,
        "unit": org_tree.cell_a1.pk,
        "role": "deputy_secretary",
        "valid_from": "01/09/2025",
    }
    response = client.post(f"{BASE}/positions/", body, format="json")
    assert response.status_code == 201, response.json()
    position = Position.objects.get(pk=response.json()["id"])
    assert (position.person, position.unit, position.role) == (
        person,
        org_tree.cell_a1,
        "deputy_secretary",
    )
    assert position.valid_from == datetime.date(2025, 9, 1)
    assert _audited(position, "create", "vanphong_a")

    other = client.post(
        f"{BASE}/positions/", {**body, "person": org_tree.member_b1.pk}, format="json"
    )
    assert other.status_code == 400 and "person" in other.json()["fields"]
    assert not Position.objects.filter(person=org_tree.member_b1).exists()


# --- reviews ---------------------------------------------------------------------------------


def test_finding_create_and_patch(api, open_cycle, org_tree, cell_secretary):
    client = api(cell_secretary)
    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    created = client.post(
        f"{BASE}/findings/",
        {"review": review.pk, "text": "Sinh hoạt chưa   đều", "area": "leadership"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    finding = Finding.objects.get(pk=created.json()["id"])
    assert finding.review == review and finding.text == "Sinh hoạt chưa đều"
    assert _audited(finding, "create", "bithu_chibo")

    url = f"{BASE}/findings/{finding.pk}/"
    patched = client.patch(
        url,
        {"text": "Sinh hoạt chưa đều kỳ", "severity": "shortcoming", "version": 1},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    finding.refresh_from_db()
    assert finding.text == "Sinh hoạt chưa đều kỳ" and finding.version == 2
    assert patched["ETag"] == '"2"'
    stale = client.patch(url, {"text": "Ghi đè", "version": 1}, format="json")
    assert stale.status_code == 409
    assert Finding.objects.get(pk=finding.pk).text == "Sinh hoạt chưa đều kỳ"
    # Read after the refusal: the row's version (a retry with it goes through), its last saver
    # and time, and its name as saved, not the refused text.
    body = stale.json()
    assert body["current_version"] == 2 and body["last_saved_by"] == "bithu_chibo"
    assert body["last_saved_at"] and "Ghi đè" not in body["message"]
    assert "Nội dung hạn chế, khuyết điểm:" in body["message"]  # the field by its label
    retried = client.patch(
        url, {"text": "Ghi đè", "version": body["current_version"]}, format="json"
    )
    assert retried.status_code == 200, retried.json()


# --- plans: adopt, cancel an item, and a stale lifecycle action -------------------------------


@pytest.fixture
def accepted_plan(api, open_cycle, org_tree, appraiser, cell_secretary):
    """The cell's plan with two items, submitted by its secretary, accepted by the office of
    the parent committee (its recipient)."""
    secretary, appraiser = api(cell_secretary), api(appraiser)
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    conclude_review(plan.review, cell_secretary)  # a plan is submitted after the conference
    for content in ("Sinh hoạt chuyên đề", "Bổ sung hồ sơ"):
        item = secretary.post(
            f"{BASE}/plan-items/",
            {
                "plan": plan.pk,
                "content": content,
                "responsible_unit": org_tree.cell_a1.pk,
                "due_date": "2026-06-30",
            },
            format="json",
        )
        assert item.status_code == 201, item.json()
    version = secretary.get(f"{BASE}/plans/{plan.pk}/").json()["version"]
    submitted = secretary.post(
        f"{BASE}/plans/{plan.pk}/submit/", {"version": version}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    accepted = appraiser.post(
        f"{BASE}/plans/{plan.pk}/accept/",
        {"version": submitted.json()["version"]},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    plan.refresh_from_db()
    assert plan.status == "accepted"
    return plan


def test_plan_detail_tells_each_round_and_why_it_came_back(
    api, open_cycle, org_tree, appraiser, cell_secretary
):
    secretary, recipient = api(cell_secretary), api(appraiser)
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    conclude_review(plan.review, cell_secretary)
    secretary.post(
        f"{BASE}/plan-items/",
        {
            "plan": plan.pk,
            "content": "Sinh hoạt chuyên đề",
            "responsible_unit": org_tree.cell_a1.pk,
            "due_date": "2026-06-30",
        },
        format="json",
    )
    version = secretary.get(f"{BASE}/plans/{plan.pk}/").json()["version"]
    submitted = secretary.post(
        f"{BASE}/plans/{plan.pk}/submit/", {"version": version, "note": "Lần đầu"}, format="json"
    )
    returned = recipient.post(
        f"{BASE}/plans/{plan.pk}/return/",
        {
            "version": submitted.json()["version"],
            "grounds": ["no_responsible"],
            "remarks": "Nêu rõ người phụ trách",
        },
        format="json",
    )
    assert returned.status_code == 200, returned.json()
    (round_one,) = secretary.get(f"{BASE}/plans/{plan.pk}/").json()["submissions"]
    assert round_one["number"] == 1 and round_one["note"] == "Lần đầu"
    assert round_one["submitted_by"] == "bithu_chibo" and round_one["effective_on"] == "2026-01-10"
    appraisal = round_one["appraisal"]
    assert appraisal["decision"] == "returned" and appraisal["decided_by"] == "vanphong_cs"
    assert appraisal["grounds"] == ["no_responsible"]
    assert appraisal["grounds_labels"] == ["Không nêu rõ tổ chức, cá nhân chịu trách nhiệm"]
    assert appraisal["remarks"] == "Nêu rõ người phụ trách"
    assert appraisal["effective_on"] == "2026-01-10"


def test_plan_adopt_refuses_a_stale_version_then_adopts(api, accepted_plan, cell_secretary):
    client = api(cell_secretary)
    plan = accepted_plan
    url = f"{BASE}/plans/{plan.pk}/adopt/"
    body = {"decision_date": "10/01/2026", "decision_ref": "Nghị quyết số 05-NQ/CB"}
    stale = client.post(url, {**body, "version": plan.version - 1}, format="json")
    assert stale.status_code == 409, stale.json()
    assert stale.json()["code"] == "stale" and stale.json()["current_version"] == plan.version
    assert "vanphong_cs" in stale.json()["message"]  # the last saver: the appraiser
    assert RemediationPlan.objects.get(pk=plan.pk).status == "accepted"

    future = client.post(
        url, {**body, "decision_date": "2026-02-01", "version": plan.version}, format="json"
    )
    assert future.status_code == 400 and future.json()["field"] == "decision_date"

    adopted = client.post(url, body, format="json", HTTP_IF_MATCH=f'"{plan.version}"')
    assert adopted.status_code == 200, adopted.json()
    assert adopted.json()["status"] == "adopted"
    plan.refresh_from_db()
    assert plan.status == "adopted" and plan.decision_ref == "Nghị quyết số 05-NQ/CB"
    assert plan.decision_date == datetime.date(2026, 1, 10)
    assert _audited(plan, "transition", "bithu_chibo")


def test_item_cancel_needs_a_version_and_a_reason(api, accepted_plan, cell_secretary):
    client = api(cell_secretary)
    first, second = PlanAction.objects.filter(plan=accepted_plan).order_by("pk")
    url = f"{BASE}/plan-items/{first.pk}/cancel/"
    no_version = client.post(url, {"reason": "Trùng nội dung"}, format="json")
    assert no_version.status_code == 428
    blank = client.post(url, {"reason": "   ", "version": first.version}, format="json")
    assert blank.status_code == 400
    cancelled = client.post(
        url, {"reason": "Trùng nội dung mục 2", "version": first.version}, format="json"
    )
    assert cancelled.status_code == 200, cancelled.json()
    first.refresh_from_db()
    assert first.status == "cancelled" and first.closing_reason == "Trùng nội dung mục 2"
    assert _audited(first, "transition", "bithu_chibo")
    stale = client.post(url, {"reason": "Lần nữa", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == first.version
    twice = client.post(url, {"reason": "Lần nữa", "version": first.version}, format="json")
    assert twice.status_code == 400, twice.json()
    assert PlanAction.objects.get(pk=second.pk).status == "open"


# --- periodic reports ----------------------------------------------------------------------------


def test_report_create_patch_submit(api, open_cycle, org_tree, office, cell_secretary):
    client = api(office)
    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    not_ours = client.post(
        f"{BASE}/reports/", {"period": period.pk, "unit": org_tree.cell_a1.pk}, format="json"
    )
    assert not_ours.status_code == 403  # the cell writes its own report, not the province
    created = client.post(
        f"{BASE}/reports/", {"period": period.pk, "unit": org_tree.province_a.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    report = PeriodicReport.objects.get(pk=created.json()["id"])
    assert report.unit == org_tree.province_a and report.status == "draft"
    # the figures say which day they describe (the period's end, or today while it runs)
    assert created.json()["figures_as_of"] == report.figures_as_of.isoformat()
    assert _audited(report, "create", "vanphong_a")

    url = f"{BASE}/reports/{report.pk}/"
    empty = client.post(f"{url}submit/", {"version": 1}, format="json")
    assert empty.status_code == 400 and empty.json()["field"] == "narrative"
    patched = client.patch(
        url, {"narrative": "Các chi bộ đã khắc phục phần lớn hạn chế.", "version": 1}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["version"] == 2
    submitted = client.post(f"{url}submit/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert submitted.status_code == 200, submitted.json()
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == office
    assert report.narrative == "Các chi bộ đã khắc phục phần lớn hạn chế."
    again = client.patch(url, {"narrative": "Sửa sau khi gửi", "version": 3}, format="json")
    assert again.status_code == 400
    assert PeriodicReport.objects.get(pk=report.pk).narrative.startswith("Các chi bộ")


def test_carried_shortcoming_is_assessed_with_its_degree(
    api, open_cycle, org_tree, office, travel_to
):
    from kiemdiem.campaign import services as campaign_services
    from kiemdiem.reviews import services as review_services

    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    old = review_services.finding_add(review=review, by=office, text="Chậm", area="other")
    review_services.cycle_close(cycle=open_cycle, by=office)
    travel_to(datetime.date(2027, 1, 10))
    nxt = review_services.cycle_create(
        by=office,
        title="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        directive_number="01-CV/TU",
        directive_date=datetime.date(2026, 12, 1),
        directive_issuer="Ban Thường vụ Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=open_cycle.participating_kinds,
        starts_on=datetime.date(2027, 1, 5),
        self_review_due=datetime.date(2027, 1, 20),
        conference_due=datetime.date(2027, 1, 31),
        plan_due=datetime.date(2027, 2, 15),
        horizon_end=datetime.date(2027, 12, 31),
    )
    campaign_services.cycle_open(cycle=nxt, by=office)
    carried = Finding.objects.get(carried_from=old)
    url = f"{BASE}/findings/{carried.pk}/assess/"
    client = api(office)
    body = {"assessment": "partly_fixed", "cause": "Còn chậm", "version": carried.version}
    missing = client.post(url, body, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "percent"
    done = client.post(url, {**body, "percent": 60}, format="json")
    assert done.status_code == 200, done.json()
    assert (done.json()["carry_assessment"], done.json()["carry_percent"]) == ("partly_fixed", 60)
