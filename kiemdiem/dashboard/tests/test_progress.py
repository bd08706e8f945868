"""The dashboard finds the laggards: children's shares, sortable, the ones behind highlighted,
a chart with the same numbers as the table; drill-down lists filter by child unit and status;
both export to Excel within the user's scope."""

import datetime
import io
import json

from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.dashboard import progress
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.tests.helpers import unit_url
from kiemdiem.exports.models import ExportJob
from kiemdiem.remediation.models import RemediationPlan

D = datetime.date


def _set(cycle, unit, **figures):
    CycleSummary.objects.filter(cycle=cycle, unit=unit).update(**figures)


def test_children_show_shares_and_the_one_behind_is_marked(client, merged, org_tree, office):
    # Province A: 10 plans, 8 filed; commune A1 filed 2 of 5 (40%, behind the 80% overall),
    # commune A2 all 5, and A1 has 3 plans missing (60% against 20%).
    _set(merged, org_tree.province_a, plans_expected=10, plans_on_time=8, plans_missing=2)
    _set(merged, org_tree.district_a1, plans_expected=5, plans_on_time=2, plans_missing=3)
    _set(merged, org_tree.district_a2, plans_expected=5, plans_on_time=5, plans_missing=0)
    client.force_login(office)
    html = client.get(unit_url(merged, org_tree.province_a)).content.decode()
    table = html[html.index('data-testid="progress"') :]
    a1 = table[table.index("Đảng bộ xã Quảng Phú") : table.index("</tr>", table.index("Quảng Phú"))]
    assert 'class="kd-low"' in a1 and "40%" in a1 and "2/5" in a1
    assert 'class="kd-bad"' in a1 and "chậm" in a1
    a2 = table[table.index("Hạc Thành") : table.index("</tr>", table.index("Hạc Thành"))]
    assert "kd-low" not in a2 and "kd-bad" not in a2 and "100%" in a2
    # Each share links to the list behind it.
    assert unit_url(merged, org_tree.district_a1, "plans_missing") in a1


def test_children_sort_by_a_measure_and_back(client, merged, org_tree, office):
    _set(merged, org_tree.district_a1, plans_expected=5, plans_on_time=2)
    _set(merged, org_tree.district_a2, plans_expected=5, plans_on_time=5)
    client.force_login(office)
    url = unit_url(merged, org_tree.province_a)
    behind_first = client.get(url, {"sap_xep": "plans", "chieu": "tang"}).content.decode()
    assert behind_first.index("Quảng Phú") < behind_first.index("Hạc Thành")
    assert 'aria-sort="ascending"><a href="?sap_xep=plans&amp;chieu=giam' in behind_first
    ahead_first = client.get(url, {"sap_xep": "plans", "chieu": "giam"}).content.decode()
    table = ahead_first[ahead_first.index('data-testid="progress"') :]
    assert table.index("Hạc Thành") < table.index("Quảng Phú")


def test_natural_order_of_names():
    rows = [{"name": n, "unit_id": i} for i, n in enumerate(["Thôn 10", "thôn 2", "Thôn 1"])]
    assert [r["name"] for r in progress.sort_rows(rows, "", False)] == [
        "Thôn 1",
        "thôn 2",
        "Thôn 10",
    ]


def test_chart_has_the_numbers_of_the_table(client, merged, org_tree, office):
    _set(merged, org_tree.district_a1, plans_expected=4, plans_on_time=1, items_total=10)
    _set(merged, org_tree.district_a2, plans_expected=4, plans_on_time=4, items_total=0)
    client.force_login(office)
    html = client.get(unit_url(merged, org_tree.province_a)).content.decode()
    start = html.index('id="progress-chart-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["labels"] == ["Đảng bộ xã Quảng Phú", "Đảng bộ phường Hạc Thành"]
    assert data["plans"] == [25, 100] and data["items"] == [0, 0]
    assert 'role="img"' in html and 'aria-describedby="chart-note"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html  # served by the app, no CDN


def test_drilldown_filters_by_child_and_status(client, merged, org_tree, office):
    client.force_login(office)
    url = unit_url(merged, org_tree.province_a, "plans_expected")
    everything = client.get(url).context["page"].paginator.count
    in_a1 = client.get(url, {"child": org_tree.district_a1.pk}).context["page"].paginator.count
    assert 0 < in_a1 < everything
    assert (
        in_a1
        == RemediationPlan.objects.filter(
            cycle=merged, unit__path__startswith=org_tree.district_a1.path
        ).count()
    )
    drafts = client.get(url, {"status": "draft"}).context["page"].paginator.count
    assert drafts == everything  # nothing submitted yet
    assert client.get(url, {"status": "accepted"}).context["page"].paginator.count == 0


def test_drilldown_refuses_a_child_outside_the_list_in_vietnamese(client, merged, org_tree, office):
    client.force_login(office)
    url = unit_url(merged, org_tree.district_a1, "plans_expected")
    response = client.get(url, {"child": org_tree.district_b1.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "không phải đơn vị trực thuộc mà đồng chí được xem" in html
    count = response.context["page"].paginator.count
    assert count == client.get(url).context["page"].paginator.count  # unfiltered


def _export(client, kind, **params):
    data = {"kind": kind, "next": "/", **{f"p_{k}": v for k, v in params.items()}}
    return client.post(reverse("exports:create"), data)


def test_drilldown_exports_to_xlsx_with_vietnamese_headers(client, merged, org_tree, office):
    client.force_login(office)
    response = _export(
        client,
        "dashboard.metric-rows",
        cycle=merged.pk,
        unit=org_tree.province_a.pk,
        metric="plans_expected",
        child=org_tree.district_a1.pk,
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Kế hoạch của", "Đơn vị", "Trạng thái", "Hạn nộp")
    assert (
        len(rows) - 1
        == RemediationPlan.objects.filter(
            cycle=merged, unit__path__startswith=org_tree.district_a1.path
        ).count()
    )
    assert isinstance(rows[1][3], datetime.datetime)  # a real date, shown dd/mm/yyyy
    assert sheet.cell(row=2, column=4).number_format == "DD/MM/YYYY"


def test_export_of_a_unit_outside_the_scope_is_refused(client, merged, org_tree, overseer):
    client.force_login(overseer)  # sees commune A1 only
    response = _export(
        client,
        "dashboard.metric-rows",
        cycle=merged.pk,
        unit=org_tree.district_a2.pk,
        metric="plans_expected",
    )
    assert response.status_code == 302
    messages = client.get(response["Location"]).content.decode()
    assert "Không xuất được danh sách: Đơn vị này không thuộc phạm vi của đồng chí" in messages
    assert not ExportJob.objects.exists()


def test_children_progress_exports_with_shares(client, merged, org_tree, office):
    _set(merged, org_tree.district_a1, plans_expected=5, plans_on_time=2)
    client.force_login(office)
    response = _export(client, "dashboard.children", cycle=merged.pk, unit=org_tree.province_a.pk)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "Đơn vị trực thuộc" and "Kế hoạch đã nộp (%)" in header
    a1 = next(r for r in rows if r[0] == "Đảng bộ xã Quảng Phú")
    assert a1[header.index("Kế hoạch đã nộp (%)")] == 0.4


def test_dashboard_with_progress_keeps_its_query_ceiling(
    client, merged, org_tree, office, django_assert_max_num_queries
):
    client.force_login(office)
    with django_assert_max_num_queries(12):
        html = client.get(unit_url(merged, org_tree.province_a)).content.decode()
    assert 'data-testid="progress"' in html
