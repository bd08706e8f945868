import datetime
import json

import pytest
from django.db import connection
from django.urls import NoReverseMatch, reverse

from conftest import CYCLE_DATES, PARTICIPATING, conclude_review
from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.paging import filter_unindexed
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.org.tests.factories import PersonFactory
from kiemdiem.reviews import selectors, services
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting

D = datetime.date
STALE = "vừa được người khác thay đổi"


def collective(cycle, unit):
    return Review.objects.get(cycle=cycle, unit=unit, person__isnull=True)


def cycle_post(**overrides):
    """A valid POST of the cycle form (dates typed dd/mm/yyyy)."""
    data = {
        "title": "Kiểm điểm chuyên đề năm 2025",
        "kind": "thematic",
        "year": "2025",
        "directive_number": "12-CV/TU",
        "directive_date": "01/12/2025",
        "directive_issuer": "Ban Thường vụ Tỉnh ủy Thanh Hóa",
        "participating_kinds": PARTICIPATING,
        "include_individuals": "on",
        "starts_on": "05/01/2026",
        "self_review_due": "20/01/2026",
        "conference_due": "31/01/2026",
        "plan_due": "15/02/2026",
        "horizon_end": "31/12/2027",
        "version": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def draft_cycle(org_tree, office):
    return services.cycle_create(
        by=office,
        title="Kiểm điểm khi cần thiết",
        kind="ad_hoc",
        year=2025,
        directive_number="7-CV/TU",
        directive_date=D(2025, 12, 1),
        directive_issuer="Ban Thường vụ Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )


@pytest.fixture
def review(open_cycle, org_tree):
    """The collective review of cell A1 in the open cycle."""
    return collective(open_cycle, org_tree.cell_a1)


@pytest.fixture
def finding(review, office):
    return services.finding_add(
        review=review, by=office, text="Sinh hoạt chi bộ chưa đều", area="leadership"
    )


@pytest.fixture
def carried(open_cycle, org_tree, office, travel_to):
    """Next year's collective review of cell A1, with one shortcoming carried over."""
    services.finding_add(
        review=collective(open_cycle, org_tree.cell_a1),
        by=office,
        text="Chưa đổi mới nội dung sinh hoạt",
        area="leadership",
    )
    services.cycle_close(cycle=open_cycle, by=office)
    travel_to(D(2027, 1, 10))
    nxt = services.cycle_create(
        by=office,
        title="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        directive_number="9-CV/TU",
        directive_date=D(2026, 11, 20),
        directive_issuer="BTV Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        previous_cycle=open_cycle,
        starts_on=D(2027, 1, 5),
        self_review_due=D(2027, 1, 20),
        conference_due=D(2027, 1, 31),
        plan_due=D(2027, 2, 15),
        horizon_end=D(2028, 12, 31),
    )
    campaign_services.cycle_open(cycle=nxt, by=office)
    return collective(nxt, org_tree.cell_a1).findings.get()


# --- every URL: outsiders get 404 ---------------------------------------------------------

CYCLE_URLS = [
    ("reviews:cycle-detail", "get"),
    ("campaign:cycle-edit", "get"),
    ("campaign:cycle-edit", "post"),
    ("campaign:cycle-open", "get"),
    ("campaign:cycle-open", "post"),
    ("campaign:cycle-close", "get"),
    ("campaign:cycle-close", "post"),
]
REVIEW_URLS = [
    ("reviews:review-detail", "get"),
    ("reviews:review-edit", "get"),
    ("reviews:review-edit", "post"),
    ("reviews:review-submit", "post"),
    ("reviews:review-withdraw", "post"),
    ("reviews:review-discuss", "post"),
    ("reviews:review-finalize", "post"),
    ("reviews:finding-list", "get"),
    ("reviews:finding-add", "get"),
    ("reviews:finding-add", "post"),
    ("reviews:meeting-record", "get"),
    ("reviews:meeting-record", "post"),
    ("reviews:meeting-edit", "get"),
    ("reviews:meeting-edit", "post"),
]
FINDING_URLS = [
    ("reviews:finding-edit", "get"),
    ("reviews:finding-edit", "post"),
    ("reviews:finding-delete", "get"),
    ("reviews:finding-delete", "post"),
    ("reviews:finding-assess", "post"),
]


def test_the_cycle_page_opens_exactly_the_cycles_a_user_may(
    client, open_cycle, org_tree, unit_head, overseer, outsider, member, admin
):
    """The page's precompiled lookup keeps `cycles_for`'s rule: a cycle run inside the user's
    scope or covering it opens, any other is a 404 (a commune's cycle for the province's
    office, but not for a cell member of another commune)."""
    commune = org_tree.cell_a1.parent  # under commune A1, within province A
    inner = ReviewCycle.objects.get(pk=open_cycle.pk)
    inner.pk, inner.scope_unit, inner.title = None, commune, "Kiểm điểm riêng của xã"
    inner.save()
    opened = set()
    for user in (unit_head, overseer, outsider, member, admin):
        client.force_login(user)
        for cycle in (open_cycle, inner):
            status = client.get(reverse("reviews:cycle-detail", args=[cycle.pk])).status_code
            may = selectors.cycles_for(user).filter(pk=cycle.pk).exists()
            assert status == (200 if may else 404), (user, cycle)
            opened.add(may)
    assert opened == {True, False}


@pytest.mark.parametrize(("name", "method"), CYCLE_URLS)
def test_outsider_gets_404_on_other_province_cycle(client, open_cycle, outsider, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[open_cycle.pk]), {})
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), REVIEW_URLS)
def test_outsider_gets_404_on_other_province_review(client, review, outsider, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[review.pk]), {})
    assert response.status_code == 404
    assert Review.objects.get(pk=review.pk).status == "draft"


@pytest.mark.parametrize(("name", "method"), FINDING_URLS)
def test_outsider_gets_404_on_other_province_finding(client, finding, outsider, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[finding.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_outsider_does_not_see_the_cycle_in_the_list(client, open_cycle, outsider):
    client.force_login(outsider)
    html = client.get(reverse("reviews:cycle-list")).content.decode()
    assert open_cycle.title not in html


def test_anonymous_is_sent_to_login(client, open_cycle):
    response = client.get(reverse("reviews:cycle-detail", args=[open_cycle.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- allowed users get the pages -----------------------------------------------------------


@pytest.mark.parametrize("name", ["reviews:cycle-detail", "campaign:cycle-edit"])
def test_office_opens_cycle_pages(client, open_cycle, office, name):
    client.force_login(office)
    assert client.get(reverse(name, args=[open_cycle.pk])).status_code == 200


def test_office_opens_confirmation_pages(client, draft_cycle, open_cycle, office):
    client.force_login(office)
    assert client.get(reverse("campaign:cycle-open", args=[draft_cycle.pk])).status_code == 200
    assert client.get(reverse("campaign:cycle-close", args=[open_cycle.pk])).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "reviews:review-detail",
        "reviews:review-edit",
        "reviews:finding-add",
        "reviews:meeting-record",
    ],
)
def test_unit_head_opens_review_pages(client, review, unit_head, name):
    client.force_login(unit_head)
    assert client.get(reverse(name, args=[review.pk])).status_code == 200


@pytest.mark.parametrize("name", ["reviews:finding-edit", "reviews:finding-delete"])
def test_unit_head_opens_finding_pages(client, finding, unit_head, name):
    client.force_login(unit_head)
    assert client.get(reverse(name, args=[finding.pk])).status_code == 200


def test_finding_list_redirects_plain_get_and_serves_htmx(client, review, finding, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:finding-list", args=[review.pk])
    assert client.get(url).status_code == 302
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="findings"' in html and "Sinh hoạt chi bộ chưa đều" in html
    assert "<html" not in html


def test_member_sees_the_provincial_cycle_and_own_review(client, open_cycle, org_tree, member):
    client.force_login(member)
    html = client.get(reverse("reviews:cycle-list")).content.decode()
    assert open_cycle.title in html
    html = client.get(reverse("reviews:cycle-detail", args=[open_cycle.pk])).content.decode()
    own = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    assert f'Bản kiểm điểm của bạn:\n  <a href="{own.get_absolute_url()}">' in html
    assert selectors._OWN_REVIEWS.compiled(open_cycle.pk, own.person_id)
    # Reviews of the commune above the member's cell stay out of reach.
    commune = collective(open_cycle, org_tree.district_a1)
    assert commune.get_absolute_url() not in html
    assert client.get(commune.get_absolute_url()).status_code == 404
    assert client.get(own.get_absolute_url()).status_code == 200


def test_member_writes_own_review_but_not_the_cells(client, open_cycle, org_tree, member):
    client.force_login(member)
    own = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    cell = collective(open_cycle, org_tree.cell_a1)
    assert client.get(reverse("reviews:review-edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("reviews:review-edit", args=[cell.pk])).status_code == 403
    response = client.post(reverse("reviews:review-submit", args=[cell.pk]), {"version": 1})
    assert response.status_code == 403
    assert Review.objects.get(pk=cell.pk).status == "draft"


# --- cycles --------------------------------------------------------------------------------


def test_office_creates_cycle(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("campaign:cycle-create"), cycle_post(scope_unit=org_tree.province_a.pk)
    )
    cycle = ReviewCycle.objects.get()
    assert response.status_code == 302 and response["Location"] == cycle.get_absolute_url()
    assert cycle.status == "draft" and cycle.starts_on == D(2026, 1, 5)
    assert sorted(cycle.participating_kinds) == sorted(PARTICIPATING)


def test_cycle_with_dates_out_of_order_is_refused(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("campaign:cycle-create"),
        cycle_post(scope_unit=org_tree.province_a.pk, plan_due="01/01/2026"),
    )
    assert response.status_code == 200
    assert "Các mốc phải theo thứ tự" in response.content.decode()
    assert not ReviewCycle.objects.exists()


def test_cycle_with_bad_date_shows_vietnamese_message(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("campaign:cycle-create"),
        cycle_post(scope_unit=org_tree.province_a.pk, starts_on="2026/31/01"),
    )
    assert "hãy nhập theo dạng dd/mm/yyyy" in response.content.decode()
    assert not ReviewCycle.objects.exists()


def test_cycle_scope_is_limited_to_the_office(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("campaign:cycle-create"), cycle_post(scope_unit=org_tree.province_b.pk)
    )
    assert response.status_code == 200 and not ReviewCycle.objects.exists()
    html = client.get(reverse("campaign:cycle-create")).content.decode()
    assert org_tree.province_a.name in html and org_tree.district_a1.name in html
    assert org_tree.province_b.name not in html and org_tree.cell_a1.name not in html


def test_previous_cycle_choices_stay_in_scope(client, org_tree, open_cycle, office, outsider):
    other = services.cycle_create(
        by=outsider,
        title="Đợt của tỉnh Hà Tĩnh",
        kind="annual",
        year=2025,
        directive_number="5-CV/TU",
        directive_date=D(2025, 12, 1),
        directive_issuer="BTV",
        scope_unit=org_tree.province_b,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )
    client.force_login(office)
    html = client.get(reverse("campaign:cycle-create")).content.decode()
    assert open_cycle.title in html and other.title not in html
    response = client.post(
        reverse("campaign:cycle-create"),
        cycle_post(scope_unit=org_tree.province_a.pk, previous_cycle=other.pk),
    )
    assert response.status_code == 200 and ReviewCycle.objects.count() == 2


def test_only_offices_create_cycles(client, org_tree, unit_head):
    client.force_login(unit_head)
    assert client.get(reverse("campaign:cycle-create")).status_code == 403
    assert "Tạo đợt kiểm điểm" not in client.get(reverse("reviews:cycle-list")).content.decode()


def test_stale_cycle_edit_is_refused(client, draft_cycle, office):
    client.force_login(office)
    url = reverse("campaign:cycle-edit", args=[draft_cycle.pk])
    form = cycle_post(scope_unit=draft_cycle.scope_unit_id, version=str(draft_cycle.version))
    assert client.post(url, {**form, "title": "Tên mới thứ nhất"}).status_code == 302
    response = client.post(url, {**form, "title": "Tên mới thứ hai"})
    assert response.status_code == 200 and STALE in response.content.decode()
    assert ReviewCycle.objects.get(pk=draft_cycle.pk).title == "Tên mới thứ nhất"


def test_open_cycle_keeps_its_scope(client, open_cycle, org_tree, office):
    client.force_login(office)
    url = reverse("campaign:cycle-edit", args=[open_cycle.pk])
    data = cycle_post(
        scope_unit=org_tree.province_a.pk,
        participating_kinds=["commune"],
        title="Đổi tên đợt",
        version=str(open_cycle.version),
    )
    assert client.post(url, data).status_code == 302
    cycle = ReviewCycle.objects.get(pk=open_cycle.pk)
    assert cycle.title == "Đổi tên đợt" and cycle.participating_kinds == PARTICIPATING


def test_open_cycle_needs_a_reason(client, draft_cycle, office, travel_to):
    travel_to(D(2026, 1, 5))
    client.force_login(office)
    url = reverse("campaign:cycle-open", args=[draft_cycle.pk])
    response = client.post(url, {"reason": " ", "version": draft_cycle.version})
    assert response.status_code == 200 and "Hãy nêu lý do" in response.content.decode()
    assert ReviewCycle.objects.get(pk=draft_cycle.pk).status == "draft"
    response = client.post(url, {"reason": "Theo Công văn 7-CV/TU", "version": 1})
    assert response.status_code == 302
    assert ReviewCycle.objects.get(pk=draft_cycle.pk).status == "open"
    assert Review.objects.filter(cycle=draft_cycle).count() == 8
    html = client.get(draft_cycle.get_absolute_url()).content.decode()
    assert "tạo 8 bản kiểm điểm" in html and "Theo Công văn 7-CV/TU" in html  # message, history


def test_close_cycle(client, open_cycle, office):
    client.force_login(office)
    url = reverse("campaign:cycle-close", args=[open_cycle.pk])
    response = client.post(url, {"reason": "Hết thời hạn", "version": open_cycle.version})
    assert response.status_code == 302
    assert ReviewCycle.objects.get(pk=open_cycle.pk).status == "closed"


def test_unit_head_cannot_close_cycle(client, open_cycle, unit_head):
    client.force_login(unit_head)
    url = reverse("campaign:cycle-close", args=[open_cycle.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert ReviewCycle.objects.get(pk=open_cycle.pk).status == "open"


def test_cycle_detail_counts_and_badges(client, open_cycle, finding, unit_head):
    client.force_login(unit_head)
    response = client.get(reverse("reviews:cycle-detail", args=[open_cycle.pk]))
    counts = response.context["counts"]
    assert (counts["collective"], counts["individual"], counts["findings"]) == (5, 3, 1)
    html = response.content.decode()
    assert "493-CV/TU ngày 20/11/2025 của Ban Thường vụ Tỉnh ủy Thanh Hóa" in html
    assert 'data-status="draft"' in html


def test_cycle_detail_filters_reviews(client, open_cycle, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:cycle-detail", args=[open_cycle.pk])
    response = client.get(url, {"doi_tuong": "individual"})
    assert response.context["page"].paginator.count == 3


def test_cycle_list_query_count_is_bounded(client, org_tree, office, django_assert_max_num_queries):
    for i in range(50):
        services.cycle_create(
            by=office,
            title=f"Đợt thử {i}",
            kind="ad_hoc",
            year=2025,
            directive_number=f"{i}-CV/TU",
            directive_date=D(2025, 12, 1),
            directive_issuer="BTV",
            scope_unit=org_tree.province_a if i % 2 else org_tree.district_a1,
            participating_kinds=PARTICIPATING,
            **CYCLE_DATES,
        )
    client.force_login(office)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reviews:cycle-list"))
    assert len(response.context["page"]) == 50


@pytest.fixture
def wide_cycle(org_tree, office, travel_to) -> ReviewCycle:
    """An open provincial cycle with more reviews than one page (45 members more in a cell)."""
    for i in range(45):
        person = PersonFactory(full_name=f"Đảng Viên Thử {i}")
        org_services.membership_add(
            person=person, unit=org_tree.cell_a1b, valid_from=D(2025, 7, 1), by=SYSTEM
        )
    travel_to(D(2026, 1, 10))
    cycle = services.cycle_create(
        by=office,
        title="Đợt đông",
        kind="annual",
        year=2025,
        directive_number="1-CV/TU",
        directive_date=D(2025, 12, 1),
        directive_issuer="BTV",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )
    campaign_services.cycle_open(cycle=cycle, by=office)
    return cycle


def test_cycle_detail_query_count_is_bounded(
    client, wide_cycle, office, django_assert_max_num_queries
):
    client.force_login(office)
    with django_assert_max_num_queries(14):  # 15 before the findings were counted with the rows
        response = client.get(reverse("reviews:cycle-detail", args=[wide_cycle.pk]))
    assert len(response.context["page"]) == 50


def test_cycle_pages_list_the_scope_in_order(client, wide_cycle, office, monkeypatch):
    """Paged through, seven a page, the cycle page lists the rows of the ORM's plain ordered
    query of the scope, each once: also the pages past the middle, read from the end (issue
    17, part 11b), and past the last (the last page again)."""
    monkeypatch.setattr("kiemdiem.reviews.views.REVIEWS_PER_PAGE", 7)
    plain = list(
        Review.objects.visible_to(office)
        .filter(cycle=wide_cycle)
        .order_by("unit__path", "subject_kind", "person__sort_key", "pk")
        .values_list("pk", flat=True)
    )
    assert len(plain) > 7 * 4
    client.force_login(office)
    url = reverse("reviews:cycle-detail", args=[wide_cycle.pk])
    listed = []
    for number in range(1, len(plain) // 7 + 3):
        page = client.get(url, {"page": number}).context["page"]
        listed.append([review.pk for review in page])
    assert [pk for rows in listed[:-1] for pk in rows] == plain
    assert listed[-1] == listed[-2]


def test_cycle_page_rows_read_by_key_are_the_lists_rows(client, wide_cycle, office, monkeypatch):
    """The page's rows, read by key through a query compiled once (views._REVIEW_ROWS, issue
    17), are those of the list's own query paged by Django: the same reviews in the same order,
    with their unit, person, status and number of findings, the short last page among them."""
    from django.core.paginator import Paginator

    from kiemdiem.reviews import selectors, views

    collective_a1 = collective(wide_cycle, wide_cycle.scope_unit.children.first())
    for text in ("Một", "Hai"):
        services.finding_add(review=collective_a1, by=office, text=text, area="leadership")
    monkeypatch.setattr("kiemdiem.reviews.views.REVIEWS_PER_PAGE", 7)
    plain = Paginator(selectors.review_rows(selectors.cycle_reviews(wide_cycle, office)), 7)
    assert plain.count % 7  # a short last page

    def shown(reviews) -> list:
        return [
            (r.pk, r.unit.name, r.person and r.person.full_name, r.status, r.finding_count)
            for r in reviews
        ]

    client.force_login(office)
    url = reverse("reviews:cycle-detail", args=[wide_cycle.pk])
    counted = set()
    for number in range(1, plain.num_pages + 1):
        page = client.get(url, {"page": number}).context["page"]
        assert shown(page) == shown(plain.get_page(number)), number
        counted |= {row[-1] for row in shown(page)}
    assert counted == {0, 2}
    assert views._REVIEW_ROWS.compiled(tuple(range(1, 8)))


def test_cycle_filter_is_estimated_from_its_statistics(wide_cycle):
    """PostgreSQL estimates the cycle page's `cycle_id + 0 IN (…)` from the statistics of
    migration reviews/0006: without them it guessed 0.5 % of the rows, and past the second
    page sorted the whole scope instead of walking it (issue 17, part 11b)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's planner has no such estimate")
    reviews = filter_unindexed(Review.objects.all(), "cycle_id", [wide_cycle.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reviews_review")
    plan = json.loads(reviews.explain(format="json"))
    assert plan[0]["Plan"]["Plan Rows"] >= reviews.count() * 0.8


# --- reviews --------------------------------------------------------------------------------


def test_edit_review_texts(client, review, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:review-edit", args=[review.pk])
    data = {"strengths": "Đoàn kết, thống nhất", "causes_subjective": "Chủ quan", "version": 1}
    assert client.post(url, data).status_code == 302
    review.refresh_from_db()
    assert review.strengths == "Đoàn kết, thống nhất" and review.version == 2


def test_stale_review_edit_is_refused(client, review, unit_head, office):
    services.review_update(review=review, by=office, strengths="Bản của văn phòng")
    client.force_login(unit_head)
    url = reverse("reviews:review-edit", args=[review.pk])
    response = client.post(url, {"strengths": "Bản cũ", "version": 1})
    assert response.status_code == 200 and STALE in response.content.decode()
    assert Review.objects.get(pk=review.pk).strengths == "Bản của văn phòng"


def test_submit_then_withdraw(client, review, unit_head):
    client.force_login(unit_head)
    response = client.post(reverse("reviews:review-submit", args=[review.pk]), {"version": 1})
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == "submitted"
    response = client.post(reverse("reviews:review-withdraw", args=[review.pk]), {"version": 2})
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == "draft"


def test_submit_from_a_stale_page_is_refused(client, review, unit_head, office):
    services.review_update(review=review, by=office, strengths="Sửa sau khi trang đã mở")
    client.force_login(unit_head)
    response = client.post(reverse("reviews:review-submit", args=[review.pk]), {"version": 1})
    assert response.status_code == 200 and STALE in response.content.decode()
    assert Review.objects.get(pk=review.pk).status == "draft"


def test_submission_refused_lists_problems_then_assessment_unblocks(client, carried, unit_head):
    review = carried.review
    client.force_login(unit_head)
    submit = reverse("reviews:review-submit", args=[review.pk])
    response = client.post(submit, {"version": review.version})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="problems"' in html
    assert "chưa được đánh giá đã khắc phục" in html
    assert Review.objects.get(pk=review.pk).status == "draft"

    assess = reverse("reviews:finding-assess", args=[carried.pk])
    prefix = f"f{carried.pk}-"
    response = client.post(
        assess, {prefix + "assessment": "not_fixed", prefix + "cause": "", prefix + "version": 1}
    )
    assert response.status_code == 200 and "Phải nêu nguyên nhân." in response.content.decode()
    assert Finding.objects.get(pk=carried.pk).carry_assessment == ""

    response = client.post(
        assess,
        {
            prefix + "assessment": "partly_fixed",
            prefix + "percent": "60",
            prefix + "cause": "Thiếu tài liệu",
            prefix + "version": 1,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'id="carried"' in response.content.decode()
    assessed = Finding.objects.get(pk=carried.pk)
    assert (assessed.carry_assessment, assessed.carry_percent) == ("partly_fixed", 60)
    assert "Khắc phục một phần (60%)" in response.content.decode()
    assert client.post(submit, {"version": review.version}).status_code == 302
    assert Review.objects.get(pk=review.pk).status == "submitted"


def test_review_page_shows_carried_finding_and_tags(client, carried, unit_head, office):
    review = carried.review
    services.finding_add(
        review=review,
        by=office,
        text="Thiếu gương mẫu",
        area="ethics_lifestyle",
        degradation_tags=["B3"],
    )
    client.force_login(unit_head)
    html = client.get(review.get_absolute_url()).content.decode()
    assert "Chưa đổi mới nội dung sinh hoạt" in html and "1 chưa đánh giá" in html
    assert "B3 · Thiếu gương mẫu" in html


def test_review_page_links_to_the_plan(client, review, unit_head):
    client.force_login(unit_head)
    html = client.get(review.get_absolute_url()).content.decode()
    try:
        url = reverse("remediation:plan-detail", args=[review.plan.pk])
    except NoReverseMatch:  # the remediation pages are written elsewhere
        pytest.skip("remediation:plan-detail is not installed")
    assert url in html


# --- findings ------------------------------------------------------------------------------


def finding_post(**overrides):
    data = {
        "text": "Chưa thường xuyên kiểm tra, giám sát",
        "area": "inspection",
        "severity": "shortcoming",
        "cause_kind": "subjective",
        "source": "self",
        "degradation_tags": ["A9", "B2"],
    }
    data.update(overrides)
    return data


def test_add_finding_plain_post_redirects(client, review, unit_head):
    client.force_login(unit_head)
    response = client.post(reverse("reviews:finding-add", args=[review.pk]), finding_post())
    assert response.status_code == 302 and response["Location"].endswith("#findings")
    finding = review.findings.get()
    assert finding.degradation_tags == ["A9", "B2"] and finding.severity == "shortcoming"


def test_add_finding_with_htmx_returns_the_panel(client, review, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:finding-add", args=[review.pk])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="findings"' in html and 'hx-post="' + url in html
    response = client.post(url, finding_post(), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "Chưa thường xuyên kiểm tra" in html
    assert "Đã thêm hạn chế, khuyết điểm." in html


def test_finding_without_text_is_refused(client, review, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:finding-add", args=[review.pk])
    response = client.post(url, finding_post(text="  "))
    assert response.status_code == 200
    assert "Phải nêu nội dung hạn chế, khuyết điểm." in response.content.decode()
    response = client.post(url, finding_post(text=" "), HTTP_HX_REQUEST="true")
    assert "Phải nêu nội dung hạn chế, khuyết điểm." in response.content.decode()
    assert not review.findings.exists()


def test_edit_finding_inline_and_stale_edit(client, finding, unit_head, office):
    client.force_login(unit_head)
    url = reverse("reviews:finding-edit", args=[finding.pk])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-post="' + url in html and "Sinh hoạt chi bộ chưa đều" in html
    data = finding_post(text="Sinh hoạt chi bộ chưa đều, chưa đúng kỳ", version=1)
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "text": "Bản cũ"}, HTTP_HX_REQUEST="true")
    assert STALE in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).text == "Sinh hoạt chi bộ chưa đều, chưa đúng kỳ"


def test_delete_finding_needs_a_reason(client, finding, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:finding-delete", args=[finding.pk])
    response = client.post(url, {"reason": "", "version": finding.version})
    assert response.status_code == 200 and "Phải nêu lý do xóa." in response.content.decode()
    assert Finding.objects.filter(pk=finding.pk).exists()
    missing = client.post(url, {"reason": "Ghi trùng"}).content.decode()
    assert "thiếu phiên bản" in missing and Finding.objects.filter(pk=finding.pk).exists()
    assert client.post(url, {"reason": "Ghi trùng", "version": finding.version}).status_code == 302
    assert not Finding.objects.filter(pk=finding.pk).exists()
    html = client.get(finding.review.get_absolute_url()).content.decode()
    assert "Ghi trùng" in html  # the deletion stays in the review's history


def test_carried_finding_cannot_be_edited_or_deleted(client, carried, unit_head):
    client.force_login(unit_head)
    response = client.post(reverse("reviews:finding-edit", args=[carried.pk]), finding_post())
    assert response.status_code == 302
    response = client.post(
        reverse("reviews:finding-delete", args=[carried.pk]), {"reason": "x", "version": 1}
    )
    assert "Không xóa được hạn chế chuyển từ kỳ trước" in response.content.decode()
    assert Finding.objects.get(pk=carried.pk).text == "Chưa đổi mới nội dung sinh hoạt"


# --- conference and finalization -----------------------------------------------------------


def meeting_post(chair, **overrides):
    data = {
        "held_on": "09/01/2026",
        "chair": chair.pk,
        "supervisors": "Đồng chí Ủy viên Ban Thường vụ Tỉnh ủy",
        "attendee_count": "3",
        "comments_count": "2",
        "comments": "Cần nêu cụ thể hơn",
        "minutes": "Biên bản",
    }
    data.update(overrides)
    return data


def test_meeting_in_the_future_is_refused(client, review, org_tree, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:meeting-record", args=[review.pk])
    response = client.post(url, meeting_post(org_tree.members_a1[0], held_on="01/03/2026"))
    assert response.status_code == 200
    assert "Không ghi nhận được hội nghị chưa diễn ra" in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_meeting_chair_must_belong_to_the_unit(client, review, org_tree, unit_head):
    client.force_login(unit_head)
    url = reverse("reviews:meeting-record", args=[review.pk])
    response = client.post(url, meeting_post(org_tree.member_b1))
    assert response.status_code == 200 and not ReviewMeeting.objects.exists()
    html = client.get(url).content.decode()
    assert org_tree.members_a1[0].full_name in html and org_tree.member_b1.full_name not in html


def test_conference_then_finalize(client, review, org_tree, unit_head):
    client.force_login(unit_head)
    client.post(reverse("reviews:review-submit", args=[review.pk]), {"version": 1})
    url = reverse("reviews:meeting-record", args=[review.pk])
    assert client.post(url, meeting_post(org_tree.members_a1[0])).status_code == 302
    review.refresh_from_db()
    assert review.status == "discussed"
    html = client.get(review.get_absolute_url()).content.decode()
    assert "Đồng chí Ủy viên Ban Thường vụ Tỉnh ủy" in html
    response = client.post(
        reverse("reviews:review-finalize", args=[review.pk]), {"version": review.version}
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == "finalized"
    # A second conference for the same unit is refused.
    response = client.post(url, meeting_post(org_tree.members_a1[0]))
    assert "đã được ghi nhận" in response.content.decode()


def test_review_submitted_after_the_conference_can_be_marked_discussed(
    client, review, org_tree, unit_head, office
):
    services.meeting_record(
        cycle=review.cycle,
        unit=review.unit,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        by=office,
    )
    person_review = Review.objects.get(cycle=review.cycle, person=org_tree.members_a1[1])
    services.review_transition(review=person_review, to="submitted", by=office)
    client.force_login(unit_head)
    url = reverse("reviews:review-discuss", args=[person_review.pk])
    assert client.post(url, {"version": 2}).status_code == 302
    assert Review.objects.get(pk=person_review.pk).status == "discussed"


def test_commune_secretary_sees_the_cycle_and_records_its_conference(client, open_cycle, org_tree):
    from conftest import make_user

    user = make_user("bithu_xa")
    secretary = PersonFactory(full_name="Phạm Văn Xã")
    secretary.user = user
    secretary.save(update_fields=["user"])
    org_services.position_add(
        person=secretary,
        unit=org_tree.district_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    commune = collective(open_cycle, org_tree.district_a1)
    client.force_login(user)
    assert client.get(open_cycle.get_absolute_url()).status_code == 200
    url = reverse("reviews:meeting-record", args=[commune.pk])
    html = client.get(url).content.decode()
    assert "Phạm Văn Xã" in html  # a leader of a unit without direct members chairs
    assert client.post(url, meeting_post(secretary)).status_code == 302
    other = collective(open_cycle, org_tree.district_a2)
    assert client.get(other.get_absolute_url()).status_code == 404


def test_meeting_form_offers_attendees_and_upper_level_supervisors(
    client, review, org_tree, unit_head
):
    client.force_login(unit_head)
    url = reverse("reviews:meeting-record", args=[review.pk])
    html = client.get(url).content.decode()
    assert 'name="attendees"' in html and 'name="supervisor_people"' in html
    # the province secretary (unit_head's person) leads a committee above the cell, named with
    # the post that makes them a supervisor
    assert "Đỗ Trọng Hưng — Bí thư Đảng bộ tỉnh Thanh Hóa" in html
    data = meeting_post(org_tree.members_a1[0], attendee_count="0")
    data["attendees"] = [p.pk for p in org_tree.members_a1]
    data["supervisor_people"] = [unit_head.person.pk]
    assert client.post(url, data).status_code == 302
    meeting = ReviewMeeting.objects.get(unit=org_tree.cell_a1)
    assert meeting.attendee_count == 3 and meeting.supervisor_people.get().full_name == (
        "Đỗ Trọng Hưng"
    )
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Lê Minh Anh" in page and reverse("reviews:meeting-edit", args=[review.pk]) in page


def test_meeting_attendee_of_another_province_is_not_offered_nor_accepted(
    client, review, org_tree, unit_head
):
    client.force_login(unit_head)
    url = reverse("reviews:meeting-record", args=[review.pk])
    assert org_tree.member_b1.full_name not in client.get(url).content.decode()
    data = meeting_post(org_tree.members_a1[0])
    data["attendees"] = [org_tree.member_b1.pk]
    assert client.post(url, data).status_code == 200
    assert not ReviewMeeting.objects.exists()


def test_meeting_edit_saves_and_refuses_a_stale_form(client, review, org_tree, unit_head, office):
    services.meeting_record(
        cycle=review.cycle,
        unit=review.unit,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        by=office,
    )
    client.force_login(unit_head)
    url = reverse("reviews:meeting-edit", args=[review.pk])
    assert client.get(url).status_code == 200
    data = meeting_post(org_tree.members_a1[0], comments_count="7", version="1")
    assert client.post(url, data).status_code == 302
    assert ReviewMeeting.objects.get(unit=review.unit).comments_count == 7
    stale = meeting_post(org_tree.members_a1[0], comments_count="1", version="1")
    response = client.post(url, stale)
    assert response.status_code == 200 and STALE in response.content.decode()
    assert ReviewMeeting.objects.get(unit=review.unit).comments_count == 7


def test_member_without_the_right_cannot_edit_the_meeting(client, review, org_tree, member, office):
    services.meeting_record(
        cycle=review.cycle,
        unit=review.unit,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        by=office,
    )
    client.force_login(member)
    url = reverse("reviews:meeting-edit", args=[review.pk])
    data = meeting_post(org_tree.members_a1[0], comments_count="7", version="1")
    assert client.post(url, data).status_code == 403
    assert ReviewMeeting.objects.get(unit=review.unit).comments_count == 0


# --- in scope but without the right: refused, nothing changed ------------------------------


def test_member_cannot_write_the_cells_or_a_fellow_members_review(
    client, open_cycle, org_tree, member, finding
):
    client.force_login(member)
    cell = collective(open_cycle, org_tree.cell_a1)
    fellow = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[2])
    for review in (cell, fellow):
        assert client.get(review.get_absolute_url()).status_code == 200  # in scope: visible
        url = reverse("reviews:review-edit", args=[review.pk])
        assert client.post(url, {"strengths": "Tự sửa", "version": "1"}).status_code == 403
        url = reverse("reviews:finding-add", args=[review.pk])
        assert client.post(url, finding_post()).status_code == 403
    assert not Review.objects.filter(strengths="Tự sửa").exists()
    assert Finding.objects.filter(review__cycle=open_cycle).count() == 1
    url = reverse("reviews:finding-edit", args=[finding.pk])
    assert client.post(url, finding_post(version="1")).status_code == 403
    url = reverse("reviews:finding-delete", args=[finding.pk])
    assert client.post(url, {"reason": "Ghi nhầm"}).status_code == 403
    stored = Finding.objects.get(pk=finding.pk)
    assert stored.text == "Sinh hoạt chi bộ chưa đều" and stored.version == 1


def test_member_cannot_record_the_conference_or_finalize(client, review, org_tree, member):
    client.force_login(member)
    url = reverse("reviews:meeting-record", args=[review.pk])
    assert client.post(url, meeting_post(org_tree.members_a1[0])).status_code == 403
    assert not ReviewMeeting.objects.exists()
    url = reverse("reviews:review-finalize", args=[review.pk])
    assert client.post(url, {"version": "1"}).status_code == 403
    assert Review.objects.get(pk=review.pk).status == "draft"


def test_office_of_another_cycle_scope_cannot_manage_this_cycle(client, open_cycle, overseer):
    """A standing-committee member over commune A1 sees the provincial cycle but may not run it."""
    client.force_login(overseer)
    assert client.get(open_cycle.get_absolute_url()).status_code == 200
    url = reverse("campaign:cycle-close", args=[open_cycle.pk])
    assert client.post(url, {"reason": "x", "version": "2"}).status_code == 403
    assert ReviewCycle.objects.get(pk=open_cycle.pk).status == "open"


def test_review_page_says_shortcomings_are_frozen_while_the_plan_is_submitted(
    client, review, finding, org_tree, unit_head, office
):
    from kiemdiem.remediation import services as plan_services
    from kiemdiem.remediation.models import RemediationPlan

    plan = RemediationPlan.objects.get(review=review)
    plan_services.action_add(
        plan=plan,
        by=office,
        content="Sinh hoạt đúng kỳ",
        findings=[finding],
        responsible_unit=org_tree.cell_a1,
        due_date=D(2026, 6, 30),
    )
    client.force_login(unit_head)
    add_url = reverse("reviews:finding-add", args=[review.pk])
    assert add_url in client.get(review.get_absolute_url()).content.decode()
    conclude_review(plan.review, office)
    plan_services.plan_submit(plan=plan, by=office)
    html = client.get(review.get_absolute_url()).content.decode()
    assert "cấp thẩm định cần trả lại kế hoạch" in html and add_url not in html
    response = client.post(add_url, finding_post())
    assert "cấp thẩm định cần trả lại kế hoạch" in response.content.decode()
    assert Finding.objects.filter(review=review).count() == 1


def test_new_annual_cycle_form_carries_from_the_last_annual_cycle_by_default(
    client, org_tree, open_cycle, office, travel_to
):
    travel_to(D(2027, 1, 10))
    client.force_login(office)
    html = client.get(reverse("campaign:cycle-create")).content.decode()
    assert "Tự động: đợt gần nhất cùng phạm vi, cùng loại" in html
    dates = {
        "starts_on": "05/01/2027",
        "self_review_due": "20/01/2027",
        "conference_due": "31/01/2027",
        "plan_due": "15/02/2027",
        "horizon_end": "31/12/2028",
        "year": "2026",
    }
    response = client.post(
        reverse("campaign:cycle-create"),
        cycle_post(scope_unit=org_tree.province_a.pk, kind="annual", **dates),
    )
    assert response.status_code == 302
    nxt = ReviewCycle.objects.exclude(pk=open_cycle.pk).get()
    assert nxt.previous_cycle_id == open_cycle.pk
    # Opening it while last year's cycle still runs is refused with the reason.
    url = reverse("campaign:cycle-open", args=[nxt.pk])
    response = client.post(url, {"reason": "Theo kế hoạch", "version": str(nxt.version)})
    assert response.status_code == 200 and "chưa kết thúc" in response.content.decode()
    assert ReviewCycle.objects.get(pk=nxt.pk).status == "draft"


def test_review_page_reads_the_conference_people_once_each(client, review, org_tree, unit_head):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.meeting_record(
        cycle=review.cycle,
        unit=review.unit,
        held_on=D(2026, 1, 9),
        chair=org_tree.members_a1[0],
        attendees=org_tree.members_a1[:2],
        supervisor_people=[unit_head.person],
        supervisors="Tổ công tác số 3",
        by=SYSTEM,
    )
    client.force_login(unit_head)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(review.get_absolute_url()).content.decode()
    assert "Đỗ Trọng Hưng<br>Tổ công tác số 3" in html and "Danh sách (2)" in html

    def reads(table: str) -> int:
        return sum(f'"{table}"' in q["sql"] for q in queries.captured_queries)

    assert reads("reviews_reviewmeeting_supervisor_people") == 1
    assert reads("reviews_reviewmeeting_attendees") == 1


def test_meeting_form_offers_the_unit_and_its_direct_leaders_not_the_whole_subtree(
    client, open_cycle, org_tree, office, cell_secretary
):
    # The grassroots committee's conference offers the leaders of its cells (the secretary of
    # cell A1) but not every member of every cell under it (a province would list 60,000).
    committee = collective(open_cycle, org_tree.grassroots_a1)
    client.force_login(office)
    url = reverse("reviews:meeting-record", args=[committee.pk])
    html = client.get(url).content.decode()
    assert cell_secretary.person.full_name in html
    plain = [p for p in org_tree.members_a1 if p.pk != cell_secretary.person.pk]
    assert plain and not any(p.full_name in html for p in plain)
    # the cell's own conference still offers all its members
    cell = collective(open_cycle, org_tree.cell_a1)
    html = client.get(reverse("reviews:meeting-record", args=[cell.pk])).content.decode()
    assert all(p.full_name in html for p in plain)


def test_an_htmx_panel_post_by_someone_without_the_right_is_refused_with_the_reason(
    client, carried, member
):
    """The in-page assessment (an htmx partial) goes through the same service check as a page."""
    finding = carried
    client.force_login(member)  # an ordinary member of cell A1 does not write the cell's review
    prefix = f"f{finding.pk}-"
    response = client.post(
        reverse("reviews:finding-assess", args=[finding.pk]),
        {
            prefix + "assessment": "fixed",
            prefix + "cause": "Đã đổi mới",
            prefix + "version": finding.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert "Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị" in response.content.decode()
    finding.refresh_from_db()
    assert (finding.carry_assessment, finding.status) == ("", "open")
