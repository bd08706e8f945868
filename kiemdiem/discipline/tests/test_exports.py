"""The record lists export through the exports registry: the page's filters and scope, text
never a formula, and each discipline case or vote written into a workbook recorded as read."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.discipline import services

D = datetime.date


def export(client, kind, **params):
    data = {"kind": kind, "next": "/", **{f"p_{k}": v for k, v in params.items()}}
    response = client.post(reverse("exports:create"), data)
    assert response.status_code == 200, response
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
    rows = export(client, "discipline.cases", hinh_thuc="warning")
    assert rows[0][0] == "Đối tượng" and len(rows) == 3  # header + two warnings
    everything = export(client, "discipline.cases")
    assert '=HYPERLINK("x")' in [r[4] for r in everything]  # text, never a formula
    reads = AuditEvent.objects.filter(action=AuditAction.READ, reason__startswith="Xuất Excel")
    assert reads.count() == 5  # each case once per workbook written
    client.force_login(outsider)
    assert len(export(client, "discipline.cases")) == 1  # nothing of province A


def test_roster_export_lists_the_members(client, org_tree, cell_secretary):
    client.force_login(cell_secretary)
    roster = export(client, "reviews.commitments", don_vi=org_tree.cell_a1.pk, nam="2025")
    assert {r[0] for r in roster[1:]} == {p.full_name for p in org_tree.members_a1}
