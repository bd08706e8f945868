"""The pages of views_round.py: outsiders get 404, the allowed persona acts, bad input is shown
in Vietnamese with nothing changed, and each page points to what comes next."""

import pytest
from django.urls import reverse

from kiemdiem.classification.models import (
    PeerGroup,
    QuarterResult,
    Rating,
    RatingRound,
    RatingStatus,
    ScoringSheet,
    SpecialCase,
    SubjectKind,
)
from kiemdiem.classification.rules import EXCELLENT, GOOD
from kiemdiem.classification.tests.conftest import D, grant, rating_of, walk_to_appraised
from kiemdiem.classification.tests.test_sheets import SHEET
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org.models import AccessRole

RATING_URLS = [
    "classification:rating-exempt",
    "classification:rating-special",
    "classification:rating-temporary-comment",
    "classification:rating-quarters",
]
ROUND_URLS = ["classification:round-groups", "classification:round-close"]


@pytest.fixture
def member_rating(org_tree, round_2025):
    return rating_of(round_2025, person=org_tree.members_a1[0])


def test_outsider_gets_404_on_every_new_page(client, outsider, member_rating):
    client.force_login(outsider)
    for name in RATING_URLS:
        assert client.get(reverse(name, args=[member_rating.pk])).status_code == 404, name
    for name in ROUND_URLS:
        assert client.get(reverse(name, args=[member_rating.round_id])).status_code == 404, name
    grant_url = reverse("classification:group-grant", args=[member_rating.peer_group_id])
    assert client.get(grant_url).status_code == 404
    populate = reverse("classification:round-populate", args=[member_rating.round_id])
    assert client.post(populate).status_code == 404


def test_the_competent_level_grants_25_percent_through_the_page(
    client, member_rating, grassroots_standing, office
):
    group = member_rating.peer_group
    groups_url = reverse("classification:round-groups", args=[member_rating.round_id])
    url = reverse("classification:group-grant", args=[group.pk])
    client.force_login(office)  # the province office sees the group but does not decide it
    assert url not in client.get(groups_url).content.decode()
    assert client.post(url, {"version": group.version, "reason": "x"}).status_code == 403
    client.force_login(grassroots_standing)
    assert url in client.get(groups_url).content.decode()
    response = client.post(url, {"version": group.version, "reason": ""})
    assert "Phải nêu kết quả nổi bật" in response.content.decode()
    response = client.post(url, {"version": group.version, "reason": "Vượt 40% kế hoạch"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.quota_granted and group.grant_reason == "Vượt 40% kế hoạch"
    # The same form posted again from a stale page: refused, nothing changed.
    response = client.post(url, {"version": group.version - 1, "reason": "Lần hai"})
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.grant_reason == "Vượt 40% kế hoạch"


def test_the_office_exempts_a_member_and_records_a_special_case(
    client, office, org_tree, round_2025
):
    client.force_login(office)
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    page = client.get(rating.get_absolute_url()).content.decode()
    assert reverse("classification:rating-exempt", args=[rating.pk]) in page
    url = reverse("classification:rating-exempt", args=[rating.pk])
    response = client.post(url, {"version": rating.version, "exempt_reason": ""})
    assert "Phải chọn lý do" in response.content.decode()
    response = client.post(
        url, {"version": rating.version, "exempt_reason": "suspended", "note": "QĐ 15-QĐ/ĐU"}
    )
    assert response.status_code == 302
    rating.refresh_from_db()
    assert (rating.status, rating.exempt_reason) == (RatingStatus.EXEMPT, "suspended")

    other = rating_of(round_2025, person=org_tree.members_a1[2])
    url = reverse("classification:rating-special", args=[other.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "version": other.version,
            "special_case": SpecialCase.TEMPORARY,
            "reason": "Đi học tập trung tại trường chính trị",
            "temporary_unit": org_tree.cell_a1b.pk,
        },
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.temporary_unit == org_tree.cell_a1b
    page = client.get(other.get_absolute_url()).content.decode()
    assert "Đi học tập trung" in page and "Chưa có nhận xét" in page
    # The temporary cell's secretary does not see the member's rating otherwise, but comments.
    secretary = grant(org_tree.cell_a1b, AccessRole.HEAD, "bithu_tamthoi")
    client.force_login(secretary)
    url = reverse("classification:rating-temporary-comment", args=[other.pk])
    assert url in client.get(reverse("classification:round-list")).content.decode()
    response = client.post(url, {"version": other.version, "comment": "Chấp hành tốt."})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.special_note == "Chấp hành tốt."


def test_quarters_are_recorded_and_shown_on_the_year(
    client, member_rating, grassroots_standing, member
):
    url = reverse("classification:rating-quarters", args=[member_rating.pk])
    client.force_login(member)  # the member sees their quarters but does not record them
    assert "Lưu kết quả quý" not in client.get(url).content.decode()
    client.force_login(grassroots_standing)
    response = client.post(url, {"quarter": "1", "level": GOOD, "total": "95", "note": ""})
    assert "chỉ đạt mức" not in response.content.decode()  # 95 reaches HTXSNV: HTTNV is fine
    assert response.status_code == 302
    response = client.post(url, {"quarter": "2", "level": EXCELLENT, "total": "80"})
    assert "chỉ đạt mức HTTNV" in response.content.decode()
    assert QuarterResult.objects.count() == 1
    edit = client.get(url + "?quy=1").content.decode()
    assert "Sửa kết quả quý 1" in edit
    q1 = QuarterResult.objects.get()
    response = client.post(
        url, {"editing": "1", "version": q1.version, "quarter": "1", "level": GOOD, "total": "85"}
    )
    assert response.status_code == 302
    assert str(QuarterResult.objects.get().total) == "85.00"
    page = client.get(member_rating.get_absolute_url()).content.decode()
    assert 'data-testid="quarters"' in page and "85,00 điểm" in page


def test_closing_lists_what_is_unfinished_and_the_round_page_links_its_numbers(
    client, office, org_tree, round_2025, grassroots_office
):
    client.force_login(office)
    url = reverse("classification:round-close", args=[round_2025.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="unfinished"' in page and "Nguyễn Văn Đức" in page
    response = client.post(url, {"version": round_2025.version})
    assert "Chưa kết thúc được đợt" in response.content.decode()
    round_2025.refresh_from_db()
    assert round_2025.status == "open"
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    walk_to_appraised(
        rating, self_by=SYSTEM, appraise_by=grassroots_office, level=EXCELLENT, appraised=GOOD
    )
    page = client.get(round_2025.get_absolute_url()).content.decode()
    link = "?doi_tuong=member&amp;ha_muc=excellent.good"
    assert link in page and "?trang_thai=draft" in page
    listed = client.get(round_2025.get_absolute_url() + "?doi_tuong=member&ha_muc=excellent.good")
    assert list(listed.context["page"]) == [rating]


def test_opening_a_round_from_the_page_runs_the_job(client, office, org_tree, today):
    client.force_login(office)
    response = client.post(
        reverse("classification:round-create"),
        {
            "scope": org_tree.province_a.pk,
            "year": 2025,
            "quota_rounding": "down",
            "head_rule": "on",
            "cutoff_on": "30/11/2025",
            "quarter_rollup": "lowest",
        },
    )
    round_ = RatingRound.objects.get()
    assert (round_.cutoff_on, round_.quarter_rollup) == (D(2025, 11, 30), "lowest")
    assert response.status_code == 302 and response.url == round_.get_absolute_url()
    assert Rating.objects.filter(round=round_, subject_kind=SubjectKind.MEMBER).count() == 3
    # Opening again finds nothing new.
    response = client.post(reverse("classification:round-populate", args=[round_.pk]), follow=True)
    assert "Đã mở 0 kết quả" in response.content.decode()


def test_scoring_sheets_are_issued_and_edited_through_the_pages(client, office, org_tree):
    client.force_login(office)
    data = {
        "unit": org_tree.province_a.pk,
        "scheme": "qd366_2025",
        "subject_kind": "member",
        "title": "Bảng điểm đảng viên",
        "tieuchi-TOTAL_FORMS": "4",
        "tieuchi-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(SHEET):
        data.update({f"tieuchi-{i}-{k}": v for k, v in row.items()})
    bad = dict(data, **{"tieuchi-2-max_points": "60"})
    response = client.post(reverse("classification:sheet-create"), bad)
    assert "phải cộng đúng 70 điểm" in response.content.decode()
    assert not ScoringSheet.objects.exists()
    response = client.post(reverse("classification:sheet-create"), data)
    assert response.status_code == 302
    sheet = ScoringSheet.objects.get()
    assert [c["max_points"] for c in sheet.criteria] == [15, 15, 70]
    assert (
        "Bảng điểm đảng viên" in client.get(reverse("classification:sheet-list")).content.decode()
    )
    edit = reverse("classification:sheet-edit", args=[sheet.pk])
    assert client.get(edit).status_code == 200
    data.update({"version": sheet.version, "title": "Bảng điểm 2026", "tieuchi-INITIAL_FORMS": "3"})
    assert client.post(edit, data).status_code == 302
    sheet.refresh_from_db()
    assert sheet.title == "Bảng điểm 2026"
    assert PeerGroup.objects.count() == 0  # nothing else moved


def test_the_self_assessment_shows_the_quarters(client, member_rating, member, grassroots_standing):
    from kiemdiem.classification import cases

    cases.quarter_record(
        rating=member_rating, by=grassroots_standing, quarter=1, level=GOOD, total=78
    )
    client.force_login(member)
    page = client.get(reverse("classification:rating-self-assess", args=[member_rating.pk]))
    assert "Điểm bình quân 1 quý: 78.00 (mức HTTNV)" in page.content.decode()


@pytest.mark.usefixtures("built_pages")
def test_the_groups_and_sheets_pages_do_not_grow_in_queries(client, office, org_tree, round_2025):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.classification import services

    client.force_login(office)
    urls = [
        reverse("classification:round-groups", args=[round_2025.pk]),
        reverse("classification:sheet-list"),
    ]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    services.sheet_create(
        by=office,
        unit=org_tree.province_a,
        scheme="qd366_2025",
        subject_kind="leadership_collective",
        title="Bảng đầu",
        criteria=SHEET,
    )
    before = counts()
    for i in range(3):
        services.sheet_create(
            by=office,
            unit=org_tree.province_a,
            scheme="qd366_2025",
            subject_kind=["member", "leader", "organization"][i],
            title=f"Bảng {i}",
            criteria=SHEET,
        )
        services.rating_add(
            round_=round_2025, by=office, subject_kind="organization", unit=_unit(org_tree, i)
        )
    assert PeerGroup.objects.filter(round=round_2025).count() > 3
    assert counts() == before


def _unit(org_tree, i):
    from kiemdiem.org.tests.factories import UnitFactory

    return UnitFactory(
        code=f"CBN{i}", name=f"Chi bộ mới {i}", kind="subordinate_cell", parent=org_tree.district_a2
    )


def test_the_groups_export_holds_the_counts_the_page_shows(member_rating, grassroots_standing):
    from kiemdiem.classification.tests.conftest import fake_rating
    from kiemdiem.exports.registry import build

    group = member_rating.peer_group
    for level in (EXCELLENT, GOOD, GOOD, GOOD, GOOD, GOOD):
        fake_rating(member_rating.round, member_rating, level)
    sheet = build(
        "classification.round-groups", grassroots_standing, {"round": str(group.round_id)}
    )
    row = next(r for r in sheet.iter_rows() if r.group == group)
    assert (row.tops, row.seconds, row.cap, row.over) == (1, 5, 1, False)
    fake_rating(member_rating.round, member_rating, EXCELLENT)
    sheet = build(
        "classification.round-groups", grassroots_standing, {"round": str(group.round_id)}
    )
    row = next(r for r in sheet.iter_rows() if r.group == group)
    assert (row.tops, row.cap, row.over) == (2, 1, True)
