"""The records API: the sensitive scope (404), reads recorded, the services' refusals (403 with
the reason, 400, 409 on a stale version), the flows of each resource."""

import datetime

import pytest

from conftest import START
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.reviews.models import Review

D = datetime.date


@pytest.fixture
def case_body(org_tree):
    return {
        "status": "decided",
        "person": org_tree.members_a1[0].pk,
        "deciding_unit": org_tree.grassroots_a1.pk,
        "authority": "inspection",
        "violation": "Vi phạm quy định",
        "violation_on": "2025-09-01",
        "violation_area": "discipline",
        "form": "warning",
        "decision_number": "5-QĐ/UBKT",
        "decided_on": "2025-10-01",
    }


def test_discipline_case_lifecycle_and_scope(
    api, org_tree, office, outsider, unit_head, member, case_body
):
    client = api(office)
    response = client.post("/api/v1/discipline-cases/", case_body, format="json")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["form_in_force"] == "warning" and case["limitation_years"] == 10
    url = f"/api/v1/discipline-cases/{case['id']}/"
    # a second case for the same violation: 400 with the rule's message
    again = client.post("/api/v1/discipline-cases/", case_body, format="json")
    assert again.status_code == 400 and "một lần" in again.json()["message"]
    # outsiders and leaders without the record role: 404; the person: their own, read recorded
    assert api(outsider).get(url).status_code == 404
    assert api(unit_head).get(url).status_code == 404
    assert api(unit_head).get("/api/v1/discipline-cases/").json()["count"] == 0
    assert api(member).get(url).status_code == 200
    reads = AuditEvent.objects.filter(action=AuditAction.READ, reason="API")
    assert reads.filter(actor=member).count() == 1
    # a member may read, not act: 403 with the reason
    forbidden = api(member).post(
        url + "appeal/",
        {"lodged_on": "2025-10-05", "grounds": "Nặng", "version": case["version"]},
        format="json",
    )
    assert forbidden.status_code == 403
    assert "ủy ban kiểm tra" in forbidden.json()["message"]
    # stale version: 409
    client.patch(url, {"decision_number": "5A", "reason": "Sửa", "version": 1}, format="json")
    stale = client.post(
        url + "appeal/", {"lodged_on": "2025-10-05", "grounds": "Nặng", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    ok = client.post(
        url + "appeal/", {"lodged_on": "2025-10-05", "grounds": "Nặng", "version": 2}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "appealed"
    settled = client.post(
        url + "settle/",
        {
            "outcome": "annulled",
            "decision_number": "9",
            "decided_on": "2025-11-01",
            "reason": "Kỷ luật oan",
            "version": 3,
        },
        format="json",
    )
    assert settled.status_code == 200
    assert settled.json()["form"] == "warning" and settled.json()["form_in_force"] == ""


def test_forms_not_allowed_are_400(api, org_tree, office, case_body):
    client = api(office)
    response = client.post(
        "/api/v1/discipline-cases/", {**case_body, "form": "dissolution"}, format="json"
    )
    assert response.status_code == 400
    assert "Giải tán chỉ áp dụng với tổ chức đảng" in response.json()["message"]
    assert response.json()["field"] == "form"


def test_confidence_poll_and_results(api, org_tree, office, member, cell_secretary):
    post = org_services.position_add(
        person=org_tree.members_a1[0],
        unit=org_tree.grassroots_a1,
        role=PositionRole.SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    client = api(office)
    poll = {
        "title": "Lấy phiếu",
        "body_unit": org_tree.grassroots_a1.pk,
        "held_on": "2026-11-20",
        "convened_count": 30,
        "present_count": 19,
    }
    low = client.post("/api/v1/confidence-polls/", poll, format="json")
    assert low.status_code == 400 and "2/3" in low.json()["message"]
    created = client.post("/api/v1/confidence-polls/", {**poll, "present_count": 20}, format="json")
    assert created.status_code == 201
    poll_id = created.json()["id"]
    body = {"poll": poll_id, "person": post.person_id, "position": post.pk}
    too_many = client.post(
        "/api/v1/confidence-results/", {**body, "high_count": 11, "low_count": 10}, format="json"
    )
    assert too_many.status_code == 400 and "lớn hơn số người có mặt" in too_many.json()["message"]
    result = client.post(
        "/api/v1/confidence-results/", {**body, "high_count": 6, "low_count": 14}, format="json"
    )
    assert result.status_code == 201 and result.json()["low_flag"] == "dismissal"  # 14/20
    url = f"/api/v1/confidence-results/{result.json()['id']}/"
    assert api(member).get(url).status_code == 200
    assert api(cell_secretary).get(url).status_code == 404
    assert client.get("/api/v1/confidence-results/", {"flag": "dismissal"}).json()["count"] == 1
    fin = client.post(
        f"/api/v1/confidence-polls/{poll_id}/finalize/", {"version": 1}, format="json"
    )
    assert fin.status_code == 200 and fin.json()["status"] == "finalized"


def test_suggestion_dossier_and_commitment(
    api, open_cycle, org_tree, office, appraiser, cell_secretary, member
):
    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    issued = api(appraiser).post(
        "/api/v1/suggestions/",
        {
            "review": review.pk,
            "issuing_unit": org_tree.grassroots_a1.pk,
            "document_number": "7-CV/ĐU",
            "document_date": "2026-01-08",
            "grounds": ["disunity"],
            "items": ["Làm rõ mất đoàn kết"],
        },
        format="json",
    )
    assert issued.status_code == 201, issued.json()
    suggestion = issued.json()
    item = suggestion["items"][0]
    answered = api(cell_secretary).post(
        f"/api/v1/suggestions/{suggestion['id']}/items/{item['id']}/answer/",
        {
            "account": "Có",
            "causes_subjective": "Chủ quan",
            "responsibility_collective": "Chi ủy",
            "responsibility_personal": "Bí thư",
            "version": item["version"],
        },
        format="json",
    )
    assert answered.status_code == 200
    dossiers = api(cell_secretary).get("/api/v1/review-dossiers/").json()["results"]
    dossier = dossiers[0]
    early = api(cell_secretary).post(
        f"/api/v1/review-dossiers/{dossier['id']}/schedule/",
        {"planned_on": "2026-01-20", "version": dossier["version"]},
        format="json",
    )
    assert early.status_code == 400 and "thẩm định đạt yêu cầu" in early.json()["message"]
    sent = api(cell_secretary).post(
        f"/api/v1/review-dossiers/{dossier['id']}/submit/", {"version": 1}, format="json"
    )
    assert sent.status_code == 200 and sent.json()["status"] == "pending"
    mine = api(cell_secretary).post(
        f"/api/v1/review-dossiers/{dossier['id']}/approve/", {"version": 2}, format="json"
    )
    assert mine.status_code == 403
    approved = api(appraiser).post(
        f"/api/v1/review-dossiers/{dossier['id']}/approve/", {"version": 2}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    filed = api(member).post(
        "/api/v1/commitments/",
        {"person": org_tree.members_a1[0].pk, "year": 2025, "items": ["Gương mẫu"]},
        format="json",
    )
    assert filed.status_code == 201
    commitment = filed.json()
    citem = commitment["items"][0]
    assessed = api(member).post(
        f"/api/v1/commitments/{commitment['id']}/items/{citem['id']}/assess/",
        {"fulfilment": "partly", "note": "Còn thiếu", "version": citem["version"]},
        format="json",
    )
    assert assessed.status_code == 200
    assert assessed.json()["items"][0]["fulfilment"] == "partly"
    outside = api(office).post(
        "/api/v1/commitments/",
        {"person": org_tree.member_b1.pk, "year": 2025, "items": ["X"]},
        format="json",
    )
    assert outside.status_code == 400 and "person" in outside.json()["fields"]
