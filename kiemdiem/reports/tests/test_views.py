import datetime

import pytest
from django.urls import reverse

from conftest import make_user
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole, UnitKind
from kiemdiem.org.tests.factories import PersonFactory, UnitFactory
from kiemdiem.reports import services
from kiemdiem.reports.models import PeriodicReport, ReportPeriod

D = datetime.date
STALE = "vừa được người khác thay đổi"


@pytest.fixture
def period(open_cycle):
    return ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()


@pytest.fixture
def report(period, org_tree, cell_secretary):
    """The draft report of cell A1 for the first half-year."""
    return services.report_create(period=period, unit=org_tree.cell_a1, by=cell_secretary)


@pytest.fixture
def commune_secretary(org_tree):
    user = make_user("bithu_xa_a1")
    person = PersonFactory(full_name="Phạm Văn Xã")
    person.user = user
    person.save(update_fields=["user"])
    org_services.position_add(
        person=person,
        unit=org_tree.district_a1,
        role=PositionRole.SECRETARY,
        valid_from=D(2025, 7, 1),
        by=SYSTEM,
    )
    return user


# --- every URL: outsiders get 404 ---------------------------------------------------------

REPORT_URLS = [
    ("reports:report-detail", "get"),
    ("reports:report-edit", "get"),
    ("reports:report-edit", "post"),
    ("reports:report-submit", "post"),
]
UNIT_PERIOD_URLS = [
    ("reports:report-create", "get"),
    ("reports:report-create", "post"),
    ("reports:rollup-detail", "get"),
]


@pytest.mark.parametrize(("name", "method"), REPORT_URLS)
def test_outsider_gets_404_on_other_province_report(client, report, outsider, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[report.pk]), {"narrative": "x"})
    assert response.status_code == 404
    assert PeriodicReport.objects.get(pk=report.pk).narrative == ""


@pytest.mark.parametrize(("name", "method"), UNIT_PERIOD_URLS)
def test_outsider_gets_404_on_other_province_unit(client, period, org_tree, outsider, name, method):
    client.force_login(outsider)
    url = reverse(name, args=[org_tree.cell_a1.pk, period.pk])
    assert getattr(client, method)(url).status_code == 404
    # Their own unit with a period of a cycle that does not cover it: 404 as well.
    url = reverse(name, args=[org_tree.cell_b1.pk, period.pk])
    assert getattr(client, method)(url).status_code == 404
    assert not PeriodicReport.objects.exists()


def test_outsider_gets_404_on_other_province_report_list(client, org_tree, outsider):
    client.force_login(outsider)
    url = reverse("reports:report-list", args=[org_tree.cell_a1.pk])
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, report):
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- a unit writes its report ----------------------------------------------------------------


def test_report_list_offers_to_write_each_period(client, period, org_tree, cell_secretary):
    client.force_login(cell_secretary)
    response = client.get(reverse("reports:report-list", args=[org_tree.cell_a1.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "6 tháng đầu năm 2026" in html and "Năm 2027" in html
    assert reverse("reports:report-create", args=[org_tree.cell_a1.pk, period.pk]) in html


def test_index_lists_the_users_units(client, org_tree, office):
    client.force_login(office)
    html = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:report-list", args=[org_tree.province_a.pk]) in html


def test_create_report_prefilled(client, period, org_tree, cell_secretary):
    client.force_login(cell_secretary)
    url = reverse("reports:report-create", args=[org_tree.cell_a1.pk, period.pk])
    html = client.get(url).content.decode()
    assert "Tổng số hạn chế, khuyết điểm" in html
    response = client.post(url)
    report = PeriodicReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.unit == org_tree.cell_a1 and report.figures["findings_total"] == 0


def test_second_report_for_the_period_is_refused(client, report, period, org_tree, cell_secretary):
    client.force_login(cell_secretary)
    url = reverse("reports:report-create", args=[org_tree.cell_a1.pk, period.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert "Đơn vị đã có báo cáo cho kỳ này." in response.content.decode()
    assert PeriodicReport.objects.count() == 1


def test_upper_level_reads_but_does_not_write_the_cells_report(
    client, report, period, org_tree, office, unit_head
):
    for user in (office, unit_head):
        client.force_login(user)
        assert client.get(report.get_absolute_url()).status_code == 200
        assert client.get(reverse("reports:report-edit", args=[report.pk])).status_code == 403
        url = reverse("reports:report-submit", args=[report.pk])
        assert client.post(url, {"version": report.version}).status_code == 403
        url = reverse("reports:report-create", args=[org_tree.cell_a1b.pk, period.pk])
        assert client.post(url).status_code == 403
    assert PeriodicReport.objects.get(pk=report.pk).status == "draft"


def test_office_writes_its_own_committees_report(client, period, org_tree, office):
    client.force_login(office)
    url = reverse("reports:report-create", args=[org_tree.province_a.pk, period.pk])
    assert client.post(url).status_code == 302
    assert PeriodicReport.objects.get().unit == org_tree.province_a


def test_member_reads_the_cells_report_only(client, report, org_tree, member, period):
    client.force_login(member)
    assert client.get(report.get_absolute_url()).status_code == 200
    assert client.get(reverse("reports:report-edit", args=[report.pk])).status_code == 403
    url = reverse("reports:rollup-detail", args=[org_tree.cell_a1.pk, period.pk])
    assert client.get(url).status_code == 403


def test_edit_narrative_and_refresh(client, report, cell_secretary):
    client.force_login(cell_secretary)
    url = reverse("reports:report-edit", args=[report.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"narrative": "Đã khắc phục cơ bản", "refresh": "on", "version": 1})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative == "Đã khắc phục cơ bản" and report.version == 2


def test_stale_report_edit_is_refused(client, report, cell_secretary):
    client.force_login(cell_secretary)
    url = reverse("reports:report-edit", args=[report.pk])
    assert client.post(url, {"narrative": "Bản thứ nhất", "version": 1}).status_code == 302
    response = client.post(url, {"narrative": "Bản thứ hai", "version": 1})
    assert response.status_code == 200 and STALE in response.content.decode()
    assert PeriodicReport.objects.get(pk=report.pk).narrative == "Bản thứ nhất"


def test_submit_without_narrative_is_refused(client, report, cell_secretary):
    client.force_login(cell_secretary)
    url = reverse("reports:report-submit", args=[report.pk])
    response = client.post(url, {"version": report.version})
    assert response.status_code == 200
    assert "Phải có phần đánh giá, nhận xét trước khi gửi báo cáo." in response.content.decode()
    assert PeriodicReport.objects.get(pk=report.pk).status == "draft"


def test_submit_report(client, report, cell_secretary):
    services.report_update(report=report, narrative="Đã khắc phục", by=cell_secretary)
    client.force_login(cell_secretary)
    url = reverse("reports:report-submit", args=[report.pk])
    assert client.post(url, {"version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == cell_secretary
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Đã gửi cấp trên" in html and "Gửi báo cáo lên cấp trên" not in html


def test_submit_from_a_stale_page_is_refused(client, report, cell_secretary):
    services.report_update(report=report, narrative="Đã khắc phục", by=cell_secretary)
    client.force_login(cell_secretary)
    url = reverse("reports:report-submit", args=[report.pk])
    response = client.post(url, {"version": 1})
    assert response.status_code == 200 and STALE in response.content.decode()
    assert PeriodicReport.objects.get(pk=report.pk).status == "draft"


def test_commune_writes_its_report_and_the_province_sees_the_rollup(
    client, period, org_tree, commune_secretary, office
):
    client.force_login(commune_secretary)
    create = reverse("reports:report-create", args=[org_tree.district_a1.pk, period.pk])
    assert client.post(create).status_code == 302
    report = PeriodicReport.objects.get(unit=org_tree.district_a1)
    client.post(
        reverse("reports:report-edit", args=[report.pk]), {"narrative": "Tốt", "version": 1}
    )
    client.post(reverse("reports:report-submit", args=[report.pk]), {"version": 2})
    assert PeriodicReport.objects.get(pk=report.pk).status == "submitted"

    client.force_login(office)
    response = client.get(
        reverse("reports:rollup-detail", args=[org_tree.province_a.pk, period.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert org_tree.district_a1.name in html and org_tree.district_a2.name in html
    assert response.context["submitted"] == 1 and response.context["expected"] == 2
    assert report.get_absolute_url() in html


def test_rollup_query_count_is_bounded(
    client, period, org_tree, office, django_assert_max_num_queries
):
    for i in range(48):
        cell = UnitFactory(
            code=f"CBX{i:03d}",
            name=f"Chi bộ thử {i}",
            kind=UnitKind.SUBORDINATE_CELL,
            parent=org_tree.grassroots_a1,
        )
        if i % 2:
            services.report_create(period=period, unit=cell, by=SYSTEM)
    client.force_login(office)
    url = reverse("reports:rollup-detail", args=[org_tree.grassroots_a1.pk, period.pk])
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert len(response.context["rows"]) == 50


def test_report_list_query_count_is_bounded(
    client, period, org_tree, cell_secretary, django_assert_max_num_queries, travel_to
):
    travel_to(datetime.date(2027, 7, 1))  # every period has started
    for p in ReportPeriod.objects.filter(cycle=period.cycle):
        services.report_create(period=p, unit=org_tree.cell_a1, by=cell_secretary)
    client.force_login(cell_secretary)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:report-list", args=[org_tree.cell_a1.pk]))
    assert response.status_code == 200
