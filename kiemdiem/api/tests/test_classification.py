"""The classification over the API: results readable only by the person rated and their
managers (others get 404), the three steps and cancel as service calls, 409 on a stale version,
a re-check campaign confirmed and corrected."""

import datetime

import pytest

from kiemdiem.classification.models import Rating, SubjectKind
from kiemdiem.classification.tests.conftest import even_scores, grant
from kiemdiem.org.models import AccessRole

D = datetime.date


@pytest.fixture
def deciders(org_tree):
    return {
        "grassroots_office": grant(org_tree.grassroots_a1, AccessRole.OFFICE, "bantochuc_cs"),
        "grassroots_standing": grant(org_tree.grassroots_a1, AccessRole.STANDING, "btv_cs"),
        "commune_standing": grant(org_tree.district_a1, AccessRole.STANDING, "btv_xa"),
    }


def _rating_of(person):
    return Rating.objects.standing().get(person=person, subject_kind=SubjectKind.MEMBER)


def test_the_steps_over_the_api_and_who_reads_a_result(
    api, org_tree, office, member, outsider, deciders, travel_to
):
    travel_to(D(2025, 12, 20))
    response = api(office).post(
        "/api/v1/rating-rounds/",
        {"year": 2025, "scope_unit": org_tree.province_a.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["scheme"] == "qd366_2025"
    own = _rating_of(org_tree.members_a1[0])
    mate = _rating_of(org_tree.members_a1[1])
    me = api(member)
    listed = [r["id"] for r in me.get("/api/v1/ratings/", {"page_size": 500}).json()["results"]]
    assert listed == [own.pk]  # a member reads their own result, not their cell-mates'
    assert me.get(f"/api/v1/ratings/{mate.pk}/").status_code == 404
    assert api(outsider).get(f"/api/v1/ratings/{own.pk}/").status_code == 404
    url = f"/api/v1/ratings/{own.pk}"
    body = {"level": "excellent", "reasons": "Hoàn thành tốt", "scores": even_scores(95)}
    response = me.post(f"{url}/self-assess/", body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    stale = me.post(f"{url}/self-assess/", {**body, "version": 1}, format="json")
    assert stale.status_code == 409
    refused = me.post(f"{url}/appraise/", {"level": "good", "reasons": "x", "version": 2})
    assert refused.status_code == 403  # nobody appraises their own rating
    appraiser = api(deciders["grassroots_office"])
    response = appraiser.post(
        f"{url}/appraise/",
        {"level": "good", "reasons": "Chưa có sản phẩm nổi bật", "version": 2},
        format="json",
    )
    assert response.status_code == 200 and response.json()["downgraded"] is True
    wrong = api(deciders["commune_standing"]).post(
        f"{url}/decide/", {"level": "good", "version": 3}, format="json"
    )
    assert wrong.status_code == 403 and "Cấp có thẩm quyền" in wrong.json()["message"]
    standing = api(deciders["grassroots_standing"])
    bad = standing.post(f"{url}/decide/", {"level": "legacy_weak", "version": 3}, format="json")
    assert bad.status_code == 400 and "không có trong" in bad.json()["message"]
    assert standing.post(f"{url}/decide/", {"level": "good", "version": 3}).status_code == 200
    assert standing.post(f"{url}/publish/", {"version": 4}).status_code == 200
    cancel = {"reason": "Phát sinh khuyết điểm", "decision_number": "7-QĐ/ĐU", "version": 5}
    assert standing.post(f"{url}/cancel/", cancel).status_code == 403  # not directly higher
    response = api(deciders["commune_standing"]).post(f"{url}/cancel/", cancel, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "cancelled" and data["decided_level"] == "good"
    assert Rating.objects.get(pk=data["rerating"]).rerating_of_id == own.pk


def test_a_recheck_over_the_api(api, org_tree, deciders, outsider, member, office, travel_to):
    from kiemdiem.api.tests.classification import classification_of_province_a

    travel_to(D(2026, 10, 1))
    objects = classification_of_province_a(org_tree, office)
    item = objects["recheck-item"]
    for user in (outsider, member):
        assert api(user).get(f"/api/v1/recheck-items/{item.pk}/").status_code == 404
        assert (
            api(user).get(f"/api/v1/recheck-campaigns/{item.task.campaign_id}/").status_code == 404
        )
    standing = api(deciders["grassroots_standing"])
    pending = standing.get("/api/v1/recheck-items/", {"outcome": "pending", "page_size": 500})
    assert item.pk in [r["id"] for r in pending.json()["results"]]
    assert standing.post(f"/api/v1/recheck-items/{item.pk}/confirm/", {}).status_code == 428
    ok = standing.post(f"/api/v1/recheck-items/{item.pk}/confirm/", {"version": 1})
    assert ok.status_code == 200 and ok.json()["outcome"] == "confirmed"
    assert (
        standing.post(f"/api/v1/recheck-items/{item.pk}/confirm/", {"version": 1}).status_code
        == 409
    )
    other = objects["recheck-task"].items.exclude(pk=item.pk).first()
    body = {"found_level": "completed", "reason": "Sai", "decision_number": "8-QĐ/ĐU", "version": 1}
    response = api(deciders["commune_standing"]).post(
        f"/api/v1/recheck-items/{other.pk}/correct/", body, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["before_level"], response.json()["after_level"]) == (
        "good",
        "completed",
    )
    assert response.json()["rerating"]


def test_past_ratings_imported_over_the_api(api, org_tree, office, outsider, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kiemdiem.api.tests.classification import ORG_2016, rating_workbook

    def upload(user, rows):
        book = SimpleUploadedFile("xep-loai.xlsx", rating_workbook(rows))
        return api(user).post(
            "/api/v1/record-imports/", {"kind": "rating", "file": book}, format="multipart"
        )

    assert upload(member, [ORG_2016]).status_code == 403
    bad = [2016, "", "Tổ chức đảng", "CB38A1", "", "", "HTXSNV", "", "", "", ""]
    refused = upload(office, [ORG_2016, bad])
    assert refused.status_code == 201
    data = refused.json()
    assert data["status"] == "checked" and data["counts"]["reject"] == 1
    assert "Cột “Mức xếp loại”" in data["report"]["rows"][0][2]
    client = api(office)
    confirm = client.post(f"/api/v1/record-imports/{data['id']}/confirm/", {}, format="json")
    assert confirm.status_code == 400 and not Rating.objects.exists()
    good = upload(office, [ORG_2016]).json()
    assert good["clean"] is True and not Rating.objects.exists()  # the dry run wrote nothing
    assert api(outsider).get(f"/api/v1/record-imports/{good['id']}/").status_code == 404
    done = client.post(f"/api/v1/record-imports/{good['id']}/confirm/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "imported"
    rating = Rating.objects.get()
    assert (rating.decided_level, rating.round.imported) == ("legacy_clean_strong", True)
    again = client.post(f"/api/v1/record-imports/{good['id']}/confirm/", {}, format="json")
    assert again.status_code == 400 and Rating.objects.count() == 1


def test_grant_exempt_quarters_and_close_over_the_api(api, org_tree, office, deciders, travel_to):
    from kiemdiem.classification import services
    from kiemdiem.classification.models import PeerGroup, RatingRound
    from kiemdiem.core.permissions import SYSTEM

    travel_to(D(2025, 12, 20))
    round_ = services.round_open(
        by=SYSTEM, title="", year=2025, scope_unit=org_tree.province_a, populate=False
    )
    rating = services.rating_add(
        round_=round_,
        by=SYSTEM,
        subject_kind=SubjectKind.MEMBER,
        unit=org_tree.cell_a1,
        person=org_tree.members_a1[0],
    )
    standing = api(deciders["grassroots_standing"])
    # the peer group's 25% grant: by the competent level only, with a reason, on a fresh version
    group = f"/api/v1/peer-groups/{rating.peer_group_id}"
    assert api(office).post(f"{group}/grant/", {"reason": "x", "version": 1}).status_code == 403
    assert standing.post(f"{group}/grant/", {"reason": " ", "version": 1}).status_code == 400
    assert (
        standing.post(f"{group}/grant/", {"reason": "Vượt kế hoạch", "version": 9}).status_code
        == 409
    )
    response = standing.post(f"{group}/grant/", {"reason": "Vượt kế hoạch", "version": 1})
    assert response.status_code == 200 and response.json()["quota_granted"] is True
    assert PeerGroup.objects.get(pk=rating.peer_group_id).grant_reason == "Vượt kế hoạch"
    # quarters: recorded (201), corrected with the version read (200), stale (409)
    url = f"/api/v1/ratings/{rating.pk}"
    body = {"quarter": 1, "level": "good", "total": "78"}
    assert api(office).post(f"{url}/quarters/", {**body, "total": "101"}).status_code == 400
    response = standing.post(f"{url}/quarters/", body, format="json")
    assert response.status_code == 201, response.json()
    assert standing.post(f"{url}/quarters/", body, format="json").status_code == 400  # exists
    fix = {**body, "level": "completed", "total": "60", "version": 1}
    assert standing.post(f"{url}/quarters/", fix, format="json").status_code == 200
    assert standing.post(f"{url}/quarters/", fix, format="json").status_code == 409
    assert [q["level"] for q in standing.get(f"{url}/quarters/").json()] == ["completed"]
    # closing: refused while the member is unrated, then the office exempts and closes
    close = f"/api/v1/rating-rounds/{round_.pk}/close/"
    refused = api(office).post(close, {"version": 1})
    assert refused.status_code == 400 and "Nguyễn Văn Đức" in str(refused.json()["problems"])
    exempt = {"exempt_reason": "suspended", "note": "QĐ 12", "version": rating.version}
    assert standing.post(f"{url}/exempt/", exempt).status_code == 403  # the round's office
    assert api(office).post(f"{url}/exempt/", exempt).status_code == 200
    assert api(office).post(close, {"version": 1}).status_code == 200
    assert RatingRound.objects.get(pk=round_.pk).status == "closed"


def test_a_term_round_over_the_api(api, org_tree, office, travel_to):
    travel_to(D(2025, 12, 20))
    client = api(office)
    body = {
        "period": "term",
        "term_first": 2021,
        "year": 2024,
        "scope_unit": org_tree.district_a1.pk,
    }
    refused = client.post("/api/v1/rating-rounds/", body, format="json")
    assert refused.status_code == 400 and "chỉ có từ Quy định 366" in str(refused.json())
    body["year"] = 2025
    created = client.post("/api/v1/rating-rounds/", body, format="json")
    assert created.status_code == 201, created.json()
    got = created.json()
    assert (got["period"], got["term_first"], got["year"], got["term_rollup"]) == (
        "term",
        2021,
        2025,
        "show",
    )
    listed = client.get("/api/v1/rating-rounds/", {"period": "term"}).json()["results"]
    assert [r["id"] for r in listed] == [got["id"]]
    rating = Rating.objects.filter(round_id=got["id"], subject_kind=SubjectKind.MEMBER).first()
    years = client.get(f"/api/v1/ratings/{rating.pk}/term-years/").json()
    assert [y["year"] for y in years] == [2021, 2022, 2023, 2024, 2025]
    assert years[0]["rating"] is None and "Chưa có kết quả" in years[0]["missing"]
