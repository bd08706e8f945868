import datetime

import pytest
from django.urls import reverse

from kiemdiem.core.models import SummaryDelta
from kiemdiem.dashboard import summaries
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.tasks import summaries_merge
from kiemdiem.dashboard.tests.helpers import unit_url
from kiemdiem.dashboard.views import Links
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Review

D = datetime.date


def test_links_build_the_same_urls_as_reverse(merged, org_tree):
    links = Links(merged.pk)
    assert links.unit(org_tree.cell_a1.pk) == unit_url(merged, org_tree.cell_a1)
    assert links.metric(org_tree.cell_a1.pk, "plans_late") == unit_url(
        merged, org_tree.cell_a1, "plans_late"
    )


@pytest.mark.parametrize("metric", [None, "reviews_expected", "findings_total"])
def test_outsider_gets_404_on_dashboard_and_lists(client, merged, org_tree, outsider, metric):
    client.force_login(outsider)
    assert client.get(unit_url(merged, org_tree.province_a, metric)).status_code == 404
    assert client.get(unit_url(merged, org_tree.cell_a1, metric)).status_code == 404


def test_outsider_gets_404_on_the_all_figures_table(client, merged, org_tree, outsider):
    client.force_login(outsider)
    for unit in (org_tree.province_a, org_tree.cell_a1):
        url = reverse("dashboard:children-figures", args=[merged.pk, unit.pk])
        assert client.get(url).status_code == 404
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_outsider_gets_404_on_cycle(client, merged, org_tree, outsider):
    client.force_login(outsider)
    assert client.get(reverse("dashboard:cycle-home", args=[merged.pk])).status_code == 404
    assert merged.title not in client.get(reverse("dashboard:cycle-list")).content.decode()


def test_unit_outside_the_cycle_scope_is_404_even_for_admin(client, merged, org_tree, admin):
    client.force_login(admin)
    assert client.get(unit_url(merged, org_tree.province_b)).status_code == 404
    assert client.get(unit_url(merged, org_tree.root)).status_code == 404


def test_anonymous_is_sent_to_login(client, merged, org_tree):
    response = client.get(unit_url(merged, org_tree.province_a))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["unit_head", "office", "admin"])
def test_province_leaders_see_the_province_dashboard(client, merged, org_tree, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(unit_url(merged, org_tree.province_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đảng bộ xã Quảng Phú" in html and "Đảng bộ phường Hạc Thành" in html
    assert "Dữ liệu cập nhật lúc" in html
    # The table of all 16 figures of each child is not sent with the page: opening "Tất cả số
    # liệu" loads it (htmx), and its link opens it as a page of its own without scripts.
    figures_url = reverse("dashboard:children-figures", args=[merged.pk, org_tree.province_a.pk])
    assert f'hx-get="{figures_url}"' in html and f'href="{figures_url}"' in html
    assert 'data-testid="all-figures"' not in html
    page = client.get(figures_url).content.decode()
    part = client.get(figures_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in page and "<html" not in part and 'id="all-figures"' in part
    # Every figure links to the rows behind it, for the unit and for each child.
    for metric in METRIC_NAMES:
        assert f'href="{unit_url(merged, org_tree.province_a, metric)}"' in html
        assert f'href="{unit_url(merged, org_tree.district_a1, metric)}"' in part


def test_cycle_home_opens_at_the_users_top_unit(client, merged, org_tree, overseer, office):
    client.force_login(overseer)
    response = client.get(reverse("dashboard:cycle-home", args=[merged.pk]))
    assert response.status_code == 302
    assert response["Location"] == unit_url(merged, org_tree.district_a1)
    client.force_login(office)
    response = client.get(reverse("dashboard:cycle-home", args=[merged.pk]))
    assert response["Location"] == unit_url(merged, org_tree.province_a)


def test_overseer_drills_down_but_not_up(client, merged, org_tree, overseer):
    client.force_login(overseer)
    assert client.get(unit_url(merged, org_tree.grassroots_a1)).status_code == 200
    assert client.get(unit_url(merged, org_tree.province_a)).status_code == 404
    assert client.get(unit_url(merged, org_tree.district_a2)).status_code == 404
    html = client.get(unit_url(merged, org_tree.district_a1)).content.decode()
    # The breadcrumb does not show the province the overseer cannot open.
    assert unit_url(merged, org_tree.province_a) not in html


def test_member_sees_own_cell_only(client, merged, org_tree, member):
    client.force_login(member)
    assert client.get(unit_url(merged, org_tree.cell_a1)).status_code == 200
    assert client.get(unit_url(merged, org_tree.grassroots_a1)).status_code == 404
    assert merged.title in client.get(reverse("dashboard:cycle-list")).content.decode()


def test_unknown_metric_is_404(client, merged, org_tree, office):
    client.force_login(office)
    assert client.get(unit_url(merged, org_tree.province_a, "khong_co")).status_code == 404


def test_dashboard_reads_only_summaries(client, merged, org_tree, office):
    """The figures shown are the stored ones, not a live count of the base tables."""
    CycleSummary.objects.filter(cycle=merged, unit=org_tree.province_a).update(
        reviews_expected=4242
    )
    client.force_login(office)
    assert "4.242" in client.get(unit_url(merged, org_tree.province_a)).content.decode()


def test_pending_changes_are_shown_and_only_the_worker_merges_them(
    client, merged, org_tree, office
):
    review = Review.objects.get(cycle=merged, unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(review=review, by=office, text="Chậm đổi mới", area="leadership")
    client.force_login(office)
    html = client.get(unit_url(merged, org_tree.province_a)).content.decode()
    assert "1 thay đổi đang chờ tổng hợp" in html and "Tiến trình nền tổng hợp mỗi phút" in html
    # The old "update now" address is gone: no request can start a merge for everyone.
    old = unit_url(merged, org_tree.province_a) + "cap-nhat/"
    assert client.post(old).status_code == 404
    assert SummaryDelta.objects.count() == 1
    assert summaries_merge() == "tổng hợp 1 thay đổi"
    row = CycleSummary.objects.get(cycle=merged, unit=org_tree.province_a)
    assert row.findings_total == 1
    html = client.get(unit_url(merged, org_tree.province_a)).content.decode()
    assert "Không có thay đổi nào đang chờ" in html


def test_list_shows_the_rows_behind_a_figure(client, merged, org_tree, office):
    client.force_login(office)
    html = client.get(unit_url(merged, org_tree.grassroots_a1, "units_expected")).content.decode()
    assert "Chi bộ Tổ Toán" in html and "Chi bộ Tổ Văn" in html
    assert "Đảng bộ xã Quảng Phú" not in html  # outside the grassroots subtree
    html = client.get(unit_url(merged, org_tree.cell_a1, "reviews_expected")).content.decode()
    assert all(p.full_name in html for p in org_tree.members_a1)


def test_list_of_missing_plans_matches_the_figure(client, merged, org_tree, office, travel_to):
    travel_to(D(2026, 2, 20))
    plan_services.sweep_overdue()
    summaries.merge_all()
    client.force_login(office)
    row = CycleSummary.objects.get(cycle=merged, unit=org_tree.district_a1)
    response = client.get(unit_url(merged, org_tree.district_a1, "plans_missing"))
    # commune, grassroots committee, 2 cells (collectives) and 3 members of cell A1
    assert response.context["page"].paginator.count == row.plans_missing == 7


@pytest.fixture
def many_findings(merged, org_tree, office):
    """60 findings with one item each in cell A1's plans: a list longer than a page."""
    reviews = list(Review.objects.filter(cycle=merged, unit=org_tree.cell_a1))
    for i in range(60):
        review = reviews[i % len(reviews)]
        finding = review_services.finding_add(
            review=review, by=office, text=f"Hạn chế số {i}", area="leadership"
        )
        plan_services.action_add(
            plan=RemediationPlan.objects.get(review=review),
            by=office,
            content=f"Khắc phục {i}",
            findings=[finding],
            responsible_unit=org_tree.cell_a1,
            due_date=D(2026, 3, 1),
        )
    summaries.merge_all()


@pytest.mark.parametrize(
    "metric", ["findings_total", "items_total", "reviews_expected", "plans_expected"]
)
def test_list_pages_have_a_query_ceiling(
    client, many_findings, merged, org_tree, office, metric, django_assert_max_num_queries
):
    client.force_login(office)
    with django_assert_max_num_queries(14):
        response = client.get(unit_url(merged, org_tree.province_a, metric))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(
        50, response.context["page"].paginator.count
    )


def test_dashboard_has_a_query_ceiling(
    client, many_findings, merged, org_tree, office, django_assert_max_num_queries
):
    client.force_login(office)
    with django_assert_max_num_queries(12):
        assert client.get(unit_url(merged, org_tree.province_a)).status_code == 200


def test_cycle_list_shows_cycles_the_user_can_see(client, merged, office, overseer):
    for user in (office, overseer):
        client.force_login(user)
        html = client.get(reverse("dashboard:cycle-list")).content.decode()
        assert merged.title in html
        assert reverse("dashboard:cycle-home", args=[merged.pk]) in html


def test_children_names_are_escaped(client, merged, org_tree, office):
    # The children tables' rows come from Jinja2 row templates (views.children_tables): a
    # name is escaped there as everywhere.
    from kiemdiem.dashboard.views import children_tables
    from kiemdiem.org.models import Unit

    Unit.objects.filter(pk=org_tree.district_a1.pk).update(name='Xã <b>"Quảng" & Phú</b>')
    client.force_login(office)
    html = client.get(unit_url(merged, org_tree.province_a)).content.decode()
    assert "Xã &lt;b&gt;&#34;Quảng&#34; &amp; Phú&lt;/b&gt;" in html and "<b>" not in html
    row = {"unit_id": 1, "name": "<i>x</i>", "plans_late": 0}
    parts = children_tables([row], Links(merged.pk), {})
    assert "&lt;i&gt;x&lt;/i&gt;" in parts["summary_html"] and "<i>" not in parts["summary_html"]


def test_children_tables_are_cached_until_a_figure_or_name_changes(
    client, merged, org_tree, office, unit_head, django_assert_max_num_queries
):
    """The children's tables are rendered once per set of figures (views.children_parts): the
    same figures come from the cache; a merge moving one child's figure, a renamed child, another
    order or the unit's own figures changing (the "behind" marks) render them again."""
    from django.core.cache import cache

    from kiemdiem.dashboard import views

    cache.clear()
    url = unit_url(merged, org_tree.province_a)
    calls = []
    real = views.children_tables

    def counting(*args):
        calls.append(1)
        return real(*args)

    views.children_tables = counting
    try:
        client.force_login(office)
        first = tables(client.get(url).content.decode())
        assert tables(client.get(url).content.decode()) == first and len(calls) == 1
        # Another reader of the same unit gets the same tables (nothing in them is per user).
        client.force_login(unit_head)
        client.get(url)
        assert len(calls) == 1
        # A child's figure moves (as a merge writes it): shown at once.
        child = CycleSummary.objects.get(cycle=merged, unit=org_tree.district_a1)
        CycleSummary.objects.filter(pk=child.pk).update(findings_total=child.findings_total + 4321)
        html = client.get(url).content.decode()
        assert len(calls) == 2 and f"/{vn(child.findings_total + 4321)}</span>" in html
        # The all-figures table (loaded on demand) comes from the same cached render.
        figures = reverse("dashboard:children-figures", args=[merged.pk, org_tree.province_a.pk])
        html = client.get(figures, HTTP_HX_REQUEST="true").content.decode()
        assert len(calls) == 2 and f">{vn(child.findings_total + 4321)}</a>" in html
        # The unit's own figures move: the "behind" marks compare the children with them.
        CycleSummary.objects.filter(cycle=merged, unit=org_tree.province_a).update(
            plans_expected=9999
        )
        client.get(url)
        assert len(calls) == 3
        # A child is renamed (no summary row changes): the new name is shown.
        from kiemdiem.org.models import Unit

        Unit.objects.filter(pk=org_tree.district_a1.pk).update(name="Xã Đổi Tên")
        assert "Xã Đổi Tên" in client.get(url).content.decode() and len(calls) == 4
        # Another order is another table; the first order is still cached.
        client.get(url + "?sap_xep=plans&chieu=giam")
        client.get(url + "?sap_xep=plans&chieu=giam")
        assert len(calls) == 5
        client.get(url)
        assert len(calls) == 5
    finally:
        views.children_tables = real


def tables(html: str) -> str:
    return html.split('data-testid="progress"')[1]


def vn(value: int) -> str:
    from kiemdiem.dashboard.templatetags.dashboard import vn_int

    return str(value) if value < 1000 else vn_int(value)
