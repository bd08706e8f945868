"""The remediation story of issue 3, through the API: refused, returned, accepted, verified."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import conclude_review
from kiemdiem.core.models import AuditEvent
from kiemdiem.dashboard.summaries import merge_all
from kiemdiem.remediation.models import RemediationPlan

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_plan_from_draft_to_verified_through_the_api(
    api, open_cycle, org_tree, office, appraiser, cell_secretary, travel_to
):
    # The cell's secretary prepares and submits; the parent committee's office (the plan's
    # recipient) appraises and verifies; the province office reads the dashboard.
    secretary, appraiser, province = api(cell_secretary), api(appraiser), api(office)
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    base = "/api/v1"
    conclude_review(plan.review, cell_secretary)  # a plan is submitted after the conference

    found = secretary.get(
        f"{base}/plans/", {"unit": org_tree.cell_a1.pk, "subject_kind": "collective"}
    )
    assert found.status_code == 200
    assert [p["id"] for p in found.json()["results"]] == [plan.pk]

    item = secretary.post(
        f"{base}/plan-items/",
        {
            "plan": plan.pk,
            "content": "Tổ chức sinh hoạt chuyên đề",
            "responsible_unit": org_tree.cell_a1.pk,
        },
        format="json",
    )
    assert item.status_code == 201, item.json()
    item = item.json()
    assert item["due_date"] is None

    detail = secretary.get(f"{base}/plans/{plan.pk}/")
    assert detail["ETag"] == f'"{detail.json()["version"]}"'
    refused = secretary.post(
        f"{base}/plans/{plan.pk}/submit/", {}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "incomplete"
    assert body["problems"] == ["Mục 1: chưa có mốc thời gian hoàn thành."]
    plan.refresh_from_db()
    assert plan.status == "draft"

    fixed = secretary.patch(
        f"{base}/plan-items/{item['id']}/",
        {"due_date": "2026-06-30", "version": item["version"]},
        format="json",
    )
    assert fixed.status_code == 200, fixed.json()
    version = secretary.get(f"{base}/plans/{plan.pk}/").json()["version"]
    submitted = secretary.post(
        f"{base}/plans/{plan.pk}/submit/", {"version": version}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"

    awaiting = appraiser.get(f"{base}/plans/", {"awaiting": "true"}).json()["results"]
    assert plan.pk in [p["id"] for p in awaiting]
    returned = appraiser.post(
        f"{base}/plans/{plan.pk}/return/",
        {
            "grounds": ["no_responsible"],
            "remarks": "Ghi rõ người chịu trách nhiệm",
            "version": submitted.json()["version"],
        },
        format="json",
    )
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "returned"

    again = secretary.post(
        f"{base}/plans/{plan.pk}/submit/", {"version": returned.json()["version"]}, format="json"
    )
    assert again.status_code == 200, again.json()
    accepted = appraiser.post(
        f"{base}/plans/{plan.pk}/accept/", {"version": again.json()["version"]}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"

    travel_to(datetime.date(2026, 3, 1))
    current = secretary.get(f"{base}/plan-items/{item['id']}/").json()
    progress = secretary.post(
        f"{base}/plan-items/{item['id']}/progress/",
        {
            "status": "done",
            "percent": 100,
            "narrative": "Đã tổ chức ngày 20/02/2026",
            "version": current["version"],
            "files": [SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")],
        },
        format="multipart",
    )
    assert progress.status_code == 201, progress.json()
    updates = secretary.get(f"{base}/plan-items/{item['id']}/progress/").json()
    assert updates[0]["evidence"][0]["original_name"] == "bien-ban.pdf"
    assert len(updates[0]["evidence"][0]["sha256"]) == 64

    verified = appraiser.post(
        f"{base}/plan-items/{item['id']}/verify/",
        {"accept": True, "version": progress.json()["version"]},
        format="json",
    )
    assert verified.status_code == 200, verified.json()
    assert verified.json()["status"] == "verified"

    merge_all()
    board = province.get(
        f"{base}/cycles/{open_cycle.pk}/dashboard/", {"unit": org_tree.province_a.pk}
    )
    assert board.status_code == 200
    figures = board.json()["unit"]["figures"]
    assert figures["plans_accepted"] == 1 and figures["items_done"] == 1
    assert org_tree.district_a1.pk in [c["unit"] for c in board.json()["children"]]

    # Written through the same services: the audit trail names the token's user.
    actors = set(
        AuditEvent.objects.filter(
            object_type="remediation.remediationplan", object_id=plan.pk
        ).values_list("actor__username", flat=True)
    )
    assert {"bithu_chibo", "vanphong_cs"} <= actors
