"""The case list is paged keys-first, its rows read by key through a query compiled once
(issue 17): each page shows the rows of the list's own query paged by Django, for users of
different scopes."""

import datetime

from django.urls import reverse

from kiemdiem.core.tests.list_paging import assert_pages_are_the_lists
from kiemdiem.discipline import selectors, services, views
from kiemdiem.discipline.models import DisciplineCase, DisciplineForm
from kiemdiem.discipline.tests.test_views import decided

D = datetime.date


def test_case_pages_are_the_lists_pages(client, monkeypatch, org_tree, office, outsider, admin):
    for n in range(8):  # decided on four days: rows of one day ordered by key
        decided(org_tree, office, violation=f"Vi phạm số {n}", decided_on=D(2025, 10, 1 + n % 4))
    for n in range(2):
        services.case_record(
            by=outsider,
            deciding_unit=org_tree.district_b1,
            authority="committee",
            person=org_tree.member_b1,
            violation=f"Vi phạm ở tỉnh B {n}",
            violation_on=D(2025, 9, 1),
            violation_area="discipline",
            form=DisciplineForm.REPRIMAND,
            decision_number=f"{n}-QĐ/ĐU",
            decided_on=D(2025, 10, 2),
        )
    assert_pages_are_the_lists(
        client,
        monkeypatch,
        views=views,
        rows="_CASE_ROWS",
        model=DisciplineCase,
        shown=selectors.case_rows,
        url=reverse("discipline:case-list"),
        lists=[
            (user, selectors.cases_filtered(user, selectors.CaseFilter()))
            for user in (office, outsider, admin)
        ],
        seen=lambda c: (c.pk, c.subject_label, c.unit.name, c.deciding_unit.name, c.decided_on),
    )
