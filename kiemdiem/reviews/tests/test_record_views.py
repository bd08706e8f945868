"""Pages of suggestions, dossiers and commitments: outsiders get 404, the review page carries
the points, the commitment and the dossier gate, the forms call the services."""

import datetime

import pytest
from django.urls import reverse

from kiemdiem.reviews import commitments, suggestions
from kiemdiem.reviews.models import Commitment, Review, ReviewSuggestion

D = datetime.date


@pytest.fixture
def cell_review(open_cycle, org_tree):
    return Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)


@pytest.fixture
def suggestion(cell_review, org_tree, appraiser):
    return suggestions.suggestion_issue(
        review=cell_review,
        by=appraiser,
        issuing_unit=org_tree.grassroots_a1,
        document_number="45-CV/ĐU",
        document_date=D(2026, 1, 8),
        grounds=["disunity"],
        items=["Làm rõ tình trạng mất đoàn kết"],
        delegation="Tổ công tác số 2",
    )


@pytest.fixture
def commitment(org_tree, member):
    return commitments.commitment_file(
        person=org_tree.members_a1[0], year=2025, items=["Học tập suốt đời"], by=member
    )


def urls(suggestion, commitment):
    item = suggestion.items.get()
    dossier = suggestion.review.cycle.dossiers.get()
    citem = commitment.items.get()
    return [
        ("get", reverse("reviews:suggestion-create", args=[suggestion.review_id])),
        ("get", suggestion.get_absolute_url()),
        ("get", reverse("reviews:suggestion-withdraw", args=[suggestion.pk])),
        ("post", reverse("reviews:suggestion-withdraw", args=[suggestion.pk])),
        ("get", reverse("reviews:suggestion-answer", args=[item.pk])),
        ("post", reverse("reviews:suggestion-answer", args=[item.pk])),
        ("get", dossier.get_absolute_url()),
        ("post", reverse("reviews:dossier-submit", args=[dossier.pk])),
        ("post", reverse("reviews:dossier-return", args=[dossier.pk])),
        ("post", reverse("reviews:dossier-approve", args=[dossier.pk])),
        ("post", reverse("reviews:dossier-schedule", args=[dossier.pk])),
        ("get", commitment.get_absolute_url()),
        ("get", reverse("reviews:commitment-revise", args=[commitment.pk])),
        ("post", reverse("reviews:commitment-assess", args=[citem.pk])),
        ("get", reverse("reviews:commitment-create") + f"?person={commitment.person_id}"),
    ]


def test_outsider_gets_404_everywhere(client, suggestion, commitment, outsider):
    client.force_login(outsider)
    for method, url in urls(suggestion, commitment):
        assert getattr(client, method)(url).status_code == 404, (method, url)


def test_review_page_shows_points_dossier_and_blocked_conference(
    client, suggestion, cell_secretary
):
    client.force_login(cell_secretary)
    page = client.get(suggestion.review.get_absolute_url()).content.decode()
    assert "Làm rõ tình trạng mất đoàn kết" in page
    assert "Giải trình nội dung 1" in page
    assert "Đang chuẩn bị hồ sơ" in page
    assert "phải được ban tổ chức cấp ủy thẩm định đạt yêu cầu" in page
    meeting = reverse("reviews:meeting-record", args=[suggestion.review_id])
    assert client.get(meeting).status_code == 302  # sent back to the review with the reason


def test_issue_answer_and_vet_through_the_pages(
    client, cell_review, org_tree, appraiser, cell_secretary
):
    client.force_login(appraiser)
    response = client.post(
        reverse("reviews:suggestion-create", args=[cell_review.pk]),
        {
            "issuing_unit": org_tree.grassroots_a1.pk,
            "document_number": "12-CV/ĐU",
            "document_date": "08/01/2026",
            "grounds": ["public_outcry"],
            "items": "Đơn thư kéo dài\nChậm giải quyết kiến nghị",
        },
    )
    assert response.status_code == 302
    suggestion = ReviewSuggestion.objects.get()
    assert suggestion.items.count() == 2
    client.force_login(cell_secretary)
    for item in suggestion.items.all():
        response = client.post(
            reverse("reviews:suggestion-answer", args=[item.pk]),
            {
                "account": "Đã xảy ra",
                "causes_subjective": "Chủ quan",
                "responsibility_collective": "Chi ủy",
                "responsibility_personal": "Bí thư",
                "version": item.version,
            },
        )
        assert response.status_code == 302
    dossier = cell_review.cycle.dossiers.get()
    response = client.post(
        reverse("reviews:dossier-submit", args=[dossier.pk]), {"version": dossier.version}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "pending"
    client.force_login(appraiser)
    response = client.post(
        reverse("reviews:dossier-return", args=[dossier.pk]),
        {"version": dossier.version, "remarks": ""},
    )
    assert (
        "Phải nêu nhận xét" in response.content.decode() or "bắt buộc" in response.content.decode()
    )
    response = client.post(
        reverse("reviews:dossier-approve", args=[dossier.pk]), {"version": dossier.version}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "approved"


def test_commitment_roster_and_filing(client, org_tree, cell_secretary, commitment):
    client.force_login(cell_secretary)
    url = reverse("reviews:commitment-list")
    page = client.get(url, {"don_vi": org_tree.cell_a1.pk, "nam": 2025}).content.decode()
    assert "1/3 đảng viên đã có bản cam kết" in page
    page = client.get(
        url, {"don_vi": org_tree.cell_a1.pk, "nam": 2025, "tinh_trang": "chua-co"}
    ).content.decode()
    assert "Nguyễn Văn Đức" not in page and "Lê Minh Anh" in page
    person = org_tree.members_a1[2]
    response = client.post(
        reverse("reviews:commitment-create") + f"?person={person.pk}&nam=2025",
        {"year": 2025, "items": "Gương mẫu\nHoàn thành nhiệm vụ"},
    )
    assert response.status_code == 302
    assert Commitment.objects.get(person=person).items.count() == 2


def test_commitment_assessed_from_the_review(client, open_cycle, org_tree, member, commitment):
    review = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Thực hiện bản cam kết năm 2025" in page
    item = commitment.items.get()
    response = client.post(
        reverse("reviews:commitment-assess", args=[item.pk]),
        {
            f"c{item.pk}-fulfilment": "fulfilled",
            f"c{item.pk}-version": item.version,
            "next": review.get_absolute_url() + "#commitment",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#commitment")
    item.refresh_from_db()
    assert item.fulfilment == "fulfilled"


def test_suggestion_and_dossier_pages_render(client, suggestion, appraiser, cell_secretary):
    for user in (appraiser, cell_secretary):
        client.force_login(user)
        page = client.get(suggestion.get_absolute_url()).content.decode()
        assert "Làm rõ tình trạng mất đoàn kết" in page and "Mất đoàn kết nội bộ" in page
        dossier = suggestion.cycle.dossiers.get()
        assert "Gửi hồ sơ thẩm định" in client.get(dossier.get_absolute_url()).content.decode()


def test_list_ceilings(
    client, open_cycle, org_tree, office, appraiser, django_assert_max_num_queries
):
    reviews = Review.objects.filter(cycle=open_cycle, person__isnull=False)[:3]
    for n, review in enumerate(reviews):
        suggestions.suggestion_issue(
            review=review,
            by=office,
            issuing_unit=org_tree.province_a,
            document_number=f"{n}-CV/TU",
            document_date=D(2026, 1, 8),
            grounds=["violations"],
            items=["Nội dung"],
        )
    for person in org_tree.members_a1:
        if not Commitment.objects.filter(person=person, year=2025).exists():
            commitments.commitment_file(person=person, year=2025, items=["Một"], by=office)
    client.force_login(office)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reviews:suggestion-list")).status_code == 200
    with django_assert_max_num_queries(14):
        page = client.get(
            reverse("reviews:commitment-list"), {"don_vi": org_tree.province_a.pk, "nam": 2025}
        )
        assert "3/3 đảng viên" in page.content.decode()
    with django_assert_max_num_queries(30):
        assert client.get(reverse("reports:records"), {"nam": 2025}).status_code == 200


def test_commitment_stats_are_the_roster_lengths(org_tree, office):
    """commitment_stats counts what the roster's filters keep (issue 17: it ran one COUNT of
    the roster per state), the members from the members-per-unit summary and the rest from
    the year's commitments: every figure equals the filtered roster's length."""
    from kiemdiem.reviews import selectors
    from kiemdiem.reviews.models import CommitmentItem, Fulfilment

    people = list(org_tree.members_a1)
    marks = [
        [Fulfilment.FULFILLED, Fulfilment.FULFILLED],
        [Fulfilment.FULFILLED, Fulfilment.PARTLY],
        [Fulfilment.NOT, ""],
    ]
    for person, wanted in zip(people, marks, strict=False):
        made = commitments.commitment_file(
            person=person, year=2025, items=["Một", "Hai"], by=office
        )
        for item, mark in zip(made.items.order_by("pk"), wanted, strict=True):
            CommitmentItem.objects.filter(pk=item.pk).update(fulfilment=mark)
    # counted once each: a member active in two cells of the subtree (official and temporary);
    # not counted: a commitment of someone outside the subtree, a commitment of another year
    from kiemdiem.core.permissions import SYSTEM
    from kiemdiem.org import services as org_services
    from kiemdiem.org.models import MembershipKind

    org_services.membership_add(
        person=people[1],
        unit=org_tree.cell_a1b,
        valid_from=D(2025, 8, 1),
        kind=MembershipKind.TEMPORARY,
        by=SYSTEM,
    )
    gone = org_tree.member_b1
    commitments.commitment_file(person=gone, year=2025, items=["Một"], by=SYSTEM)
    commitments.commitment_file(person=people[2], year=2024, items=["Một"], by=office)
    stats = selectors.commitment_stats(org_tree.province_a, 2025)
    for walk in (False, True):  # the two forms of the roster: the same rows
        roster = selectors.commitment_roster(org_tree.province_a, 2025, walk=walk)
        assert stats["members"] == roster.count() == len(people)
        for state, name in selectors.ROSTER_STATES.items():
            roster = selectors.commitment_roster(org_tree.province_a, 2025, state=state, walk=walk)
            assert stats[name] == roster.count(), state
    assert stats["filed"] == len(marks) and stats["kept"] == 1
    assert stats["short"] == 2 and stats["unassessed"] == 1
    walked = selectors.commitment_roster(org_tree.province_a, 2025, walk=True)
    listed = selectors.commitment_roster(org_tree.province_a, 2025)
    assert list(walked.values_list("pk", "commitment_id")) == list(
        listed.values_list("pk", "commitment_id")
    )


@pytest.mark.usefixtures("built_pages")
def test_commitment_page_queries_do_not_grow(client, org_tree, office):
    """The commitments page as the office: N then 3N members with commitments, same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.core.permissions import SYSTEM
    from kiemdiem.org import services as org_services
    from kiemdiem.org.tests.factories import PersonFactory

    client.force_login(office)
    url = reverse("reviews:commitment-list") + f"?don_vi={org_tree.province_a.pk}&nam=2025"

    def grow(n: int) -> int:
        for i in range(n):
            person = PersonFactory(full_name=f"Đảng Viên Cam Kết {n}-{i}")
            org_services.membership_add(
                person=person, unit=org_tree.cell_a1, valid_from=D(2025, 7, 1), by=SYSTEM
            )
            commitments.commitment_file(person=person, year=2025, items=["Một"], by=office)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = grow(2)
    assert grow(6) == small


def test_own_commitment_button_is_shown_to_members_only(client, org_tree, office, member):
    """An office account with no member record has no commitment of its own to file (the
    form answers 404 to it), so the page does not offer it; a member is offered it."""
    from kiemdiem.org.scoping import access_for

    assert access_for(office).person_id is None and access_for(member).person_id is not None
    url = reverse("reviews:commitment-list")
    client.force_login(office)
    assert "Nhập bản cam kết của tôi" not in client.get(url).content.decode()
    assert client.get(reverse("reviews:commitment-create")).status_code == 404
    client.force_login(member)
    assert "Nhập bản cam kết của tôi" in client.get(url).content.decode()


@pytest.mark.usefixtures("built_pages")
def test_long_roster_is_walked_in_name_order(client, org_tree, office, monkeypatch):
    """A long roster (here: any from 2 rows, walking at no cost) reads the people in name order
    and checks each one (selectors.roster_walks) instead of sorting every member: the same rows,
    one query more (the people's highest id), still bounded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.reviews import selectors

    client.force_login(office)
    url = reverse("reviews:commitment-list") + f"?don_vi={org_tree.province_a.pk}&nam=2025"
    pages = {}
    for walk_from in (10_000, 2):
        monkeypatch.setattr(selectors, "WALK_FROM", walk_from)
        monkeypatch.setattr(selectors, "WALK_COST", 0)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        pages[walk_from] = page[page.index("<tbody") : page.index("</tbody>")]  # the rows
        walked = any("EXISTS" in q["sql"] and "sort_key" in q["sql"] for q in queries)
        assert walked == (walk_from == 2)
        assert len(queries) <= 9
    assert pages[2] == pages[10_000] and "Lê Minh Anh" in pages[2]
