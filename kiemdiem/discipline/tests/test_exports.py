"""Every record list exports to XLSX: the page's filters and scope, text never a formula, and
each discipline case or vote exported is recorded as read."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.discipline import services

D = datetime.date


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.values)


@pytest.fixture
def cases(org_tree, office):
    for n, person in enumerate(org_tree.members_a1):
        services.case_record(
            by=office,
            person=person,
            deciding_unit=org_tree.grassroots_a1,
            authority="committee",
            violation='=HYPERLINK("x")' if n == 0 else f"Vi phạm {n}",
            violation_on=D(2025, 9, 1),
            violation_area="discipline",
            form="warning" if n else "reprimand",
            decision_number=f"{n}-QĐ",
            decided_on=D(2025, 10, 1),
        )


def test_discipline_export_follows_the_filters_and_records_reads(client, cases, office, outsider):
    client.force_login(office)
    rows = sheet(
        client.get(reverse("discipline:case-list"), {"xuat": "xlsx", "hinh_thuc": "warning"})
    )
    assert rows[0][0] == "Đối tượng" and len(rows) == 3  # header + two warnings
    everything = sheet(client.get(reverse("discipline:case-list"), {"xuat": "xlsx"}))
    assert '=HYPERLINK("x")' in [r[4] for r in everything]
    reads = AuditEvent.objects.filter(action=AuditAction.READ, reason__startswith="Xuất Excel")
    assert reads.count() == 5
    client.force_login(outsider)
    assert len(sheet(client.get(reverse("discipline:case-list"), {"xuat": "xlsx"}))) == 1


def test_other_lists_export(client, open_cycle, org_tree, office):
    client.force_login(office)
    for url, params in [
        (reverse("confidence:poll-list"), {}),
        (reverse("confidence:result-list"), {}),
        (reverse("reviews:suggestion-list"), {}),
        (reverse("reviews:commitment-list"), {"don_vi": org_tree.cell_a1.pk, "nam": 2025}),
    ]:
        rows = sheet(client.get(url, {"xuat": "xlsx", **params}))
        assert rows[0][0], url
    roster = sheet(
        client.get(
            reverse("reviews:commitment-list"),
            {"xuat": "xlsx", "don_vi": org_tree.cell_a1.pk, "nam": 2025},
        )
    )
    assert {r[0] for r in roster[1:]} == {p.full_name for p in org_tree.members_a1}
