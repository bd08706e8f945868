"""The classification pages: who may self-assess, appraise, decide and cancel (personas), the
outsider's 404 on every URL, and bad input shown in Vietnamese with nothing changed."""

import pytest
from django.urls import reverse

from kiemdiem.classification.models import Rating, RatingStatus
from kiemdiem.classification.rules import EXCELLENT, GOOD
from kiemdiem.classification.tests.conftest import even_scores, rating_of, walk_to_appraised
from kiemdiem.core.permissions import SYSTEM

RATING_URLS = [
    "classification:rating-detail",
    "classification:rating-self-assess",
    "classification:rating-appraise",
    "classification:rating-return",
    "classification:rating-verify",
    "classification:rating-decide",
    "classification:rating-cancel",
]


@pytest.fixture
def member_rating(org_tree, round_2025):
    return rating_of(round_2025, person=org_tree.members_a1[0])


@pytest.mark.parametrize("name", RATING_URLS)
def test_outsider_gets_404_on_every_rating_page(client, outsider, member_rating, name):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[member_rating.pk])).status_code == 404


def test_outsider_gets_404_on_the_round_and_the_publish_post(client, outsider, member_rating):
    client.force_login(outsider)
    assert client.get(member_rating.round.get_absolute_url()).status_code == 404
    url = reverse("classification:rating-publish", args=[member_rating.pk])
    assert client.post(url, {"version": member_rating.version}).status_code == 404


def test_a_member_sees_their_own_rating_but_not_a_cell_mate(client, org_tree, round_2025, member):
    client.force_login(member)
    own = rating_of(round_2025, person=org_tree.members_a1[0])
    mate = rating_of(round_2025, person=org_tree.members_a1[2])
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(mate.get_absolute_url()).status_code == 404
    assert client.get(round_2025.get_absolute_url()).status_code == 200


def _post_self(client, rating, **data):
    url = reverse("classification:rating-self-assess", args=[rating.pk])
    payload = {"version": rating.version, "level": GOOD, "reasons": "Hoàn thành tốt"}
    payload.update({f"score_{k}": v for k, v in even_scores(80).items()})
    payload.update(data)
    return client.post(url, payload)


def test_the_member_self_assesses_through_the_page(client, member, member_rating):
    client.force_login(member)
    assert (
        client.get(
            reverse("classification:rating-self-assess", args=[member_rating.pk])
        ).status_code
        == 200
    )
    response = _post_self(client, member_rating)
    assert response.status_code == 302
    member_rating.refresh_from_db()
    assert (member_rating.status, member_rating.self_level) == (RatingStatus.SELF_ASSESSED, GOOD)


def test_another_member_may_not_self_assess_for_someone(
    client, org_tree, round_2025, cell_secretary
):
    # The cell secretary leads the cell (sees the rating) but does not self-assess for a member.
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    client.force_login(cell_secretary)
    response = _post_self(client, rating)
    assert response.status_code == 403
    assert "Chỉ chính đảng viên" in response.content.decode()
    rating.refresh_from_db()
    assert rating.status == RatingStatus.DRAFT


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"level": "legacy_clean_strong"}, "không có trong Quy định 366"),
        ({"score_tasks": "51"}, "phải từ 0 đến 50"),
        ({"level": EXCELLENT}, "chỉ đạt mức HTTNV"),
        ({"reasons": ""}, "Phải nêu ưu điểm"),
        ({"version": ""}, "thiếu phiên bản"),
    ],
)
def test_bad_self_assessment_input_shows_the_rule_and_changes_nothing(
    client, member, member_rating, data, message
):
    client.force_login(member)
    response = _post_self(client, member_rating, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    member_rating.refresh_from_db()
    assert member_rating.status == RatingStatus.DRAFT and member_rating.self_level == ""


def test_appraisal_by_the_board_and_not_by_a_member(
    client, org_tree, round_2025, grassroots_office, member
):
    rating = rating_of(round_2025, person=org_tree.members_a1[1])
    rating = walk_to_appraised(rating, self_by=SYSTEM, appraise_by=SYSTEM, level=GOOD)
    Rating.objects.filter(pk=rating.pk).update(
        status=RatingStatus.SELF_ASSESSED, appraised_level=""
    )
    rating.refresh_from_db()
    url = reverse("classification:rating-appraise", args=[rating.pk])
    data = {"version": rating.version, "level": "completed", "reasons": "Chậm 2 nhiệm vụ"}
    client.force_login(grassroots_office)
    assert client.post(url, data).status_code == 302
    rating.refresh_from_db()
    assert (rating.self_level, rating.appraised_level) == (GOOD, "completed")
    page = client.get(rating.get_absolute_url()).content.decode()
    assert "Hạ từ HTTNV xuống HTNV" in page


def test_decision_personas_and_checks_shown(
    client, org_tree, round_2025, grassroots_office, grassroots_standing, commune_standing
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
    )
    url = reverse("classification:rating-decide", args=[rating.pk])
    data = {"version": rating.version, "level": GOOD, "decision_number": "09-QĐ/ĐU"}
    client.force_login(commune_standing)
    response = client.post(url, data)
    assert response.status_code == 403
    assert "Cấp có thẩm quyền quyết định" in response.content.decode()
    client.force_login(grassroots_standing)
    page = client.get(url).content.decode()
    assert "Trình tự đánh giá" in page
    assert client.post(url, data).status_code == 302
    rating.refresh_from_db()
    assert rating.decided_level == GOOD and rating.decision_number == "09-QĐ/ĐU"
    publish = reverse("classification:rating-publish", args=[rating.pk])
    assert client.post(publish, {"version": rating.version}).status_code == 302
    rating.refresh_from_db()
    assert rating.status == RatingStatus.PUBLISHED
    # Cancel: the commune (directly above the grassroots committee), not the grassroots itself.
    cancel = reverse("classification:rating-cancel", args=[rating.pk])
    payload = {"version": rating.version, "decision_number": "15-QĐ/ĐU", "reason": "Sai quy trình"}
    assert client.post(cancel, payload).status_code == 403
    client.force_login(commune_standing)
    response = client.post(cancel, payload)
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.status == RatingStatus.CANCELLED
    assert rating.rerating.status == RatingStatus.DRAFT


def test_a_quota_refusal_lists_the_rule_on_the_decide_page(
    client, org_tree, round_2025, grassroots_office, grassroots_standing
):
    rating = walk_to_appraised(
        rating_of(round_2025, person=org_tree.members_a1[0]),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=EXCELLENT,
    )
    client.force_login(grassroots_standing)
    url = reverse("classification:rating-decide", args=[rating.pk])
    response = client.post(url, {"version": rating.version, "level": EXCELLENT})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Vượt tỉ lệ HTXSNV" in body and "QĐ 366-QĐ/TW Điều 11 điểm 1.5" in body
    rating.refresh_from_db()
    assert rating.status == RatingStatus.APPRAISED


def test_round_page_counts_and_office_opens_a_round(client, org_tree, office, today):
    client.force_login(office)
    response = client.post(
        reverse("classification:round-create"),
        {
            "scope": org_tree.province_a.pk,
            "year": 2025,
            "title": "",
            "scheme": "",
            "quota_rounding": "down",
            "head_rule": "on",
        },
    )
    assert response.status_code == 302
    round_ = org_tree.province_a.rating_rounds.get()
    page = client.get(round_.get_absolute_url())
    assert page.status_code == 200
    assert "Quy định 366" in page.content.decode()


def test_only_an_office_may_open_a_round(client, org_tree, member, today):
    client.force_login(member)
    assert (
        "Mở đợt đánh giá" not in client.get(reverse("classification:round-list")).content.decode()
    )
    response = client.post(
        reverse("classification:round-create"),
        {"scope": org_tree.province_a.pk, "year": 2025, "quota_rounding": "down"},
    )
    assert response.status_code == 200  # the scope is not one of theirs: the form refuses it
    assert not org_tree.province_a.rating_rounds.exists()
