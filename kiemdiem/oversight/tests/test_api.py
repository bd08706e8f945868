"""Oversight through /api/v1/: scoping (404 outside), versions (409 when stale, 428 without),
the services' refusals (403 with the reason, 400 with the rule)."""

import datetime

from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reports.models import ReportPeriod

from .helpers import commune_plan

D = datetime.date
BASE = "/api/v1"


def test_groups_and_assignments_through_the_api(api, oversight, org_tree, office, outsider):
    client = api(office)
    created = client.post(
        f"{BASE}/working-groups/",
        {
            "committee": org_tree.province_a.pk,
            "name": "Tổ công tác số 2",
            "decision_number": "480-QĐ/TU",
            "decision_date": "2025-10-01",
            "valid_from": "2025-10-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    group = created.json()
    seat = client.post(
        f"{BASE}/group-members/",
        {"group": group["id"], "person": oversight.assigned.pk, "valid_from": "2025-10-01"},
        format="json",
    )
    assert seat.status_code == 201, seat.json()
    twice = client.post(
        f"{BASE}/group-members/",
        {"group": group["id"], "person": oversight.assigned.pk, "valid_from": "2025-11-01"},
        format="json",
    )
    assert twice.status_code == 400 and "đã là thành viên" in twice.json()["message"]
    clash = client.post(
        f"{BASE}/oversight-assignments/",
        {
            "working_group": group["id"],
            "unit": org_tree.district_a1.pk,
            "valid_from": "2025-10-01",
            "decision_number": "481-CV/TU",
            "decision_date": "2025-10-01",
        },
        format="json",
    )
    assert clash.status_code == 400 and "một tổ công tác" in clash.json()["message"]
    assert api(outsider).get(f"{BASE}/working-groups/{group['id']}/").status_code == 404
    stale = client.patch(
        f"{BASE}/working-groups/{group['id']}/", {"name": "Tổ 2", "version": 99}, format="json"
    )
    assert stale.status_code == 409
    missing = client.patch(f"{BASE}/working-groups/{group['id']}/", {"name": "Tổ 2"}, format="json")
    assert missing.status_code == 428


def test_appraisal_and_assessment_through_the_api(
    api, oversight, open_cycle, org_tree, travel_to, outsider
):
    plan = commune_plan(open_cycle, org_tree, oversight.unit_user)
    plan_services.plan_submit(plan=plan, by=oversight.unit_user)
    member = api(oversight.member_user)
    queue = member.get(f"{BASE}/plans/", {"awaiting": "true"}).json()
    assert [p["id"] for p in queue["results"]] == [plan.pk]
    version = RemediationPlan.objects.get(pk=plan.pk).version
    accepted = member.post(f"{BASE}/plans/{plan.pk}/accept/", {"version": version}, format="json")
    assert accepted.status_code == 200, accepted.json()

    travel_to(D(2026, 7, 3))
    period = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))
    created = member.post(
        f"{BASE}/assessments/",
        {"group": oversight.group.pk, "unit": org_tree.district_a1.pk, "period": period.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    a = created.json()
    assert a["figures"]["items_total"] == 1
    wrong_unit = member.post(
        f"{BASE}/assessments/",
        {"group": oversight.group.pk, "unit": org_tree.district_a2.pk, "period": period.pk},
        format="json",
    )
    assert wrong_unit.status_code in (400, 404)
    edited = member.patch(
        f"{BASE}/assessments/{a['id']}/",
        {"remarks": "Khắc phục tốt", "version": a["version"]},
        format="json",
    )
    assert edited.status_code == 200
    refused = member.post(
        f"{BASE}/assessments/{a['id']}/submit/",
        {"version": edited.json()["version"]},
        format="json",
    )
    assert refused.status_code == 403 and "tổ trưởng" in refused.json()["message"]
    leader = api(oversight.leader_user)
    stale = leader.post(f"{BASE}/assessments/{a['id']}/submit/", {"version": 1}, format="json")
    assert stale.status_code == 409
    sent = leader.post(
        f"{BASE}/assessments/{a['id']}/submit/",
        {},
        format="json",
        HTTP_IF_MATCH=f'"{edited.json()["version"]}"',
    )
    assert sent.status_code == 200 and sent.json()["status"] == "submitted"
    assert api(outsider).get(f"{BASE}/assessments/{a['id']}/").status_code == 404

    unit = api(oversight.unit_user)
    inbox = unit.get(f"{BASE}/notifications/", {"unread": "true"}).json()["results"]
    assert any("báo cáo nhận xét" in n["text"] for n in inbox)
    ack = unit.post(
        f"{BASE}/assessments/{a['id']}/acknowledge/",
        {"response": "Đã nhận", "version": sent.json()["version"]},
        format="json",
    )
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    read = unit.post(f"{BASE}/notifications/read/", {}, format="json").json()
    assert read["unread"] == 0
    assert unit.get(f"{BASE}/notifications/email/").json() == {"email_enabled": True}
    off = unit.put(f"{BASE}/notifications/email/", {"email_enabled": False}, format="json")
    assert off.status_code == 200 and off.json() == {"email_enabled": False}
    assert unit.get(f"{BASE}/notifications/email/").json() == {"email_enabled": False}
    bad = unit.put(f"{BASE}/notifications/email/", {}, format="json")
    assert bad.status_code == 400 and "bắt buộc" in str(bad.json()["fields"])


def test_implementation_plan_through_the_api(api, oversight, org_tree, office, travel_to):
    travel_to(D(2026, 3, 1))
    client = api(office)
    plan = client.post(
        f"{BASE}/implementation-plans/",
        {
            "committee": org_tree.province_a.pk,
            "title": "Kế hoạch thực hiện Nghị quyết Trung ương 4",
            "directive": "Nghị quyết 12-NQ/TW",
            "draft_text": "Dự thảo lần 1",
        },
        format="json",
    ).json()
    comment = client.post(
        f"{BASE}/implementation-plans/{plan['id']}/comments/",
        {"author": "Ban Tuyên giáo", "received_on": "2026-03-01", "text": "Bổ sung mục tiêu"},
        format="json",
    )
    assert comment.status_code == 201
    no_lead = client.post(
        f"{BASE}/directive-tasks/",
        {"plan": plan["id"], "content": "Quán triệt", "due_date": "2026-06-30"},
        format="json",
    )
    assert no_lead.status_code == 400 and "cơ quan chủ trì" in no_lead.json()["message"]
    task = client.post(
        f"{BASE}/directive-tasks/",
        {
            "plan": plan["id"],
            "content": "Quán triệt",
            "lead_unit": oversight.board.pk,
            "due_date": "2026-06-30",
        },
        format="json",
    )
    assert task.status_code == 201
    c = comment.json()
    decided = client.post(
        f"{BASE}/draft-comments/{c['id']}/decide/",
        {"decision": "accepted", "version": c["version"]},
        format="json",
    )
    assert decided.status_code == 200
    adopted = client.post(
        f"{BASE}/implementation-plans/{plan['id']}/adopt/",
        {"number": "16-KH/TU", "issued_on": "2026-03-01", "version": plan["version"]},
        format="json",
    )
    assert adopted.status_code == 200, adopted.json()
    late = client.post(
        f"{BASE}/implementation-plans/{plan['id']}/comments/",
        {"author": "Muộn", "received_on": "2026-03-01", "text": "x"},
        format="json",
    )
    assert late.status_code == 400 and "đã ban hành" in late.json()["message"]
    travel_to(D(2026, 7, 2))
    overdue = client.get(f"{BASE}/directive-tasks/", {"overdue": "true"}).json()
    assert [t["id"] for t in overdue["results"]] == [task.json()["id"]]
