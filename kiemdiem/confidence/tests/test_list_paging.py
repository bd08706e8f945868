"""The result list is paged keys-first, its rows read by key through a query compiled once
(issue 17): each page shows the rows of the list's own query paged by Django, for users of
different scopes."""

import datetime

from django.urls import reverse

from conftest import START
from kiemdiem.confidence import selectors, services, views
from kiemdiem.confidence.models import ConfidenceResult
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.core.tests.list_paging import assert_pages_are_the_lists
from kiemdiem.org import services as org_services
from kiemdiem.org.tests.factories import PersonFactory

D = datetime.date


def _poll_with_results(by, body_unit, cell, names: list[str]):
    poll = services.poll_create(
        by=by,
        title="Lấy phiếu tín nhiệm Ban Thường vụ",
        body_unit=body_unit,
        held_on=D(2026, 11, 20),
        convened_count=15,
        present_count=14,
    )
    for n, name in enumerate(names):
        person = PersonFactory(full_name=name)
        org_services.membership_add(person=person, unit=cell, valid_from=START, by=SYSTEM)
        services.result_add(
            poll=poll,
            person=person,
            by=by,
            title="Ủy viên",
            appointed_on=START,
            high_count=6,
            low_count=n % 8,
        )


def test_result_pages_are_the_lists_pages(client, monkeypatch, org_tree, office, outsider, admin):
    # names out of the keys' order: the list sorts by name within a poll
    _poll_with_results(
        office, org_tree.grassroots_a1, org_tree.cell_a1, [f"Cán bộ {c}" for c in "HBFDAGCE"]
    )
    _poll_with_results(outsider, org_tree.district_b1, org_tree.cell_b1, ["Người Y", "Người X"])
    assert_pages_are_the_lists(
        client,
        monkeypatch,
        views=views,
        rows="_RESULT_ROWS",
        model=ConfidenceResult,
        shown=selectors.result_rows,
        url=reverse("confidence:result-list"),
        lists=[
            (user, selectors.results_filtered(user, selectors.ResultFilter()))
            for user in (office, outsider, admin)
        ],
        seen=lambda r: (
            r.pk,
            r.person.full_name,
            r.poll.body_unit.name,
            r.low_flag,
            selectors.two_years_low(r),
        ),
    )
